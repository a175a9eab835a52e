/**
 * Starting the HTTP API: `startApiServer` listens with connections it is given (used by `recon api`
 * and `recon dev`); `runApi` is `recon api`: configuration, connections, listen, and stop on
 * SIGINT/SIGTERM (it stops accepting requests, finishes those in flight and closes).
 */
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { stopOnSignals } from '../lib/devstack';
import { createLogger, setRootLogger, type Logger } from '../lib/log';
import { registerSecret } from '../lib/redact';
import { connectMongo, type MongoHandle } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import { capitalClientsFor } from '../workers/capital';
import { tradingSettingsFrom } from '../workers/trading-settings';
import { IntentSourceConfigError, parseIntentSources } from './auth/intent-sources';
import { parseTokenSpec, TokenConfigError, tokenValues, type ApiToken } from './auth/tokens';
import type { IntentWebhookDeps } from './deps';
import { buildApi } from './server';

export interface ApiOptions {
  host?: string;
  port?: number;
}

export interface ApiServerSettings {
  host: string;
  /** 0 = any free port. */
  port: number;
  tokens: readonly ApiToken[];
  taskQueue: string;
  statementsDir: string;
  temporal: Client;
  db: Db;
  log: Logger;
  /** The trade-intent webhook's sources and broker access; absent = the webhook answers 503. */
  intents?: IntentWebhookDeps;
}

export interface RunningApi {
  /** e.g. http://127.0.0.1:8088 */
  url: string;
  /** Stops accepting requests and finishes those in flight; the connections stay the caller's. */
  close(): Promise<void>;
}

/** How `runApi` connects; `recon api` passes the CLI's, which explain failures in one sentence. */
export interface ApiConnectors {
  temporal(config: Config): Promise<Client>;
  database(config: Config): Promise<MongoHandle>;
}

const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

const directConnectors: ApiConnectors = {
  temporal: (config) => connectTemporalClient({ address: config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS, namespace: config.temporal.namespace }),
  database: (config) => connectMongo(config.mongo.uri as string, config.mongo.database),
};

export async function startApiServer(settings: ApiServerSettings): Promise<RunningApi> {
  const { temporal, db, taskQueue, statementsDir, tokens, log, intents } = settings;
  const app = buildApi({ temporal, taskQueue, db, statementsDir, tokens, log: log.child({ component: 'api' }), ...(intents ? { intents } : {}) });
  try {
    const url = await app.listen({ host: settings.host, port: settings.port });
    return { url, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export async function runApi(options: ApiOptions, connect: ApiConnectors = directConnectors): Promise<void> {
  const config = loadConfig();
  const tokens = loadApiTokens(config.api.tokens);
  if (!config.mongo.uri) throw new ConfigError('recon api needs MONGODB_URI (start the stack with `npx recon dev`, which prints it).');
  const log = createLogger({ level: config.log.level });
  setRootLogger(log);

  const temporal = await connect.temporal(config);
  const mongo = await connect.database(config).catch(async (error: unknown) => {
    await temporal.connection.close();
    throw error;
  });
  const closeConnections = async () => {
    await temporal.connection.close();
    await mongo.close();
  };
  let api: RunningApi;
  try {
    const intents = intentWebhookFrom(config, log);
    api = await startApiServer({ host: options.host ?? config.api.host, port: options.port ?? config.api.port, tokens, taskQueue: config.temporal.taskQueue, statementsDir: config.statements.dir, temporal, db: mongo.db, log, ...(intents ? { intents } : {}) });
  } catch (error) {
    await closeConnections();
    throw error;
  }
  console.log(`recon api listening on ${api.url} (OpenAPI document at /openapi.json; ${tokens.length} token${tokens.length === 1 ? '' : 's'} configured). Ctrl-C stops it.`);
  stopOnSignals(async () => {
    await api.close();
    await closeConnections();
  }, log);
}

/**
 * The tokens of RECON_API_TOKENS (or a spec `recon dev` made up); without any the API would refuse
 * every request, so it does not start.
 */
export function loadApiTokens(spec: string | undefined): ApiToken[] {
  if (!spec) throw new ConfigError('recon api needs RECON_API_TOKENS, e.g. ops:$(openssl rand -hex 32):runs:read+runs:write+statements:read+ledger:read (see api/README.md)');
  let tokens: ApiToken[];
  try {
    tokens = parseTokenSpec(spec);
  } catch (error) {
    if (error instanceof TokenConfigError) throw new ConfigError(error.message);
    throw error;
  }
  // Masked in any log text from now on (after the checks, whose messages never quote a token).
  registerSecret(spec);
  for (const token of tokenValues(spec)) registerSecret(token);
  return tokens;
}

/**
 * The trade-intent webhook from RECON_INTENT_SOURCES (undefined without it), with the trading
 * policy's intent risk rules and symbols, and a Capital.com client per account for the checks.
 */
export function intentWebhookFrom(config: Config, log: Logger): IntentWebhookDeps | undefined {
  if (!config.api.intentSources) return undefined;
  let sources;
  try {
    sources = parseIntentSources(config.api.intentSources);
  } catch (error) {
    if (error instanceof IntentSourceConfigError) throw new ConfigError(error.message);
    throw error;
  }
  registerSecret(config.api.intentSources);
  for (const source of sources) if (source.auth.kind === 'hmac') registerSecret(source.auth.secret);
  for (const entry of config.api.intentSources.split(',')) registerSecret(entry.split(':')[2]);
  const { policy } = tradingSettingsFrom(config);
  return { sources, capitalFor: capitalClientsFor(config, log), risk: policy.intentRisk, environment: config.capital.environment, symbols: policy.symbols };
}
