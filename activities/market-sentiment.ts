import { ApplicationFailure } from '@temporalio/common';
import type { CapitalClient } from '../lib/capital';
import { CapitalRequestError } from '../lib/capital/errors';
import type { ClientSentiment } from '../lib/capital/schemas/sentiment';
import { inChunks } from '../lib/capital/streaming/protocol';
import { loadConfig } from '../lib/config';
import { checkSentimentMarkets, pruneSentiment, readSentiments, SentimentMarketsError, sentimentDocuments, sentimentRetentionCutMs, storeSentiment, type SetAsideSentiment } from '../lib/store/market-sentiment';
import { withCapitalFailures } from './capital-failures';
import { heartbeat } from './heartbeat';
import type { ReconActivityDeps } from './index';

/**
 * The broker documents no maximum of `marketIds` per `GET /clientsentiment` (REFERENCE §7.5,
 * unconfirmed). Its sibling multi-id call, `GET /markets?epics=`, allows 50: we ask for as many,
 * which also keeps the URL near 3 KB with the longest epics.
 */
export const SENTIMENT_MARKETS_PER_CALL = 50;
/** Unknown or set-aside markets named in a poll's result (the rest are counted and logged). */
const NAMED_IN_RESULT_MAX = 20;

export interface SentimentPollInput {
  accountId: string;
  marketIds: string[];
  /** The poll's time (the schedule's), which names its points: a retry stores nothing twice. */
  atMs: number;
  /** The polling workflow's id, stored with each point. */
  sourceId: string;
}

export interface SentimentPollResult {
  atMs: number;
  markets: number;
  /** Points new to the store (0 when this poll ran before). */
  stored: number;
  /** Points this poll had stored already. */
  alreadyStored: number;
  calls: number;
  /** Markets the broker does not know (404 `error.not-found.epic`) or did not answer for. */
  unknownCount: number;
  unknownMarketIds: string[];
  setAsideCount: number;
  setAside: SetAsideSentiment[];
  /** Markets whose long and short shares do not sum to 100 (stored as sent). */
  offHundredCount: number;
  pruned: { droppedDays: number; deletedPoints: number };
}

export interface SentimentDeps extends ReconActivityDeps {
  /** Points older than this are pruned by each poll; default RECON_SENTIMENT_RETENTION_DAYS (90). */
  sentimentRetentionDays?: number;
}

export function createSentimentActivities(deps: SentimentDeps) {
  let retentionDays = deps.sentimentRetentionDays;
  const retention = () => (retentionDays ??= loadConfig().market.sentimentRetentionDays);

  /** One market at a time: tells the unknown ones apart when a whole call was refused for one of them. */
  async function readOneByOne(client: CapitalClient, marketIds: readonly string[]): Promise<{ rows: ClientSentiment[]; unknown: string[] }> {
    const rows: ClientSentiment[] = [];
    const unknown: string[] = [];
    for (const marketId of marketIds) {
      try {
        rows.push(await client.clientSentiment(marketId));
      } catch (error) {
        if (!isUnknownMarket(error)) throw error;
        unknown.push(marketId);
      }
    }
    return { rows, unknown };
  }

  /**
   * Reads the markets' sentiment in calls of `SENTIMENT_MARKETS_PER_CALL`, stores one point per
   * market at the poll's time, then prunes points past the retention. Unknown markets are
   * reported, not fatal: a call the broker refuses for one of them is read again market by market.
   */
  async function pollClientSentiment(input: SentimentPollInput): Promise<SentimentPollResult> {
    const marketIds = checkedMarkets(input.marketIds);
    const client = deps.capitalFor(input.accountId);
    const rows: ClientSentiment[] = [];
    const unknown: string[] = [];
    let calls = 0;
    for (const chunk of inChunks(marketIds, SENTIMENT_MARKETS_PER_CALL)) {
      try {
        calls++;
        rows.push(...(await client.clientSentiments(chunk)).clientSentiments);
      } catch (error) {
        if (!isUnknownMarket(error)) throw error;
        const single = await readOneByOne(client, chunk);
        calls += chunk.length;
        rows.push(...single.rows);
        unknown.push(...single.unknown);
      }
      heartbeat({ calls, rows: rows.length });
    }
    const read = readSentiments(marketIds, rows);
    const refused = new Set(unknown);
    unknown.push(...read.missing.filter((id) => !refused.has(id)));
    const documents = sentimentDocuments(read.readings, { atMs: input.atMs, sourceId: input.sourceId, receivedAtMs: Date.now() });
    const { inserted } = await storeSentiment(deps.db, documents);
    const pruned = await pruneSentiment(deps.db, sentimentRetentionCutMs(input.atMs, retention()));

    if (unknown.length > 0) deps.log.warn({ accountId: input.accountId, unknown: unknown.slice(0, NAMED_IN_RESULT_MAX), unknownCount: unknown.length }, 'client sentiment: markets the broker does not know were skipped; remove them from the poll');
    for (const bad of read.setAside.slice(0, NAMED_IN_RESULT_MAX)) deps.log.warn({ accountId: input.accountId, marketId: bad.marketId, reason: bad.reason }, 'client sentiment set aside');
    if (read.offHundred.length > 0) deps.log.warn({ accountId: input.accountId, markets: read.offHundred.slice(0, NAMED_IN_RESULT_MAX) }, 'client sentiment: long and short do not sum to 100 (stored as sent)');
    deps.log.info({ accountId: input.accountId, sourceId: input.sourceId, markets: marketIds.length, stored: inserted, calls, prunedDays: pruned.droppedDays.length }, 'client sentiment polled');
    return {
      atMs: input.atMs,
      markets: marketIds.length,
      stored: inserted,
      alreadyStored: documents.length - inserted,
      calls,
      unknownCount: unknown.length,
      unknownMarketIds: unknown.slice(0, NAMED_IN_RESULT_MAX),
      setAsideCount: read.setAside.length,
      setAside: read.setAside.slice(0, NAMED_IN_RESULT_MAX),
      offHundredCount: read.offHundred.length,
      pruned: { droppedDays: pruned.droppedDays.length, deletedPoints: pruned.deletedPoints },
    };
  }

  return { pollClientSentiment: withCapitalFailures(pollClientSentiment) };
}

function isUnknownMarket(error: unknown): boolean {
  return error instanceof CapitalRequestError && error.status === 404;
}

function checkedMarkets(marketIds: readonly string[]): string[] {
  try {
    return checkSentimentMarkets(marketIds);
  } catch (error) {
    if (error instanceof SentimentMarketsError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidMarkets');
    throw error;
  }
}
