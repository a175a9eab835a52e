import type { Db } from 'mongodb';
import type { CheckedQuote } from '../market/ohlc';

/**
 * Streamed quotes, one collection per UTC day (`market_quotes_YYYYMMDD`), so retention drops
 * whole days instead of deleting quote by quote. A stream writes thousands a second, so they are
 * stored in chunks: one document per epic and store write, its quotes (oldest first) as one JSON
 * text, with the time span they cover for lookups (a thousand quotes cost the database a few
 * documents, not a thousand). A chunk's `_id` is its write (writer and sequence) and epic. A quote
 * the live bars recognised as a repeat (a replay after a reconnect) never reaches the store.
 */
export const QUOTES_PREFIX = 'market_quotes_';
export const QUOTE_RETENTION_DAYS_DEFAULT = 7;
const DAY_MS = 86_400_000;

/** A stored quote: `ask` is the wire's `ofr`; `receivedAtMs` when our stream got it. */
export interface StoredQuote {
  epic: string;
  atMs: number;
  bid: string;
  ask: string;
  receivedAtMs: number;
}

interface QuoteChunkDocument {
  _id: string;
  epic: string;
  fromMs: number;
  toMs: number;
  count: number;
  /** `[atMs, bid, ask, receivedAtMs][]` */
  quotesJson: string;
}

type QuoteRow = [number, string, string, number];

export function quoteCollectionOf(atMs: number): string {
  return `${QUOTES_PREFIX}${new Date(atMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Stores one write's quotes, a chunk per day and epic, named `{writeId}:{epic}` (write ids never repeat). Returns how many quotes it stored. */
export async function storeQuotes(db: Db, writeId: string, quotes: ReadonlyArray<CheckedQuote & { receivedAtMs: number }>): Promise<number> {
  const byDayAndEpic = new Map<string, Map<string, QuoteRow[]>>();
  for (const quote of quotes) {
    const day = quoteCollectionOf(quote.atMs);
    let epics = byDayAndEpic.get(day);
    if (!epics) byDayAndEpic.set(day, (epics = new Map()));
    let rows = epics.get(quote.epic);
    if (!rows) epics.set(quote.epic, (rows = []));
    rows.push([quote.atMs, quote.bid, quote.ask, quote.receivedAtMs]);
  }
  for (const [day, epics] of byDayAndEpic) {
    await ensureDayIndex(db, day);
    const documents: QuoteChunkDocument[] = [...epics].map(([epic, rows]) => {
      rows.sort((a, b) => a[0] - b[0]);
      return { _id: `${writeId}:${epic}`, epic, fromMs: rows[0]![0], toMs: rows.at(-1)![0], count: rows.length, quotesJson: JSON.stringify(rows) };
    });
    await db.collection<QuoteChunkDocument>(day).insertMany(documents, { ordered: false });
  }
  return quotes.length;
}

const indexedDays = new WeakMap<Db, Set<string>>();

/** A day's collection gets its (epic, span) index when its first quotes arrive, once per process. */
async function ensureDayIndex(db: Db, name: string): Promise<void> {
  let indexed = indexedDays.get(db);
  if (!indexed) indexedDays.set(db, (indexed = new Set()));
  if (indexed.has(name)) return;
  await db.collection(name).createIndex({ epic: 1, fromMs: 1 });
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
export async function quotesBetween(db: Db, query: { epic: string; fromMs: number; toMs: number; limit: number }): Promise<StoredQuote[]> {
  const found: StoredQuote[] = [];
  for (let dayMs = Math.floor(query.fromMs / DAY_MS) * DAY_MS; dayMs <= query.toMs; dayMs += DAY_MS) {
    const chunks = await db
      .collection<QuoteChunkDocument>(quoteCollectionOf(dayMs))
      .find({ epic: query.epic, fromMs: { $lte: query.toMs }, toMs: { $gte: query.fromMs } })
      .toArray();
    for (const chunk of chunks) {
      for (const [atMs, bid, ask, receivedAtMs] of JSON.parse(chunk.quotesJson) as QuoteRow[]) {
        if (atMs >= query.fromMs && atMs <= query.toMs) found.push({ epic: query.epic, atMs, bid, ask, receivedAtMs });
      }
    }
  }
  return found.sort((a, b) => a.atMs - b.atMs).slice(0, query.limit);
}
