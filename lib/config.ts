import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * One configuration for every entry point (CLI, workers, API, tests), read from environment
 * variables and an optional JSON file (RECON_CONFIG_FILE). Environment variables win over the file.
 */

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z.string().trim().min(1).optional();

export const configSchema = z.object({
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }),
  temporal: z.object({
    address: optionalText,
    namespace: z.string().trim().min(1).default('capital-recon'),
    taskQueue: z.string().trim().min(1).default('recon'),
    cliPath: optionalText,
    port: port.optional(),
    uiPort: port.optional(),
  }),
  mongo: z.object({
    uri: optionalText,
    database: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ or -, at most 63 characters')
      .default('capital_recon'),
  }),
  capital: z.object({
    environment: z.enum(['demo', 'live', 'custom']).default('demo'),
    baseUrl: z.url().optional(),
    apiKey: optionalText,
    identifier: optionalText,
    password: optionalText,
  }),
  statements: z.object({
    legalEntity: z.string().trim().min(1).default('Your Company Ltd (set RECON_LEGAL_ENTITY)'),
    dir: z.string().trim().min(1).default('out'),
  }),
  worker: z.object({
    /** V8 heap (old space) of the worker process in MB; 0 = V8's own default. See workers/heap-budget.ts. */
    heapMb: z.coerce.number().int().refine((mb) => mb === 0 || mb >= 128, '0 (no budget) or at least 128').default(256),
  }),
  api: z.object({
    host: z.string().trim().min(1).default('127.0.0.1'),
    port: port.default(8088),
    /** `name:token:scope+scope,...`; parsed and checked by api/auth/tokens.ts when the API starts. */
    tokens: optionalText,
    /** `name:hmac|token:secret:accountId,...`: who may send trade intents (api/auth/intent-sources.ts). */
    intentSources: optionalText,
  }),
  trading: z.object({
    /** Where alerts are POSTed, signed with the secret (lib/trading/webhook-signature.ts); unset = kept in MongoDB only. */
    alertWebhookUrl: z.url().optional(),
    alertWebhookSecret: optionalText,
    /** JSON with `governance`, `exposureLimits`, `intentRisk` and `symbols` (docs/trading-monitor.md); unset = the shipped defaults. */
    policyFile: optionalText,
    /** Exposure snapshots older than this are pruned. */
    exposureRetentionDays: z.coerce.number().int().min(1).max(3650).default(90),
  }),
  market: z.object({
    /** The queue of the streaming supervisors and their long-lived stream activities (`recon worker` serves it beside the recon queue). */
    taskQueue: z.string().trim().min(1).default('market-data'),
    /** Streamed quotes are kept this many days (bars are kept). */
    quoteRetentionDays: z.coerce.number().int().min(1).max(3650).default(7),
    /** Client sentiment points older than this are pruned by the sentiment poll. */
    sentimentRetentionDays: z.coerce.number().int().min(1).max(3650).default(90),
  }),
  cacheDir: z.string().trim().min(1),
});

export type Config = z.infer<typeof configSchema>;

type Path = readonly [keyof Config, ...string[]];

