/**
 * What a `GET /prices` back-fill still has to fetch, and what one fetched page proves.
 *
 * Coverage is kept as bucket ranges: half-open `[fromMs, toMs)` spans whose ends are bucket
 * boundaries of one resolution. A range is recorded once a page answered for it, whatever the
 * answer held, so a span where the market was closed (an empty answer) is never asked for again.
 * Only closed buckets are ever asked for: the still-forming bucket at `nowMs` changes until it
 * ends, so it is neither fetched nor recorded, and the broker is never asked for a `to` in the
 * future.
 *
 * Pure: callers pass `nowMs` (the broker's clock when it matters) and the ranges already covered.
 */
import type { PriceBar } from '../capital/schemas/prices';
import { formatQueryTime } from '../capital/broker-time';
import { mergeBars, planPricesPages, PRICES_BARS_PER_CALL_MAX, PRICES_PAGES_PER_PLAN_MAX, type BrokerMergedBar, type PricesPage, type SetAsideReason } from './bar-merge';
import { assertMarketTimeMs, bucketEndMs, bucketStartMs, parseResolution, resolutionLengthMs, type Resolution } from './resolutions';

/** Half-open `[fromMs, toMs)`, both ends bucket boundaries of one resolution. */
export interface BucketRange {
  fromMs: number;
  toMs: number;
}

/** Ranges in one plan or one coverage record list; far more means a bug, not a market. */
export const BUCKET_RANGES_MAX = 100_000;

export class BackfillPlanError extends Error {
  override name = 'BackfillPlanError';
}

/**
 * The buckets holding an instant of `[fromMs, toMs]` (both inclusive) that have ended at `nowMs`,
 * as one range; undefined when none has. A bucket has ended when `bucketEnd <= nowMs`.
 */
export function closedBucketRange(resolution: Resolution, fromMs: number, toMs: number, nowMs: number): BucketRange | undefined {
  parseResolution(resolution);
  assertMarketTimeMs(fromMs, 'fromMs');
  assertMarketTimeMs(toMs, 'toMs');
  assertMarketTimeMs(nowMs, 'nowMs');
  if (toMs < fromMs) throw new BackfillPlanError(`the range ends (${toMs}) before it starts (${fromMs})`);
  const firstStartMs = bucketStartMs(resolution, fromMs);
  const lastEndMs = bucketEndMs(resolution, bucketStartMs(resolution, toMs));
  const closedEndMs = bucketStartMs(resolution, nowMs);
  const endMs = Math.min(lastEndMs, closedEndMs);
  return endMs > firstStartMs ? { fromMs: firstStartMs, toMs: endMs } : undefined;
}

/** Sorted, overlapping and touching ranges joined, empty ones dropped. */
export function normaliseRanges(ranges: readonly BucketRange[]): BucketRange[] {
  if (ranges.length > BUCKET_RANGES_MAX) throw new BackfillPlanError(`at most ${BUCKET_RANGES_MAX} ranges, got ${ranges.length}`);
  const sorted = ranges.filter((range) => range.toMs > range.fromMs).sort((a, b) => a.fromMs - b.fromMs || a.toMs - b.toMs);
  const joined: BucketRange[] = [];
  for (const range of sorted) {
    const last = joined.at(-1);
    if (last !== undefined && range.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, range.toMs);
    else joined.push({ fromMs: range.fromMs, toMs: range.toMs });
  }
  return joined;
}

/** The parts of `wanted` that no covered range holds, in order. */
export function uncoveredRanges(wanted: BucketRange, covered: readonly BucketRange[]): BucketRange[] {
  const missing: BucketRange[] = [];
  let cursorMs = wanted.fromMs;
  for (const range of normaliseRanges(covered)) {
    if (range.toMs <= cursorMs) continue;
    if (range.fromMs >= wanted.toMs) break;
    if (range.fromMs > cursorMs) missing.push({ fromMs: cursorMs, toMs: range.fromMs });
    cursorMs = Math.max(cursorMs, range.toMs);
    if (cursorMs >= wanted.toMs) break;
  }
  if (cursorMs < wanted.toMs) missing.push({ fromMs: cursorMs, toMs: wanted.toMs });
  return missing;
}

export interface BackfillPlanInput {
  resolution: Resolution;
  /** The requested range, both ends inclusive (any instants; buckets holding them count). */
  fromMs: number;
  toMs: number;
  /** The clock deciding which buckets have closed: the broker's, when fetching. */
  nowMs: number;
  /** Ranges already fetched for this epic and resolution. */
  covered: readonly BucketRange[];
}

export interface BackfillPlan {
  /** The closed buckets of the request; undefined when none has closed yet. */
  closed?: BucketRange;
  /** The closed buckets no page has answered for yet. */
  missing: BucketRange[];
  /** `GET /prices` calls fetching exactly `missing`, oldest first. */
  pages: PricesPage[];
}

