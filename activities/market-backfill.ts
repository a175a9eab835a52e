import { ApplicationFailure } from '@temporalio/common';
import type { CapitalClient } from '../lib/capital';
import { CapitalRequestError } from '../lib/capital/errors';
import type { PriceBar } from '../lib/capital/schemas/prices';
import { BackfillPlanError, bucketCount, planBackfill, readPricesPage, type PageSetAsideReason } from '../lib/market/backfill-plan';
import { BarMergeError, type PricesPage } from '../lib/market/bar-merge';
import { isEpic } from '../lib/market/epic-batches';
import { parseResolution, ResolutionError, type Resolution } from '../lib/market/resolutions';
import { compactCoverage, coveredRanges, recordCoverage, storeBrokerBars, storeSetAsideRows } from '../lib/store/market-broker-bars';
import { withCapitalFailures } from './capital-failures';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface BackfillDeps extends ActivityDeps {
  capitalFor(accountId: string): CapitalClient;
}

export interface BackfillChunkInput {
  /**
   * Whose session fetches. Prices are market data, the same for every account of a login, so
   * when absent the worker's login is used as it logs in (its preferred account, no switch).
   */
  accountId?: string;
  epic: string;
  resolution: Resolution;
  /** The requested range, both ends inclusive; only its closed buckets are fetched. */
  fromMs: number;
  toMs: number;
  /** Pages this chunk fetches at most; the rest is left for the next chunk. */
  pagesMax: number;
}

export type SetAsideCounts = Partial<Record<PageSetAsideReason, number>>;

export interface BackfillChunkResult {
  /** The broker's clock: what decided which buckets had closed. */
  brokerNowMs: number;
  /** Pages the range still needed when this chunk started. */
  pagesPlanned: number;
  pagesFetched: number;
  pagesLeft: number;
  /** Buckets newly recorded as fetched. */
  bucketsCovered: number;
  barsInserted: number;
  barsUpdated: number;
  barsUnchanged: number;
  /** Rows not stored, by reason (`forming` and `repeated` are expected and only counted). */
  setAside: SetAsideCounts;
}

/** A chunk's pages: each a `/prices` call plus a few small writes, so a chunk stays well inside its timeout. */
export const BACKFILL_PAGES_PER_CHUNK_MAX = 50;
/** Reasons not worth keeping the row for: the forming bar comes back closed later; a repeat is a kept bar. */
const COUNTED_ONLY: ReadonlySet<PageSetAsideReason> = new Set(['forming', 'repeated']);

export function createBackfillActivities(deps: BackfillDeps) {
  async function fetchPage(client: CapitalClient, epic: string, resolution: Resolution, page: PricesPage): Promise<PriceBar[]> {
    try {
      return (await client.prices(epic, { resolution, max: page.max, from: page.from, to: page.to })).prices;
    } catch (error) {
      // The broker answers an empty span (a closed market) with 404: nothing there, and that is an answer.
      if (error instanceof CapitalRequestError && error.code === 'error.prices.not-found') return [];
      if (error instanceof CapitalRequestError && error.code === 'error.invalid.daterange') {
        throw ApplicationFailure.nonRetryable(
          `GET /prices refused ${epic} ${resolution} from ${page.from} to ${page.to} (error.invalid.daterange): the broker keeps a limited history per resolution; ask for a more recent range or a coarser resolution`,
          'PricesRangeRefused',
          { epic, resolution, from: page.from, to: page.to },
        );
      }
      throw error;
    }
  }

  /**
   * Fetches up to `pagesMax` pages of the closed buckets of the range that no earlier back-fill
   * has fetched (lib/market/backfill-plan.ts), storing each page's bars and set-aside rows and
   * then recording its coverage, so a retried or repeated chunk asks only for what is missing.
   */
  async function backfillPricesChunk(input: BackfillChunkInput): Promise<BackfillChunkResult> {
    const { epic } = input;
    if (!isEpic(epic)) throw new BackfillPlanError(`'${String(epic).slice(0, 64)}' is not an epic`);
    const resolution = parseResolution(input.resolution);
    const pagesMax = Math.max(1, Math.min(BACKFILL_PAGES_PER_CHUNK_MAX, Math.floor(input.pagesMax)));
    const client = deps.capitalFor(input.accountId ?? '');
    const brokerNowMs = (await client.serverTime()).serverTime;
    await compactCoverage(deps.db, epic, resolution, brokerNowMs);
    const plan = planBackfill({ resolution, fromMs: input.fromMs, toMs: input.toMs, nowMs: brokerNowMs, covered: await coveredRanges(deps.db, epic, resolution) });
    const result: BackfillChunkResult = {
      brokerNowMs,
      pagesPlanned: plan.pages.length,
      pagesFetched: 0,
      pagesLeft: plan.pages.length,
      bucketsCovered: 0,
      barsInserted: 0,
      barsUpdated: 0,
      barsUnchanged: 0,
      setAside: {},
    };
    for (const page of plan.pages.slice(0, pagesMax)) {
      const prices = await fetchPage(client, epic, resolution, page);
      const outcome = readPricesPage({ epic, resolution, page, prices, nowMs: brokerNowMs });
      const stored = await storeBrokerBars(deps.db, outcome.bars);
      const rowsByTime = new Map(prices.map((row) => [row.snapshotTimeUTC, row]));
      const kept = outcome.setAside.filter((row) => !COUNTED_ONLY.has(row.reason)).map((row) => ({ ...row, row: rowsByTime.get(row.snapshotTimeUTC) }));
      if (kept.length > 0) await storeSetAsideRows(deps.db, { epic, resolution, pageFromMs: page.fromMs, recordedAtMs: brokerNowMs }, kept);
      // Coverage last: a chunk that dies before this line fetches the page again.
      if (outcome.covered) await recordCoverage(deps.db, epic, resolution, [outcome.covered], brokerNowMs);
      result.pagesFetched++;
      result.pagesLeft--;
      result.bucketsCovered += outcome.covered ? bucketCount(resolution, outcome.covered) : 0;
      result.barsInserted += stored.inserted;
      result.barsUpdated += stored.updated;
      result.barsUnchanged += stored.unchanged;
      for (const row of outcome.setAside) result.setAside[row.reason] = (result.setAside[row.reason] ?? 0) + 1;
      if (outcome.truncated) deps.log.warn({ epic, resolution, from: page.from, to: page.to, rows: prices.length }, 'a /prices page came back full before its last bucket; the rest will be asked for again');
      heartbeat({ epic, resolution, pagesFetched: result.pagesFetched, pagesLeft: result.pagesLeft });
    }
    deps.log.info({ epic, resolution, pagesFetched: result.pagesFetched, pagesLeft: result.pagesLeft, barsInserted: result.barsInserted, setAside: result.setAside }, 'prices back-filled');
    return result;
  }

  return { backfillPricesChunk: withCapitalFailures(withInputFailures(backfillPricesChunk)) };
}

/** A range the plan refuses (backwards, too long, not instants) fails at once: retrying cannot help. */
function withInputFailures<Args extends unknown[], Result>(activity: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args: Args) => {
    try {
      return await activity(...args);
    } catch (error) {
      if (error instanceof BackfillPlanError || error instanceof BarMergeError || error instanceof ResolutionError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidBackfill');
      throw error;
    }
  };
}