/** Every environment variable the project reads; the README's configuration table mirrors this. */
export const ENV_VARS: ReadonlyArray<{ name: string; path: Path; description: string; secret?: true }> = [
  { name: 'LOG_LEVEL', path: ['log', 'level'], description: 'pino level: fatal, error, warn, info, debug, trace, silent (default info)' },
  { name: 'TEMPORAL_ADDRESS', path: ['temporal', 'address'], description: 'host:port of a running Temporal frontend; unset = the embedded dev server' },
  { name: 'TEMPORAL_NAMESPACE', path: ['temporal', 'namespace'], description: 'Temporal namespace (default capital-recon)' },
  { name: 'TEMPORAL_TASK_QUEUE', path: ['temporal', 'taskQueue'], description: 'task queue of the reconciliation worker (default recon)' },
  { name: 'TEMPORAL_CLI_PATH', path: ['temporal', 'cliPath'], description: 'path to a `temporal` CLI binary for the embedded dev server' },
  { name: 'TEMPORAL_PORT', path: ['temporal', 'port'], description: 'gRPC port for the embedded dev server (default: 7233 for recon dev, a free port for tests)' },
  { name: 'TEMPORAL_UI_PORT', path: ['temporal', 'uiPort'], description: 'Web UI port for the embedded dev server (default: gRPC port + 1000)' },
  { name: 'MONGODB_URI', path: ['mongo', 'uri'], description: 'MongoDB connection string; unset = the embedded database', secret: true },
  { name: 'MONGODB_DB', path: ['mongo', 'database'], description: 'database name (default capital_recon)' },
  { name: 'CAPITAL_ENV', path: ['capital', 'environment'], description: 'demo, live or custom (custom requires CAPITAL_BASE_URL)' },
  { name: 'CAPITAL_BASE_URL', path: ['capital', 'baseUrl'], description: 'Capital.com REST base URL override (e.g. the simulator)' },
  { name: 'CAPITAL_API_KEY', path: ['capital', 'apiKey'], description: 'Capital.com API key', secret: true },
  { name: 'CAPITAL_IDENTIFIER', path: ['capital', 'identifier'], description: 'Capital.com login (email)', secret: true },
  { name: 'CAPITAL_PASSWORD', path: ['capital', 'password'], description: 'Capital.com API key password', secret: true },
  { name: 'RECON_LEGAL_ENTITY', path: ['statements', 'legalEntity'], description: 'the company named on statements' },
  { name: 'RECON_STATEMENTS_DIR', path: ['statements', 'dir'], description: 'where runs write their statements, one directory per run (default out)' },
  { name: 'RECON_API_HOST', path: ['api', 'host'], description: 'interface `recon api` listens on (default 127.0.0.1)' },
  { name: 'RECON_API_PORT', path: ['api', 'port'], description: 'port of `recon api` (default 8088)' },
  { name: 'RECON_API_TOKENS', path: ['api', 'tokens'], description: 'API bearer tokens: name:token:scope+scope, comma-separated (see api/README.md)', secret: true },
  { name: 'RECON_INTENT_SOURCES', path: ['api', 'intentSources'], description: 'who may send trade intents: name:hmac:secret:accountId or name:token:token:accountId, comma-separated (docs/trade-intents.md)', secret: true },
  { name: 'RECON_WORKER_HEAP_MB', path: ['worker', 'heapMb'], description: 'heap budget of `recon worker` and `recon dev` in MB (--max-old-space-size; default 256, 0 = V8 default)' },
  { name: 'RECON_ALERT_WEBHOOK_URL', path: ['trading', 'alertWebhookUrl'], description: 'URL the trading monitors POST alerts to (signed); unset = alerts stay in MongoDB, the API and the CLI' },
  { name: 'RECON_ALERT_WEBHOOK_SECRET', path: ['trading', 'alertWebhookSecret'], description: 'HMAC-SHA256 secret signing alert webhooks (required with RECON_ALERT_WEBHOOK_URL)', secret: true },
  { name: 'RECON_TRADING_POLICY_FILE', path: ['trading', 'policyFile'], description: 'JSON file with the governance policy and exposure limits (default: the shipped ones, docs/trading-monitor.md)' },
  { name: 'RECON_EXPOSURE_RETENTION_DAYS', path: ['trading', 'exposureRetentionDays'], description: 'days exposure snapshots are kept (default 90)' },
  { name: 'RECON_MARKET_TASK_QUEUE', path: ['market', 'taskQueue'], description: 'task queue of the market-data streaming supervisors (default market-data)' },
  { name: 'RECON_QUOTE_RETENTION_DAYS', path: ['market', 'quoteRetentionDays'], description: 'days streamed quotes are kept; bars stay (default 7)' },
  { name: 'RECON_SENTIMENT_RETENTION_DAYS', path: ['market', 'sentimentRetentionDays'], description: 'days client sentiment points are kept (default 90)' },
  { name: 'RECON_CACHE_DIR', path: ['cacheDir'], description: 'where built tools and bundles are cached (default ~/.cache/capital-recon)' },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(env.HOME?.trim() || homedir(), '.cache');
  return path.join(base, 'capital-recon');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = env.RECON_CONFIG_FILE ? readConfigFile(env.RECON_CONFIG_FILE) : {};
  setIn(raw, ['cacheDir'], defaultCacheDir(env), { onlyIfMissing: true });
  for (const variable of ENV_VARS) {
    const value = env[variable.name];
    if (value !== undefined && value.trim() !== '') setIn(raw, variable.path, value);
  }
  for (const section of ['log', 'temporal', 'mongo', 'capital', 'statements', 'api', 'worker', 'trading', 'market'] as const) {
    setIn(raw, [section], {}, { onlyIfMissing: true });
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${describePath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const config = parsed.data;
  if (config.capital.environment === 'custom' && !config.capital.baseUrl) {
    throw new ConfigError('Invalid configuration:\n  CAPITAL_BASE_URL: required when CAPITAL_ENV=custom');
  }
  if (config.trading.alertWebhookUrl && !config.trading.alertWebhookSecret) {
    throw new ConfigError('Invalid configuration:\n  RECON_ALERT_WEBHOOK_SECRET: required when RECON_ALERT_WEBHOOK_URL is set (deliveries are signed)');
  }
  return config;
}

/** The secret values of a configuration, so logging can mask them wherever they appear. */
export function secretValues(config: Config): string[] {
  const values = ENV_VARS.filter((v) => v.secret).map((v) => getIn(config, v.path));
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read RECON_CONFIG_FILE ${file}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`RECON_CONFIG_FILE ${file} is not valid: ${(error as Error).message}`);
  }
}

function describePath(issuePath: ReadonlyArray<PropertyKey>): string {
  const joined = issuePath.map(String).join('.');
  const variable = ENV_VARS.find((v) => v.path.join('.') === joined);
  return variable ? `${variable.name} (${joined})` : joined || '(root)';
}

function setIn(target: Record<string, unknown>, keys: readonly string[], value: unknown, options?: { onlyIfMissing: boolean }): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (options?.onlyIfMissing && node[last] !== undefined) return;
  node[last] = value;
}

function getIn(source: unknown, keys: readonly string[]): unknown {
  let node = source;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
