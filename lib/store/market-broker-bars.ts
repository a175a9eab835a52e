import type { Db } from 'mongodb';
import { formatQueryTime } from '../capital/broker-time';
import { instrumentId } from '../ledger/instrument-id';
import type { BrokerMergedBar } from '../market/bar-merge';
import { normaliseRanges, type BucketRange, type PageSetAside, type PageSetAsideReason } from '../market/backfill-plan';
import { barKey, type OhlcPrices } from '../market/ohlc';
import { bucketStartMs, type Resolution } from '../market/resolutions';
import { insertNewOnly, upsertMany, type UpsertCounts } from './upsert';

/**
 * Bars back-filled from the broker's `GET /prices`, kept apart from the bars we build from
 * streamed quotes (lib/store/market-bars.ts) so each source stays what it was:
 *
 * - `market_broker_bars`: closed broker bars, one document per epic, resolution and bucket
 *   (`_id` = `barKey`), prices as canonical decimal text. Written with `upsertMany`: a repeated
 *   page changes nothing, a bar the broker revised is replaced. The still-forming bar is never
 *   stored (it changes until its bucket ends).
 * - `market_broker_bars_set_aside`: rows of a page that were not stored (unreadable time,
 *   misaligned, inconsistent, conflicting, dated outside the page), with the reason and the row
 *   as JSON text, so a reader can see what the broker sent. One document per row and reason.
 * - `market_prices_coverage`: which closed bucket ranges a page has answered for, per epic and
 *   resolution (lib/market/backfill-plan.ts). Append-only, one document per recorded range, so
 *   concurrent back-fills never overwrite each other's records; `compactCoverage` folds them.
 *
 * Ranges are read with `epic` + `resolution` filters (indexed on MongoDB; a scan on the embedded
 * FerretDB, which is why coverage is compacted and reads are bounded by the caller's range).
 */
export const BROKER_BARS = 'market_broker_bars';
export const BROKER_BARS_SET_ASIDE = 'market_broker_bars_set_aside';
export const PRICES_COVERAGE = 'market_prices_coverage';

/** Coverage records of one epic and resolution beyond which the back-fill folds them into their union. */
export const COVERAGE_RECORDS_COMPACT_AT = 32;
/** Coverage records read for one epic and resolution; compaction keeps it far below. */
const COVERAGE_RECORDS_READ_MAX = 10_000;
/** Set-aside rows read for one range. */
export const SET_ASIDE_READ_MAX = 1_000;

export interface BrokerBarDocument {
  _id: string;
  epic: string;
  instrumentId: string;
  resolution: Resolution;
  startMs: number;
  snapshotTimeUTC: string;
  bid: OhlcPrices;
  ask: OhlcPrices;
  lastTradedVolume: number;
}

export interface SetAsideDocument {
  _id: string;
  epic: string;
  instrumentId: string;
  resolution: Resolution;
  snapshotTimeUTC: string;
  /** The bucket the row would fill; absent when its time is unreadable. */
  startMs?: number;
  /** `startMs`, or the start of the page it came in when its time is unreadable: what range reads use. */
  atMs: number;
  reason: PageSetAsideReason;
  /** The row as the client parsed it (prices as decimal text). */
  rowJson: string;
  recordedAtMs: number;
}

interface CoverageDocument {
  _id: string;
  epic: string;
  instrumentId: string;
  resolution: Resolution;
  fromMs: number;
  toMs: number;
  recordedAtMs: number;
}

export interface BarRangeQuery {
  epic: string;
  resolution: Resolution;
  /** Bars whose bucket start lies in [bucketStartMs(resolution, fromMs), toMs]. */
  fromMs: number;
  toMs: number;
}

export async function ensureBrokerBarIndexes(db: Db): Promise<void> {
  await db.collection(BROKER_BARS).createIndex({ epic: 1, resolution: 1, startMs: 1 });
  await db.collection(BROKER_BARS_SET_ASIDE).createIndex({ epic: 1, resolution: 1, atMs: 1 });
  await db.collection(PRICES_COVERAGE).createIndex({ epic: 1, resolution: 1 });
}

/** Stores closed broker bars by their bucket; a repeat changes nothing, a revised bar replaces the old one. */
export async function storeBrokerBars(db: Db, bars: readonly BrokerMergedBar[]): Promise<UpsertCounts> {
  const documents: BrokerBarDocument[] = bars.map((bar) => ({
    _id: barKey(bar),
    epic: bar.epic,
    instrumentId: instrumentId(bar.epic),
    resolution: bar.resolution,
    startMs: bar.startMs,
    snapshotTimeUTC: formatQueryTime(bar.startMs),
    bid: { ...bar.bid },
    ask: { ...bar.ask },
    lastTradedVolume: bar.lastTradedVolume,
  }));
  return upsertMany(db.collection<BrokerBarDocument>(BROKER_BARS), documents);
}

