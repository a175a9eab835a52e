/**
 * Client-sentiment polling as a Temporal Schedule, one per account: `recon-sentiment:{account}`
 * starts `pollMarketSentiment` for its markets at a fixed interval (default every 15 minutes).
 * A poll still running when the next is due makes the next one skip (overlap SKIP): a late
 * sentiment reading is worth nothing. Missed polls are not caught up beyond one interval.
 * Starting again with other markets or another interval updates the Schedule in place.
 */
import { describeScheduleIfAny, intervalScheduleFacts } from './interval-schedules';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import { checkSentimentMarkets, SentimentMarketsError } from '../store/market-sentiment';
import type { SentimentPollingInput } from '../../workflows/market-sentiment';

export const SENTIMENT_SCHEDULE_PREFIX = 'recon-sentiment:';
export const SENTIMENT_WORKFLOW_TYPE = 'pollMarketSentiment';
export const SENTIMENT_INTERVAL_SECONDS_DEFAULT = 900;
/** The broker's sentiment moves slowly: a minute is the finest useful grain, a day the coarsest. */
export const SENTIMENT_INTERVAL_SECONDS_MIN = 60;
export const SENTIMENT_INTERVAL_SECONDS_MAX = 86_400;
/** A poll retries for up to about 26 minutes (5 attempts of at most 5 minutes); it may not outlive that. */
const POLL_TIMEOUT_SECONDS_MIN = 1_800;

export class SentimentScheduleError extends Error {
  override name = 'SentimentScheduleError';
}

export function sentimentScheduleId(accountId: string): string {
  return `${SENTIMENT_SCHEDULE_PREFIX}${accountId}`;
}

export function checkSentimentInterval(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < SENTIMENT_INTERVAL_SECONDS_MIN || seconds > SENTIMENT_INTERVAL_SECONDS_MAX) {
    throw new SentimentScheduleError(`the sentiment interval must be a whole number of seconds from ${SENTIMENT_INTERVAL_SECONDS_MIN} to ${SENTIMENT_INTERVAL_SECONDS_MAX}, not ${seconds}`);
  }
  return seconds;
}

/** The markets as the schedule will poll them; a bad list becomes a `SentimentScheduleError`. */
export function checkScheduleMarkets(marketIds: Iterable<unknown>): string[] {
  try {
    return checkSentimentMarkets(marketIds);
  } catch (error) {
    if (error instanceof SentimentMarketsError) throw new SentimentScheduleError(error.message);
    throw error;
  }
}

export interface SentimentPollingSettings {
  accountId: string;
  marketIds: readonly string[];
  /** Default SENTIMENT_INTERVAL_SECONDS_DEFAULT (15 minutes). */
  everySeconds?: number;
  /** The recon task queue (the worker that runs pollMarketSentiment). */
  taskQueue: string;
}

export interface SentimentPollRun {
  scheduledAt: string;
  workflowId: string;
  status: string;
}

export interface SentimentPollingStatus {
  scheduleId: string;
  exists: boolean;
  paused?: boolean;
  intervalSeconds?: number;
  marketIds?: string[];
  taskQueue?: string;
  nextRunAt?: string;
  recentRuns: SentimentPollRun[];
  actionsTaken?: number;
  actionsSkippedOverlap?: number;
}

/** Creates the account's schedule, or updates its markets, interval and task queue when it exists (idempotent). */
export async function startSentimentPolling(client: Client, settings: SentimentPollingSettings): Promise<SentimentPollingStatus> {
  const marketIds = checkScheduleMarkets(settings.marketIds);
  const intervalSeconds = checkSentimentInterval(settings.everySeconds ?? SENTIMENT_INTERVAL_SECONDS_DEFAULT);
  const scheduleId = sentimentScheduleId(settings.accountId);
  const input: SentimentPollingInput = { accountId: settings.accountId, marketIds };
  const options = {
    spec: { intervals: [{ every: intervalSeconds * 1000 }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: SENTIMENT_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue: settings.taskQueue,
      args: [input],
      workflowExecutionTimeout: Math.max(intervalSeconds, POLL_TIMEOUT_SECONDS_MIN) * 1000,
    },
    policies: { overlap: 'SKIP' as const, catchupWindow: `${intervalSeconds} seconds`, pauseOnFailure: false },
    memo: { accountId: settings.accountId },
  };
  try {
    await client.schedule.create({ scheduleId, ...options });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: { ...previous.action, ...options.action }, policies: { ...previous.policies, ...options.policies } }));
  }
  return sentimentPollingStatus(client, settings.accountId);
}

/** Deletes the account's schedule (a poll already running finishes; stored points stay). Returns whether it existed. */
export async function stopSentimentPolling(client: Client, accountId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(sentimentScheduleId(accountId)).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/** Polls now, outside the interval (skipped when a poll is running). */
export async function triggerSentimentPoll(client: Client, accountId: string): Promise<void> {
  try {
    await client.schedule.getHandle(sentimentScheduleId(accountId)).trigger('SKIP');
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new SentimentScheduleError(`account ${accountId} polls no client sentiment: start it with \`recon sentiment start --account ${accountId} --markets …\``);
    throw error;
  }
}

export async function sentimentPollingStatus(client: Client, accountId: string): Promise<SentimentPollingStatus> {
  const scheduleId = sentimentScheduleId(accountId);
  const description = await describeScheduleIfAny(client, scheduleId);
  if (!description) return { scheduleId, exists: false, recentRuns: [] };
  const action = description.action.type === 'startWorkflow' ? description.action : undefined;
  const input = action?.args?.[0] as Partial<SentimentPollingInput> | undefined;
  return {
    scheduleId,
    exists: true,
    ...(Array.isArray(input?.marketIds) ? { marketIds: input.marketIds } : {}),
    ...(action ? { taskQueue: action.taskQueue } : {}),
    ...(await intervalScheduleFacts(client, description)),
  };
}

