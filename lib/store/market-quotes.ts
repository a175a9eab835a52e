import type { Db } from 'mongodb';
import type { CheckedQuote } from '../market/ohlc';
import { insertNewOnly } from './upsert';

/**
 * Streamed quotes, one collection per UTC day (`market_quotes_YYYYMMDD`), so retention drops
 * whole days instead of deleting quote by quote (a stream writes thousands a second). A quote's
 * `_id` is its (epic, timestamp, bid, ask): the replay of a quote after a reconnect is stored once.
 */
export const QUOTES_PREFIX = 'market_quotes_';
export const QUOTE_RETENTION_DAYS_DEFAULT = 7;
const DAY_MS = 86_400_000;

export interface QuoteDocument {
  _id: string;
  epic: string;
  atMs: number;
  bid: string;
  ask: string;
  receivedAtMs: number;
}

export function quoteCollectionOf(atMs: number): string {
  return `${QUOTES_PREFIX}${new Date(atMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Stores quotes in their days' collections; returns how many were new. */
export async function storeQuotes(db: Db, quotes: ReadonlyArray<CheckedQuote & { receivedAtMs: number }>): Promise<number> {
  const byDay = new Map<string, QuoteDocument[]>();
  for (const quote of quotes) {
    const name = quoteCollectionOf(quote.atMs);
    let documents = byDay.get(name);
    if (!documents) byDay.set(name, (documents = []));
    documents.push({ _id: `${quote.epic}:${quote.atMs}:${quote.bid}:${quote.ask}`, epic: quote.epic, atMs: quote.atMs, bid: quote.bid, ask: quote.ask, receivedAtMs: quote.receivedAtMs });
  }
  let stored = 0;
  for (const [name, documents] of byDay) {
    await ensureDayIndex(db, name);
    stored += await insertNewOnly(db.collection<QuoteDocument>(name), documents);
  }
  return stored;
}

const indexedDays = new WeakMap<Db, Set<string>>();

/** A day's collection gets its (epic, time) index when its first quotes arrive, once per process. */
async function ensureDayIndex(db: Db, name: string): Promise<void> {
  let indexed = indexedDays.get(db);
  if (!indexed) indexedDays.set(db, (indexed = new Set()));
  if (indexed.has(name)) return;
  await db.collection(name).createIndex({ epic: 1, atMs: 1 });
  indexed.add(name);
}

/** Drops the days that ended more than `keepDays` days before `nowMs`; returns the dropped collections. */
export async function pruneQuoteDays(db: Db, keepDays: number, nowMs: number): Promise<string[]> {
  if (!Number.isInteger(keepDays) || keepDays < 1) throw new RangeError(`quote retention must be a whole number of days ≥ 1, got ${keepDays}`);
  const oldestKept = quoteCollectionOf(nowMs - keepDays * DAY_MS);
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => name.startsWith(QUOTES_PREFIX) && /^\d{8}$/.test(name.slice(QUOTES_PREFIX.length)));
  const dropped = names.filter((name) => name < oldestKept).sort();
  for (const name of dropped) await db.collection(name).drop().catch(() => undefined);
  return dropped;
}

/** Stored quotes of one epic in [fromMs, toMs], oldest first, at most `limit`. */
export async function quotesBetween(db: Db, query: { epic: string; fromMs: number; toMs: number; limit: number }): Promise<QuoteDocument[]> {
  const found: QuoteDocument[] = [];
  for (let dayMs = Math.floor(query.fromMs / DAY_MS) * DAY_MS; dayMs <= query.toMs && found.length < query.limit; dayMs += DAY_MS) {
    const documents = await db
      .collection<QuoteDocument>(quoteCollectionOf(dayMs))
      .find({ epic: query.epic, atMs: { $gte: query.fromMs, $lte: query.toMs } })
      .sort({ atMs: 1 })
      .limit(query.limit - found.length)
      .toArray();
    found.push(...documents);
  }
  return found;
}
