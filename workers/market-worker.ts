import { NativeConnection, Worker, type WorkflowBundlePath } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createMarketStreamActivities } from '../activities/market-stream';
import type { CapitalClient } from '../lib/capital';
import type { Logger } from '../lib/log';
import { ensureIndexes } from '../lib/store/indexes';
import type { RunningWorker } from './recon-worker';

export interface MarketWorkerOptions {
  address: string;
  namespace: string;
  /** RECON_MARKET_TASK_QUEUE (default market-data). */
  taskQueue: string;
  bundle: WorkflowBundlePath;
  db: Db;
  log: Logger;
  capitalFor(accountId: string): CapitalClient;
  quoteRetentionDays: number;
}

/**
 * Each streamed batch of 40 epics holds an activity slot for as long as it streams, so the
 * market-data queue has its own worker and slots: a thousand epics (25 batches) never starve the
 * reconciliation activities, and reconciliations never hold up a stream's restart.
 */
export const MAX_STREAMING_ACTIVITIES = 200;

/** The worker of the market-data task queue: streaming supervisors and their batch activities. */
export async function createMarketWorker(options: MarketWorkerOptions): Promise<RunningWorker> {
  await ensureIndexes(options.db);
  const connection = await NativeConnection.connect({ address: options.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: options.bundle,
      activities: createMarketStreamActivities({ db: options.db, log: options.log.child({ component: 'market-activity' }), capitalFor: options.capitalFor, quoteRetentionDays: options.quoteRetentionDays }),
      maxConcurrentActivityTaskExecutions: MAX_STREAMING_ACTIVITIES,
      shutdownGraceTime: '10 seconds',
      shutdownForceTime: '20 seconds',
    });
    return { worker, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
