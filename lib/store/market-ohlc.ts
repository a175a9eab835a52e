import type { Db } from 'mongodb';
import type { PriceBar } from '../capital/schemas/prices';
import { instrumentId } from '../ledger/instrument-id';
import { toDecimal } from '../money';
import { mergeBars, type MergedBar } from '../market/bar-merge';
import { closedBucketRange, uncoveredRanges, type BucketRange, type PageSetAsideReason } from '../market/backfill-plan';
import { isEpic } from '../market/epic-batches';
import { assertMarketTimeMs, bucketStartMs, parseResolution, resolutionLengthMs, type Resolution } from '../market/resolutions';
import { brokerBarsBetween, coveredRanges, setAsideBetween, type BrokerBarDocument } from './market-broker-bars';
import { streamedBarsBetween } from './market-bars';

/**
 * The OHLC read model: one bar per bucket of an epic and resolution over a range, from what is
 * stored: closed broker bars back-filled from `GET /prices` win, streamed bars fill the rest
 * (the forming one included), as `mergeBars` decides. Beside the bars: the rows set aside with
 * their reasons, and which closed buckets of the range no back-fill has answered for yet, so the
 * caller can decide to back-fill (api/routes/market.ts, cli/prices.ts).
 */

/** Buckets one read may span: a month of MINUTE bars is 43,200, so narrow the range or coarsen the resolution. */
export const OHLC_BUCKETS_PER_READ_MAX = 10_000;

export class OhlcRangeError extends Error {
  override name = 'OhlcRangeError';
  constructor(
    readonly code: 'bad_range' | 'range_too_large',
    message: string,
  ) {
    super(message);
  }
}

export interface OhlcQuery {
  epic: string;
  resolution: Resolution;
  /** The buckets holding an instant of [fromMs, toMs] (both inclusive). */
  fromMs: number;
  toMs: number;
  /** Decides which bars are forming and which buckets have closed. */
  nowMs: number;
}

export interface OhlcSetAside {
  snapshotTimeUTC: string;
  startMs?: number;
  reason: PageSetAsideReason;
}

export interface OhlcCoverage {
  /** The closed buckets of the range; absent when none has closed. */
  closed?: BucketRange;
  /** Parts of `closed` a back-fill has fetched. */
  covered: BucketRange[];
  /** Parts of `closed` no back-fill has fetched yet. */
  missing: BucketRange[];
}

export interface OhlcRead {
  epic: string;
  instrumentId: string;
  resolution: Resolution;
  fromMs: number;
  toMs: number;
  nowMs: number;
  /** One per bucket, sorted by start. */
  bars: MergedBar[];
  setAside: OhlcSetAside[];
  coverage: OhlcCoverage;
}

/** Buckets holding an instant of [fromMs, toMs]; `OhlcRangeError` when the range is backwards or longer than one read allows. */
export function checkOhlcRange(resolution: Resolution, fromMs: number, toMs: number): number {
  parseResolution(resolution);
  assertMarketTimeMs(fromMs, 'from');
  assertMarketTimeMs(toMs, 'to');
  if (toMs < fromMs) throw new OhlcRangeError('bad_range', `'to' (${new Date(toMs).toISOString()}) is before 'from' (${new Date(fromMs).toISOString()})`);
  const buckets = (bucketStartMs(resolution, toMs) - bucketStartMs(resolution, fromMs)) / resolutionLengthMs(resolution) + 1;
  if (buckets > OHLC_BUCKETS_PER_READ_MAX) {
    throw new OhlcRangeError('range_too_large', `the range holds ${buckets} ${resolution} buckets; at most ${OHLC_BUCKETS_PER_READ_MAX} per request: narrow it or use a coarser resolution`);
  }
  return buckets;
}

/** What `GET /prices` gave, as the merge reads it (the prices were stored as canonical decimal text). */
function asPriceBar(document: BrokerBarDocument): PriceBar {
  const level = (name: 'open' | 'high' | 'low' | 'close') => ({ bid: toDecimal(document.bid[name]), ask: toDecimal(document.ask[name]) });
  return {
    snapshotTime: document.snapshotTimeUTC,
    snapshotTimeUTC: document.snapshotTimeUTC,
    openPrice: level('open'),
    highPrice: level('high'),
    lowPrice: level('low'),
    closePrice: level('close'),
    lastTradedVolume: document.lastTradedVolume,
  };
}

function clip(ranges: readonly BucketRange[], to: BucketRange): BucketRange[] {
  return ranges
    .map((range) => ({ fromMs: Math.max(range.fromMs, to.fromMs), toMs: Math.min(range.toMs, to.toMs) }))
    .filter((range) => range.toMs > range.fromMs);
}

/** Stored bars of one epic and resolution over a range, merged, with what was set aside and what is not back-filled yet. */
export async function ohlcBetween(db: Db, query: OhlcQuery): Promise<OhlcRead> {
  const { epic, resolution, fromMs, toMs, nowMs } = query;
  if (!isEpic(epic)) throw new OhlcRangeError('bad_range', `'${String(epic).slice(0, 64)}' is not an epic (upper-case letters, digits, '.', '_' or '-')`);
  checkOhlcRange(resolution, fromMs, toMs);
  assertMarketTimeMs(nowMs, 'nowMs');
  const range = { epic, resolution, fromMs, toMs };
  const [streamed, broker, storedSetAside, covered] = await Promise.all([streamedBarsBetween(db, range), brokerBarsBetween(db, range), setAsideBetween(db, range), coveredRanges(db, epic, resolution)]);
  const merged = mergeBars({ epic, resolution, streamed, backfilled: broker.map(asPriceBar), nowMs });
  const setAside: OhlcSetAside[] = [
    ...merged.setAside,
    ...storedSetAside.map((row) => ({ snapshotTimeUTC: row.snapshotTimeUTC, ...(row.startMs !== undefined ? { startMs: row.startMs } : {}), reason: row.reason })),
  ];
  const closed = closedBucketRange(resolution, fromMs, toMs, nowMs);
  const coverage: OhlcCoverage = closed ? { closed, covered: clip(covered, closed), missing: uncoveredRanges(closed, covered) } : { covered: [], missing: [] };
  return { epic, instrumentId: instrumentId(epic), resolution, fromMs, toMs, nowMs, bars: merged.bars, setAside, coverage };
}
