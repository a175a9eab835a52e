import { MongoServerError, type Db } from 'mongodb';
import { instrumentId } from '../ledger/instrument-id';
import { EpicBatchError, parseEpics } from '../market/epic-batches';
import { canonical, Decimal, MoneyError, toDecimal } from '../money';
import { insertNewOnly } from './upsert';

/**
 * Client sentiment (`GET /clientsentiment`): the share of clients long and short a market, one
 * point per market and poll, kept as a time series beside the prices.
 *
 * Points live in one collection per UTC day (`market_sentiment_YYYYMMDD`), like the streamed
 * quotes: the embedded FerretDB scans a whole collection for any query but one by `_id`, so a
 * history read touches only the days it asks for, and retention drops whole days instead of
 * scanning every point. A point's `_id` is (marketId, poll time): a retried or repeated poll
 * writes nothing twice. `market_sentiment_latest` holds the newest point of each market under the
 * market's id, for the latest-of-each query.
 */
export const SENTIMENT_DAY_PREFIX = 'market_sentiment_';
export const SENTIMENT_LATEST = 'market_sentiment_latest';
export const SENTIMENT_RETENTION_DAYS_DEFAULT = 90;
/** Points one history read returns at most. */
export const SENTIMENT_HISTORY_LIMIT_MAX = 10_000;
/** Markets one poll reads and one latest-of-each read accepts: a full stream's worth (1,000 is 20 broker calls). */
export const SENTIMENT_MARKETS_MAX = 1_000;
const DAY_MS = 86_400_000;
const DAY_NAME = /^\d{8}$/;
const DUPLICATE_KEY = 11000;
const HUNDRED = new Decimal(100);

export class SentimentMarketsError extends Error {
  override name = 'SentimentMarketsError';
}

/** The markets of a poll: epics (the broker's market ids), sorted, each once, 1 to SENTIMENT_MARKETS_MAX. */
export function checkSentimentMarkets(marketIds: Iterable<unknown>): string[] {
  let checked: string[];
  try {
    checked = parseEpics(marketIds);
  } catch (error) {
    if (error instanceof EpicBatchError) throw new SentimentMarketsError(`market ids are epics; ${error.message}`);
    throw error;
  }
  if (checked.length === 0) throw new SentimentMarketsError('no markets to poll: name at least one epic, e.g. GOLD');
  if (checked.length > SENTIMENT_MARKETS_MAX) throw new SentimentMarketsError(`at most ${SENTIMENT_MARKETS_MAX} markets per poll, got ${checked.length}`);
  return checked;
}

/** One market's sentiment as the broker sent it; the client's decimalSchema gives Decimals. */
export interface WireSentiment {
  marketId: string;
  longPositionPercentage: Decimal | number | string;
  shortPositionPercentage: Decimal | number | string;
}

/** Percentages as canonical decimal text (`"61.5"`), exactly the broker's numbers. */
export interface SentimentReading {
  marketId: string;
  longPercent: string;
  shortPercent: string;
}

export interface SetAsideSentiment {
  marketId: string;
  reason: string;
}

export interface ReadSentiments {
  readings: SentimentReading[];
  /** Rows that cannot be a share of clients (outside 0-100, not decimals): not stored. */
  setAside: SetAsideSentiment[];
  /** Asked for, not in the answer. */
  missing: string[];
  /** Readings whose two sides do not add up to exactly 100 (stored as sent; the broker documents a sum of 100). */
  offHundred: string[];
}

/**
 * The broker's rows for the markets asked for: each converted exactly to canonical text. A row
 * for a market not asked for, or a second row for one, is ignored; a row outside 0-100 is set aside.
 */
export function readSentiments(requested: readonly string[], rows: readonly WireSentiment[]): ReadSentiments {
  const wanted = new Set(requested);
  const seen = new Set<string>();
  const outcome: ReadSentiments = { readings: [], setAside: [], missing: [], offHundred: [] };
  for (const row of rows) {
    if (!wanted.has(row.marketId) || seen.has(row.marketId)) continue;
    seen.add(row.marketId);
    const read = readSentiment(row);
    if ('reason' in read) {
      outcome.setAside.push(read);
      continue;
    }
    outcome.readings.push(read.reading);
    if (!read.sumsToHundred) outcome.offHundred.push(row.marketId);
  }
  outcome.missing = requested.filter((id) => !seen.has(id));
  return outcome;
}

