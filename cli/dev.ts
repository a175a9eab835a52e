import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { API_SCOPES } from '../api/auth/scopes';
import { intentWebhookFrom, loadApiTokens, startApiServer, type RunningApi } from '../api/main';
import { loadConfig, type Config } from '../lib/config';
import { startDevStack, type DevStack } from '../lib/devstack';
import { choosePort } from '../lib/devstack/ports';
import { createLogger, setRootLogger, type Logger } from '../lib/log';
import { connectMongo, type MongoHandle } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import { workflowBundle } from '../workers/bundle';
import { createServingWorkers } from '../workers/all-workers';
import { runWorkerUntilSignal } from '../workers/run';
import { installTemporalRuntime } from '../workers/runtime';

export interface DevOptions {
  port?: number;
  uiPort?: number;
  mongoPort?: number;
  ui: boolean;
  /** false with --no-api */
  api: boolean;
  apiPort?: number;
  persist?: string;
}

const DEFAULT_TEMPORAL_PORT = 7233;
const DEFAULT_MONGO_PORT = 27017;
/** The made-up token is only ever served here: nothing else on the network can use it. */
const LOOPBACK = '127.0.0.1';

/** `recon dev`: the whole stack in the foreground, for development and for browsing the UI. */
export async function runDev(options: DevOptions): Promise<void> {
  // The dev command starts its own servers: a TEMPORAL_ADDRESS or MONGODB_URI in the environment
  // is honoured (that server is used instead), which the banner shows.
  const config = loadConfig();
  const log = createLogger({ level: config.log.level });
  setRootLogger(log);
  installTemporalRuntime(log);

  const temporalPort = options.port ?? config.temporal.port ?? DEFAULT_TEMPORAL_PORT;
  const stack = await startDevStack({
    config,
    log,
    ui: options.ui,
    temporalPort,
    uiPort: options.uiPort ?? config.temporal.uiPort ?? temporalPort + 1000,
    mongoPort: options.mongoPort ?? DEFAULT_MONGO_PORT,
    ...(options.persist ? { persistDir: path.resolve(options.persist) } : {}),
  });
  let mongo: MongoHandle | undefined;
  let api: DevApi | undefined;
  let closeWorker: (() => Promise<void>) | undefined;
  let closing: Promise<void> | undefined;
  // Once, whether Ctrl-C or a failure gets here first.
  const closeAll = () =>
    (closing ??= (async () => {
      await api?.close();
      await closeWorker?.();
      await mongo?.close();
      await stack.stop();
    })());
  try {
    mongo = await connectMongo(stack.mongo.uri, stack.mongo.database);
    const bundle = await workflowBundle(config.cacheDir, log);
    const { workers, close } = await createServingWorkers(config, { address: stack.temporal.address, namespace: stack.temporal.namespace, bundle, db: mongo.db, log });
    closeWorker = close;
    if (options.api) api = await startDevApi(config, stack, mongo, options.apiPort, log);
    printBanner(stack, `${config.temporal.taskQueue} (market data: ${config.market.taskQueue})`, options.persist, api);
    await runWorkerUntilSignal(
      workers,
      async () => {
        await closeAll();
        console.log(`recon dev: stopped ${api ? 'the API, ' : ''}Temporal, the database and the worker.`);
      },
      log,
    );
  } catch (error) {
    await closeAll();
    throw error;
  }
}

interface DevApi extends RunningApi {
  /** Set when this session made its own token (RECON_API_TOKENS unset): shown once in the banner. */
  devToken?: string;
  tokenCount: number;
}

/** The HTTP API on the dev stack, with RECON_API_TOKENS or, without them, one token for this session. */
async function startDevApi(config: Config, stack: DevStack, mongo: MongoHandle, apiPort: number | undefined, log: Logger): Promise<DevApi> {
  const devToken = config.api.tokens ? undefined : randomBytes(32).toString('hex');
  const tokens = loadApiTokens(config.api.tokens ?? `dev:${devToken}:${API_SCOPES.join('+')}`);
  const host = devToken ? LOOPBACK : config.api.host;
  // Like the servers of the stack: the configured port if free, else any free one (the banner says which).
  const port = apiPort ?? (await choosePort(config.api.port));
  const temporal = await connectTemporalClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
  try {
    const intents = intentWebhookFrom(config, log);
    const running = await startApiServer({ host, port, tokens, taskQueue: config.temporal.taskQueue, statementsDir: config.statements.dir, temporal, db: mongo.db, log, ...(intents ? { intents } : {}) });
    return {
      url: running.url,
      tokenCount: tokens.length,
      ...(devToken ? { devToken } : {}),
      close: async () => {
        await running.close();
        await temporal.connection.close();
      },
    };
  } catch (error) {
    await temporal.connection.close();
    throw error;
  }
}

function printBanner(stack: DevStack, taskQueue: string, persist: string | undefined, api: DevApi | undefined): void {
  const { temporal, mongo } = stack;
  const lines = [
    '',
    'capital-recon dev stack is up',
    `  Temporal   ${temporal.address}   namespace ${temporal.namespace}   (${temporal.description})`,
    temporal.uiUrl ? `  Web UI     ${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows` : '  Web UI     off (--no-ui)',
    `  MongoDB    ${mongo.uri}   database ${mongo.database}   (${mongo.description})`,
    `  Worker     task queues ${taskQueue}`,
    ...apiLines(api),
    `  Logs       ${stack.logDir}`,
    `  State      ${persist ? path.resolve(persist) : 'throwaway (use --persist to keep it)'}`,
    '',
    'In another terminal:',
    `  export TEMPORAL_ADDRESS=${temporal.address} TEMPORAL_NAMESPACE=${temporal.namespace} MONGODB_URI=${mongo.uri}`,
    '  npx recon check',
    `  temporal workflow list --address ${temporal.address} --namespace ${temporal.namespace}`,
    ...(api ? [`  curl -s -H "Authorization: Bearer ${api.devToken ?? '<a token of RECON_API_TOKENS>'}" ${api.url}/runs`] : []),
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

function apiLines(api: DevApi | undefined): string[] {
  if (!api) return ['  HTTP API   off (--no-api)'];
  const tokens = api.devToken
    ? `  API token  ${api.devToken}   (a dev token for this session only: every scope, loopback only; set RECON_API_TOKENS to use your own)`
    : `  API tokens ${api.tokenCount} from RECON_API_TOKENS`;
  return [`  HTTP API   ${api.url}   (OpenAPI at ${api.url}/openapi.json)`, tokens];
}