/** Which closed buckets of the request still need fetching, cut into `GET /prices` pages (`planPricesPages`). */
export function planBackfill(input: BackfillPlanInput): BackfillPlan {
  const closed = closedBucketRange(input.resolution, input.fromMs, input.toMs, input.nowMs);
  if (closed === undefined) return { missing: [], pages: [] };
  const missing = uncoveredRanges(closed, input.covered);
  const pagesNeeded = missing.reduce((total, range) => total + Math.ceil(bucketCount(input.resolution, range) / PRICES_BARS_PER_CALL_MAX), 0);
  if (pagesNeeded > PRICES_PAGES_PER_PLAN_MAX) throw new BackfillPlanError(`the range needs ${pagesNeeded} pages of ${input.resolution} bars, more than the ${PRICES_PAGES_PER_PLAN_MAX} one back-fill may fetch; back-fill a shorter range first`);
  // Inclusive `to` on the wire: the last second of each range.
  const pages = missing.flatMap((range) => planPricesPages(input.resolution, range.fromMs, range.toMs - 1000));
  return { closed, missing, pages };
}

/** Buckets in a range. */
export function bucketCount(resolution: Resolution, range: BucketRange): number {
  return Math.round((range.toMs - range.fromMs) / resolutionLengthMs(resolution));
}

/** Why a row of a page was not stored: the merge's reasons, or a bar dated outside the page asked for. */
export type PageSetAsideReason = SetAsideReason | 'outside-page';

export interface PageSetAside {
  snapshotTimeUTC: string;
  startMs?: number;
  reason: PageSetAsideReason;
}

export interface PricesPageOutcome {
  /** Closed, well-formed bars of the page, one per bucket, sorted by start. */
  bars: BrokerMergedBar[];
  /** Rows not stored, with the reason (`forming` and `repeated` included: callers count them). */
  setAside: PageSetAside[];
  /** What the answer proves fetched; undefined when it proves nothing (a full page of unreadable rows). */
  covered?: BucketRange;
  /** The answer held `max` rows but stopped before the page's last bucket: the rest is asked for again. */
  truncated: boolean;
}

/**
 * One page's answer read against the page asked for: rows go through `mergeBars` (doubtful ones
 * set aside with a reason, the forming bar at `nowMs` dropped), rows dated outside the page are
 * set aside too. The page's buckets count as covered, unless the answer was full (`max` rows) and
 * ended before the page's last bucket: then only up to its last bar, so the rest is asked for
 * again rather than taken as empty.
 */
export function readPricesPage(input: { epic: string; resolution: Resolution; page: PricesPage; prices: readonly PriceBar[]; nowMs: number }): PricesPageOutcome {
  const { epic, resolution, page, prices, nowMs } = input;
  const merged = mergeBars({ epic, resolution, streamed: [], backfilled: prices, nowMs });
  const setAside: PageSetAside[] = merged.setAside.map((row) => ({ ...row }));
  const bars: BrokerMergedBar[] = [];
  let lastSeenStartMs: number | undefined;
  for (const bar of merged.bars) {
    if (bar.source !== 'broker') continue;
    if (bar.startMs < page.fromMs || bar.startMs > page.toMs) {
      setAside.push({ snapshotTimeUTC: formatQueryTime(bar.startMs), startMs: bar.startMs, reason: 'outside-page' });
      continue;
    }
    bars.push(bar);
  }
  for (const row of [...bars, ...setAside]) {
    if (row.startMs !== undefined && row.startMs >= page.fromMs && row.startMs <= page.toMs) lastSeenStartMs = Math.max(lastSeenStartMs ?? row.startMs, row.startMs);
  }
  const pageEndMs = page.toMs + 1000;
  const lastBucketMs = bucketStartMs(resolution, page.toMs);
  const full = prices.length >= page.max;
  if (!full || (lastSeenStartMs !== undefined && lastSeenStartMs >= lastBucketMs)) return { bars, setAside, covered: { fromMs: page.fromMs, toMs: pageEndMs }, truncated: false };
  if (lastSeenStartMs === undefined) return { bars, setAside, truncated: true };
  return { bars, setAside, covered: { fromMs: page.fromMs, toMs: Math.min(pageEndMs, bucketEndMs(resolution, lastSeenStartMs)) }, truncated: true };
}

/**
 * The workflow id of a back-fill of `range` (the closed buckets of a request): identical
 * requests made while one runs share it, so they share the run.
 */
export function backfillWorkflowId(epic: string, resolution: Resolution, range: BucketRange): string {
  return `prices-backfill:${epic}:${resolution}:${range.fromMs}-${range.toMs}`;
}