/** Keeps rows a page did not store, with their reason; a row already kept is left as it is. */
export async function storeSetAsideRows(db: Db, query: { epic: string; resolution: Resolution; pageFromMs: number; recordedAtMs: number }, rows: ReadonlyArray<PageSetAside & { row: unknown }>): Promise<number> {
  const documents: SetAsideDocument[] = rows.map((row) => ({
    _id: `${query.epic}:${query.resolution}:${row.snapshotTimeUTC}:${row.reason}`,
    epic: query.epic,
    instrumentId: instrumentId(query.epic),
    resolution: query.resolution,
    snapshotTimeUTC: row.snapshotTimeUTC,
    ...(row.startMs !== undefined ? { startMs: row.startMs } : {}),
    atMs: row.startMs ?? query.pageFromMs,
    reason: row.reason,
    rowJson: JSON.stringify(row.row ?? null),
    recordedAtMs: query.recordedAtMs,
  }));
  return insertNewOnly(db.collection<SetAsideDocument>(BROKER_BARS_SET_ASIDE), documents);
}

/** Stored broker bars of a range, sorted by start. */
export async function brokerBarsBetween(db: Db, query: BarRangeQuery): Promise<BrokerBarDocument[]> {
  const fromStartMs = bucketStartMs(query.resolution, query.fromMs);
  const documents = await db
    .collection<BrokerBarDocument>(BROKER_BARS)
    .find({ epic: query.epic, resolution: query.resolution, startMs: { $gte: fromStartMs, $lte: query.toMs } })
    .toArray();
  return documents.sort((a, b) => a.startMs - b.startMs);
}

/** Rows set aside in a range (by bucket, or by page for unreadable times), oldest first, at most `SET_ASIDE_READ_MAX`. */
export async function setAsideBetween(db: Db, query: BarRangeQuery): Promise<SetAsideDocument[]> {
  const fromStartMs = bucketStartMs(query.resolution, query.fromMs);
  const documents = await db
    .collection<SetAsideDocument>(BROKER_BARS_SET_ASIDE)
    .find({ epic: query.epic, resolution: query.resolution, atMs: { $gte: fromStartMs, $lte: query.toMs } })
    .limit(SET_ASIDE_READ_MAX)
    .toArray();
  return documents.sort((a, b) => a.atMs - b.atMs || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
}

function coverageId(epic: string, resolution: Resolution, range: BucketRange): string {
  return `${epic}:${resolution}:${range.fromMs}-${range.toMs}`;
}

/** Records that pages answered for these ranges (idempotent: a range recorded twice is one record). */
export async function recordCoverage(db: Db, epic: string, resolution: Resolution, ranges: readonly BucketRange[], recordedAtMs: number): Promise<number> {
  const documents: CoverageDocument[] = ranges
    .filter((range) => range.toMs > range.fromMs)
    .map((range) => ({ _id: coverageId(epic, resolution, range), epic, instrumentId: instrumentId(epic), resolution, fromMs: range.fromMs, toMs: range.toMs, recordedAtMs }));
  return insertNewOnly(db.collection<CoverageDocument>(PRICES_COVERAGE), documents);
}

async function coverageRecords(db: Db, epic: string, resolution: Resolution): Promise<CoverageDocument[]> {
  return db.collection<CoverageDocument>(PRICES_COVERAGE).find({ epic, resolution }).limit(COVERAGE_RECORDS_READ_MAX).toArray();
}

/** The closed ranges fetched so far for an epic and resolution, joined and sorted. */
export async function coveredRanges(db: Db, epic: string, resolution: Resolution): Promise<BucketRange[]> {
  return normaliseRanges(await coverageRecords(db, epic, resolution));
}

/**
 * Folds the coverage records of an epic and resolution into their union once there are more than
 * `COVERAGE_RECORDS_COMPACT_AT`: the union is written first, then the records it replaces are
 * deleted, so a reader at any moment sees the same union. Records written meanwhile by another
 * back-fill are not among those read, so they stay. Returns how many records were folded away.
 */
export async function compactCoverage(db: Db, epic: string, resolution: Resolution, recordedAtMs: number): Promise<number> {
  const records = await coverageRecords(db, epic, resolution);
  if (records.length <= COVERAGE_RECORDS_COMPACT_AT) return 0;
  const union = normaliseRanges(records);
  await recordCoverage(db, epic, resolution, union, recordedAtMs);
  const kept = new Set(union.map((range) => coverageId(epic, resolution, range)));
  const folded = records.map((record) => record._id).filter((id) => !kept.has(id));
  if (folded.length > 0) await db.collection<CoverageDocument>(PRICES_COVERAGE).deleteMany({ _id: { $in: folded } });
  return folded.length;
}
