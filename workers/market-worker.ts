import type { WorkflowBundlePath } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createMarketStreamActivities } from '../activities/market-stream';
import type { CapitalClient } from '../lib/capital';
import type { Logger } from '../lib/log';
import { createConnectedWorker, type RunningWorker } from './recon-worker';

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
  return createConnectedWorker(options, {
    activities: createMarketStreamActivities({ db: options.db, log: options.log.child({ component: 'market-activity' }), capitalFor: options.capitalFor, quoteRetentionDays: options.quoteRetentionDays }),
    maxConcurrentActivityTaskExecutions: MAX_STREAMING_ACTIVITIES,
    // A batch's heartbeat carries its progress (`recon stream status`): send it every few
    // seconds instead of at 80% of the heartbeat timeout.
    maxHeartbeatThrottleInterval: '3 seconds',
    shutdownGraceTime: '10 seconds',
    shutdownForceTime: '20 seconds',
  });
}
