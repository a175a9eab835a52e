import { defineSearchAttributeKey } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SentimentPollResult } from '../activities/market-sentiment';

/**
 * One client-sentiment poll, started by the Schedule `recon-sentiment:{account}`
 * (lib/temporal/sentiment-schedules.ts). The poll's time is the time the Schedule stands for, so
 * every point of one poll shares it and a retried activity writes the same points again (nothing
 * new). Run by hand, outside a Schedule, the poll's time is the workflow's start.
 */
export interface SentimentPollingInput {
  accountId: string;
  /** Epics, which are the broker's market ids for sentiment. */
  marketIds: string[];
}

/** Set by Temporal on every workflow a Schedule starts. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

const { pollClientSentiment } = proxyActivities<Activities>({
  // 1,000 markets are 20 calls; a refused call is read again market by market (50 calls).
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export async function pollMarketSentiment(input: SentimentPollingInput): Promise<SentimentPollResult> {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(TemporalScheduledStartTime) ?? info.startTime;
  return pollClientSentiment({ accountId: input.accountId, marketIds: input.marketIds, atMs: at.getTime(), sourceId: info.workflowId });
}
