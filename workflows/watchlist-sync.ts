import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WatchlistSyncReport } from '../lib/market/watchlist-sync';

/**
 * One two-way sync of an account's watchlists with the broker's `/watchlists`
 * (lib/market/CHART-CONFIG.md). A single activity reads both sides and applies the plan; a retried
 * attempt re-plans from what the last one left, so nothing is done twice. Its id names the
 * request (`watchlist-sync:{accountId}:{requestedAtMs}`) and is the report's `syncId`.
 */
export interface WatchlistSyncWorkflowInput {
  accountId: string;
  /** Local-only watchlist ids to create on the broker. */
  publish?: string[];
}

const { syncAccountWatchlists } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 4 },
});

export async function syncWatchlists(input: WatchlistSyncWorkflowInput): Promise<WatchlistSyncReport> {
  return syncAccountWatchlists({ accountId: input.accountId, syncId: workflowInfo().workflowId, ...(input.publish && input.publish.length > 0 ? { publish: input.publish } : {}) });
}
