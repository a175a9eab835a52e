import path from 'node:path';
import { loadConfig } from '../lib/config';
import { startDevStack } from '../lib/devstack';
import { createLogger, setRootLogger } from '../lib/log';
import { connectMongo } from '../lib/store/mongo';
import { workflowBundle } from '../workers/bundle';
import { capitalClientsFor } from '../workers/capital';
import { createReconWorker } from '../workers/recon-worker';
import { runWorkerUntilSignal } from '../workers/run';
import { installTemporalRuntime } from '../workers/runtime';

export interface DevOptions {
  port?: number;
  uiPort?: number;
  mongoPort?: number;
  ui: boolean;
  persist?: string;
}

const DEFAULT_TEMPORAL_PORT = 7233;
const DEFAULT_MONGO_PORT = 27017;

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
  try {
    const mongo = await connectMongo(stack.mongo.uri, stack.mongo.database);
    const bundle = await workflowBundle(config.cacheDir, log);
    const { worker, close } = await createReconWorker({
      address: stack.temporal.address,
      namespace: stack.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      bundle,
      db: mongo.db,
      log,
      capitalFor: capitalClientsFor(config, log),
    });
    printBanner(stack, config.temporal.taskQueue, options.persist);
    await runWorkerUntilSignal(
      worker,
      async () => {
        await close();
        await mongo.close();
        await stack.stop();
        console.log('recon dev: stopped Temporal, the database and the worker.');
      },
      log,
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

function printBanner(stack: Awaited<ReturnType<typeof startDevStack>>, taskQueue: string, persist: string | undefined): void {
  const { temporal, mongo } = stack;
  const lines = [
    '',
    'capital-recon dev stack is up',
    `  Temporal   ${temporal.address}   namespace ${temporal.namespace}   (${temporal.description})`,
    temporal.uiUrl ? `  Web UI     ${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows` : '  Web UI     off (--no-ui)',
    `  MongoDB    ${mongo.uri}   database ${mongo.database}   (${mongo.description})`,
    `  Worker     task queue ${taskQueue}`,
    `  Logs       ${stack.logDir}`,
    `  State      ${persist ? path.resolve(persist) : 'throwaway (use --persist to keep it)'}`,
    '',
    'In another terminal:',
    `  export TEMPORAL_ADDRESS=${temporal.address} TEMPORAL_NAMESPACE=${temporal.namespace} MONGODB_URI=${mongo.uri}`,
    '  npx recon check',
    `  temporal workflow list --address ${temporal.address} --namespace ${temporal.namespace}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}
