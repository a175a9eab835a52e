import { loadConfig } from '../lib/config';
import { createLogger, setRootLogger, type Logger } from '../lib/log';
import { connectTemporalClient } from '../lib/temporal/client';
import { ensureNamespace } from '../lib/temporal/namespace';
import { connectMongo } from '../lib/store/mongo';
import { workflowBundle } from './bundle';
import { relaunchWithHeapBudget, reportHeapBudget } from './heap-budget';
import { createServingWorkers } from './all-workers';
import { runWorkerUntilSignal } from './run';
import { installTemporalRuntime } from './runtime';

/**
 * Runs the recon worker against the configured Temporal and MongoDB until SIGINT/SIGTERM.
 * Entry point of `recon worker` and of the worker container.
 */
export async function runReconWorker(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.log.level });
  setRootLogger(log);
  // Checked before the Temporal runtime starts: its threads would keep the process from exiting.
  if (!config.temporal.address || !config.mongo.uri) {
    throw new Error('The worker needs TEMPORAL_ADDRESS and MONGODB_URI (or run `recon dev`, which starts a worker with the embedded stack).');
  }
  reportHeapBudget(log, config.worker.heapMb);
  installTemporalRuntime(log);
  await prepareNamespace(config.temporal.address, config.temporal.namespace, log);
  const mongo = await connectMongo(config.mongo.uri, config.mongo.database);
  const bundle = await workflowBundle(config.cacheDir, log);
  const { workers, close } = await createServingWorkers(config, { address: config.temporal.address, namespace: config.temporal.namespace, bundle, db: mongo.db, log });
  log.info({ taskQueue: config.temporal.taskQueue, marketTaskQueue: config.market.taskQueue, namespace: config.temporal.namespace }, 'recon worker running');
  await runWorkerUntilSignal(workers, async () => {
    await close();
    await mongo.close();
  }, log);
}

/** Registers our namespace and search attributes where the server allows it (not on Temporal Cloud). */
async function prepareNamespace(address: string, namespace: string, log: Logger): Promise<void> {
  const client = await connectTemporalClient({ address, namespace });
  try {
    await ensureNamespace(client.connection, namespace, log);
  } catch (error) {
    log.warn({ err: error, namespace }, 'could not register the namespace or search attributes; create them with your Temporal admin tools (see README)');
  } finally {
    await client.connection.close();
  }
}

// Started as `node dist/workers/main.js` (not through bin/recon.js): apply the budget here.
if (require.main === module && !relaunchWithHeapBudget()) {
  runReconWorker().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