function readSentiment(row: WireSentiment): { reading: SentimentReading; sumsToHundred: boolean } | SetAsideSentiment {
  let long: Decimal;
  let short: Decimal;
  try {
    long = toDecimal(row.longPositionPercentage);
    short = toDecimal(row.shortPositionPercentage);
  } catch (error) {
    if (error instanceof MoneyError) return { marketId: row.marketId, reason: error.message };
    throw error;
  }
  for (const [side, value] of [['long', long], ['short', short]] as const) {
    if (value.isNegative() || value.greaterThan(HUNDRED)) return { marketId: row.marketId, reason: `${side} share ${canonical(value)} % is outside 0-100` };
  }
  return { reading: { marketId: row.marketId, longPercent: canonical(long), shortPercent: canonical(short) }, sumsToHundred: long.plus(short).equals(HUNDRED) };
}

export interface SentimentDocument {
  /** `{marketId}:{poll time ISO}`. */
  _id: string;
  marketId: string;
  instrumentId: string;
  /** The poll's time: the scheduled time of the polling workflow, UTC epoch ms. */
  atMs: number;
  longPercent: string;
  shortPercent: string;
  /** The polling workflow's id. */
  sourceId: string;
  /** The worker's clock when the broker answered. */
  receivedAtMs: number;
}

/** The newest point of a market, stored under the market's id. */
export type LatestSentimentDocument = Omit<SentimentDocument, '_id'> & { _id: string; pointId: string };

export function sentimentPointId(marketId: string, atMs: number): string {
  return `${marketId}:${new Date(atMs).toISOString()}`;
}

