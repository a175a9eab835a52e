import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundlePath } from '@temporalio/worker';
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
  return createConnectedWorker(options, {
    activities: createActivities({ db: options.db, log: options.log.child({ component: 'activity' }), capitalFor: options.capitalFor, statements: options.statements, trading: options.trading }),
    // Activities read a month at a time: bound how many hold one at once, so the heap budget
    // (RECON_WORKER_HEAP_MB) holds. One run needs 8 ingest windows + 3 side by side; others queue.
    maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    shutdownGraceTime: '5 seconds',
    shutdownForceTime: '15 seconds',
  });
}

export interface WorkerTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundlePath;
  db: Db;
}

/** A worker on its own connection, once the indexes its queries rely on exist. */
export async function createConnectedWorker(target: WorkerTarget, options: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle' | 'workflowsPath'>): Promise<RunningWorker> {
  await ensureIndexes(target.db);
  const connection = await NativeConnection.connect({ address: target.address });
  try {
    const worker = await Worker.create({ ...options, connection, namespace: target.namespace, taskQueue: target.taskQueue, workflowBundle: target.bundle });
    return { worker, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
