/**
 * `recon api`: the HTTP API in the foreground, against the configured Temporal and MongoDB,
 * until SIGINT/SIGTERM (then it stops accepting requests, finishes those in flight and closes).
 */
import { ConfigError, loadConfig } from '../lib/config';
import { stopOnSignals } from '../lib/devstack';
import { createLogger, setRootLogger } from '../lib/log';
import { registerSecret } from '../lib/redact';
import { connectMongo } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import { parseTokenSpec, TokenConfigError, tokenValues, type ApiToken } from './auth/tokens';
import { buildApi } from './server';

export interface ApiOptions {
  host?: string;
  port?: number;
}

const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export async function runApi(options: ApiOptions): Promise<void> {
  const config = loadConfig();
  const tokens = loadTokens(config.api.tokens);
  if (!config.mongo.uri) throw new ConfigError('recon api needs MONGODB_URI (start the stack with `npx recon dev`, which prints it).');
  const log = createLogger({ level: config.log.level });
  setRootLogger(log);

  const temporal = await connectTemporalClient({ address: config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS, namespace: config.temporal.namespace });
  const mongo = await connectMongo(config.mongo.uri, config.mongo.database).catch(async (error: unknown) => {
    await temporal.connection.close();
    throw error;
  });
  const app = buildApi({ temporal, taskQueue: config.temporal.taskQueue, db: mongo.db, statementsDir: config.statements.dir, tokens, log: log.child({ component: 'api' }) });
  const host = options.host ?? config.api.host;
  const port = options.port ?? config.api.port;
  const close = async () => {
    await app.close();
    await temporal.connection.close();
    await mongo.close();
  };
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (error) {
    await close();
    throw error;
  }
  console.log(`recon api listening on ${address} (OpenAPI document at /openapi.json; ${tokens.length} token${tokens.length === 1 ? '' : 's'} configured). Ctrl-C stops it.`);
  stopOnSignals(close, log);
}

/** The tokens of RECON_API_TOKENS; without any the API would refuse every request, so it does not start. */
function loadTokens(spec: string | undefined): ApiToken[] {
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