export function sentimentCollectionOf(atMs: number): string {
  return `${SENTIMENT_DAY_PREFIX}${new Date(atMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export function sentimentDocuments(readings: readonly SentimentReading[], poll: { atMs: number; sourceId: string; receivedAtMs: number }): SentimentDocument[] {
  return readings.map((reading) => ({
    _id: sentimentPointId(reading.marketId, poll.atMs),
    marketId: reading.marketId,
    instrumentId: instrumentId(reading.marketId),
    atMs: poll.atMs,
    longPercent: reading.longPercent,
    shortPercent: reading.shortPercent,
    sourceId: poll.sourceId,
    receivedAtMs: poll.receivedAtMs,
  }));
}

export interface StoredSentiment {
  /** Points new to the store; a repeated poll stores 0. */
  inserted: number;
  /** Markets whose latest point this poll became. */
  latestUpdated: number;
}

/** Stores the points (a point already stored stays as it is) and moves each market's latest point forward. */
export async function storeSentiment(db: Db, documents: readonly SentimentDocument[]): Promise<StoredSentiment> {
  const byDay = new Map<string, SentimentDocument[]>();
  for (const document of documents) {
    const name = sentimentCollectionOf(document.atMs);
    const day = byDay.get(name) ?? [];
    day.push(document);
    byDay.set(name, day);
  }
  let inserted = 0;
  for (const [name, day] of byDay) {
    await ensureDayIndex(db, name);
    inserted += await insertNewOnly(db.collection<SentimentDocument>(name), day);
  }
  let latestUpdated = 0;
  for (const document of documents) if (await advanceLatest(db, document)) latestUpdated++;
  return { inserted, latestUpdated };
}

/** Replaces the market's latest point only with a newer one; an older or equal point (a late retry) loses. */
async function advanceLatest(db: Db, document: SentimentDocument): Promise<boolean> {
  const latest: LatestSentimentDocument = { ...document, _id: document.marketId, pointId: document._id };
  try {
    const result = await db.collection<LatestSentimentDocument>(SENTIMENT_LATEST).replaceOne({ _id: document.marketId, atMs: { $lt: document.atMs } }, latest, { upsert: true });
    return result.modifiedCount + result.upsertedCount > 0;
  } catch (error) {
    // No older point matched, so the upsert tried to insert beside the newer one already there.
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
    throw error;
  }
}

export interface SentimentHistoryQuery {
  marketId: string;
  fromMs: number;
  /** Inclusive. */
  toMs: number;
  limit: number;
}

/** A market's points in [fromMs, toMs], oldest first: the newest `limit` when there are more. */
export async function sentimentHistory(db: Db, query: SentimentHistoryQuery): Promise<SentimentDocument[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > SENTIMENT_HISTORY_LIMIT_MAX) throw new RangeError(`limit must be a whole number from 1 to ${SENTIMENT_HISTORY_LIMIT_MAX}, got ${query.limit}`);
  if (query.toMs < query.fromMs) return [];
  const first = sentimentCollectionOf(query.fromMs);
  const last = sentimentCollectionOf(query.toMs);
  const days = (await sentimentDays(db)).filter((name) => name >= first && name <= last).reverse();
  const newestFirst: SentimentDocument[] = [];
  for (const name of days) {
    const left = query.limit - newestFirst.length;
    if (left <= 0) break;
    const documents = await db
      .collection<SentimentDocument>(name)
      .find({ marketId: query.marketId, atMs: { $gte: query.fromMs, $lte: query.toMs } })
      .sort({ atMs: -1 })
      .limit(left)
      .toArray();
    newestFirst.push(...documents);
  }
  return newestFirst.reverse();
}

/** The newest point of each market that has one, sorted by market. */
export async function latestSentiments(db: Db, marketIds: readonly string[]): Promise<LatestSentimentDocument[]> {
  if (marketIds.length > SENTIMENT_MARKETS_MAX) throw new RangeError(`at most ${SENTIMENT_MARKETS_MAX} markets per read, got ${marketIds.length}`);
  if (marketIds.length === 0) return [];
  const documents = await db.collection<LatestSentimentDocument>(SENTIMENT_LATEST).find({ _id: { $in: [...marketIds] } }).toArray();
  return documents.sort((a, b) => (a.marketId < b.marketId ? -1 : a.marketId > b.marketId ? 1 : 0));
}

export interface PrunedSentiment {
  /** Day collections dropped whole. */
  droppedDays: string[];
  /** Points deleted from the day the cut falls in, and latest points that old. */
  deletedPoints: number;
}

/** Removes every point older than `olderThanMs`: whole days by dropping them, the cut's own day point by point. */
export async function pruneSentiment(db: Db, olderThanMs: number): Promise<PrunedSentiment> {
  const cutDay = sentimentCollectionOf(olderThanMs);
  const days = await sentimentDays(db);
  const droppedDays = days.filter((name) => name < cutDay);
  for (const name of droppedDays) {
    await db.collection(name).drop().catch(() => undefined);
    indexedDays.get(db)?.delete(name);
  }
  let deletedPoints = 0;
  if (days.includes(cutDay)) deletedPoints += (await db.collection<SentimentDocument>(cutDay).deleteMany({ atMs: { $lt: olderThanMs } })).deletedCount;
  deletedPoints += (await db.collection<LatestSentimentDocument>(SENTIMENT_LATEST).deleteMany({ atMs: { $lt: olderThanMs } })).deletedCount;
  return { droppedDays, deletedPoints };
}

export function sentimentRetentionCutMs(atMs: number, retentionDays: number): number {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError(`sentiment retention must be a whole number of days ≥ 1, got ${retentionDays}`);
  return atMs - retentionDays * DAY_MS;
}

/** The day collections that exist, oldest first. */
async function sentimentDays(db: Db): Promise<string[]> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  return collections
    .map((c) => c.name)
    .filter((name) => name.startsWith(SENTIMENT_DAY_PREFIX) && DAY_NAME.test(name.slice(SENTIMENT_DAY_PREFIX.length)))
    .sort();
}

const indexedDays = new WeakMap<Db, Set<string>>();

/** A day's (market, time) index, created with its first points, once per process. */
async function ensureDayIndex(db: Db, name: string): Promise<void> {
  let indexed = indexedDays.get(db);
  if (!indexed) indexedDays.set(db, (indexed = new Set()));
  if (indexed.has(name)) return;
  await db.collection(name).createIndex({ marketId: 1, atMs: -1 });
  indexed.add(name);
}

/** The indexes of the days already stored and of the latest points (idempotent; workers call it at start). */
export async function ensureSentimentIndexes(db: Db): Promise<void> {
  for (const name of await sentimentDays(db)) await ensureDayIndex(db, name);
  await db.collection(SENTIMENT_LATEST).createIndex({ atMs: 1 });
}
