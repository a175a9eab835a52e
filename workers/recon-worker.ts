import { NativeConnection, Worker, type WorkflowBundlePath } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createActivities } from '../activities';
import type { StatementsSettings, TradingSettings } from '../activities';
import type { CapitalClient } from '../lib/capital';
import type { Logger } from '../lib/log';
import { ensureIndexes } from '../lib/store/indexes';

export interface ReconWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundlePath;
  db: Db;
  log: Logger;
  capitalFor(accountId: string): CapitalClient;
  /** Where statements are written and whose they are (default: RECON_STATEMENTS_DIR, RECON_LEGAL_ENTITY). */
  statements?: StatementsSettings;
  /** Policy, alert webhook and retention of the trading monitors (default: the shipped policy, no webhook). */
  trading?: TradingSettings;
}

export interface RunningWorker {
  worker: Worker;
  /** Closes the worker's connection; call after `worker.run()` has returned. */
  close(): Promise<void>;
}

/** Enough for one run's busiest stage (8 windows in flight in each of two ingest slices). */
export const MAX_CONCURRENT_ACTIVITIES = 16;

/** The worker of the `recon` task queue: reconciliation workflows and their activities. */
export async function createReconWorker(options: ReconWorkerOptions): Promise<RunningWorker> {
  await ensureIndexes(options.db);
  const connection = await NativeConnection.connect({ address: options.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: options.bundle,
      activities: createActivities({ db: options.db, log: options.log.child({ component: 'activity' }), capitalFor: options.capitalFor, statements: options.statements, trading: options.trading }),
      // Activities read a month at a time: bound how many hold one at once, so the heap budget
      // (RECON_WORKER_HEAP_MB) holds. One run needs 8 ingest windows + 3 side by side; others queue.
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
      shutdownGraceTime: '5 seconds',
      shutdownForceTime: '15 seconds',
    });
    return { worker, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
