import type { Db } from 'mongodb';
import { instrumentId } from '../ledger/instrument-id';
import { barKey, compareBars, type QuoteBar, type RememberedQuote } from '../market/ohlc';
import { bucketStartMs, type Resolution } from '../market/resolutions';
import { insertNewOnly } from './upsert';

/**
 * Bars built from streamed quotes, in two collections:
 *
 * - `market_live_bars`: the bars still forming, one document per epic holding all its forming bars
 *   as one JSON text (the embedded database converts one text far faster than sub-documents).
 *   A writer replaces an epic's document by inserting the next version and then deleting the
 *   ones before it, so a reader always finds at least one complete version and takes the newest.
 *   The collection holds one document per streamed epic (two for a moment), so reading it whole
 *   is cheap even where only `_id` lookups use an index.
 * - `market_bars`: closed bars, final, one document per epic, resolution and bucket (`_id` =
 *   `barKey`). A second writer of the same bar leaves the first one's alone.
 *
 * Stored bars keep the newest `STORED_REMEMBERED_QUOTES` quotes of their tail besides their open
 * and close, which a bar always knows: a new connection's first quote repeats at most the last one
 * seen, so that is enough to know a replay after a restart, and it keeps the documents small (the
 * live ones are rewritten many times a second). Within one run the whole tail is in memory.
 */
export const LIVE_BARS = 'market_live_bars';
export const STREAMED_BARS = 'market_bars';
export const STORED_REMEMBERED_QUOTES = 2;

interface LiveBarsDocument {
  _id: string;
  epic: string;
  /** Orders versions of one epic: the writer's clock, then its sequence. */
  writtenAtMs: number;
  sequence: number;
  barsJson: string;
  /** The newest quote seen, kept when every bar has closed (a market that stopped quoting). */
  lastQuote?: LatestQuote;
}

export interface StreamedBarDocument {
  _id: string;
  epic: string;
  instrumentId: string;
  resolution: Resolution;
  startMs: number;
  bid: QuoteBar['bid'];
  ask: QuoteBar['ask'];
  quoteCount: number;
  firstQuoteMs: number;
  lastQuoteMs: number;
  rememberedQuotes: RememberedQuote[];
  closedAtMs: number;
}

export interface LatestQuote {
  epic: string;
  atMs: number;
  bid: string;
  ask: string;
}

export async function ensureMarketBarIndexes(db: Db): Promise<void> {
  await db.collection(STREAMED_BARS).createIndex({ epic: 1, resolution: 1, startMs: 1 });
  await db.collection(LIVE_BARS).createIndex({ epic: 1 });
}

function trimmed(bar: QuoteBar): QuoteBar {
  return bar.rememberedQuotes.length <= STORED_REMEMBERED_QUOTES ? bar : { ...bar, rememberedQuotes: bar.rememberedQuotes.slice(-STORED_REMEMBERED_QUOTES) };
}

export interface LiveEpic {
  bars: readonly QuoteBar[];
  lastQuote?: LatestQuote;
}

/** Writes the forming bars of each listed epic as its new version; `previous` are the ids this writer wrote before, deleted after. Returns the new ids by epic. */
export async function writeLiveBars(db: Db, forming: ReadonlyMap<string, LiveEpic>, version: { writtenAtMs: number; sequence: number; writerId: string }, previous: readonly string[]): Promise<Map<string, string>> {
  const documents: LiveBarsDocument[] = [];
  const ids = new Map<string, string>();
  for (const [epic, { bars, lastQuote }] of forming) {
    const _id = `${epic}@${version.writerId}:${version.sequence}`;
    ids.set(epic, _id);
    documents.push({ _id, epic, writtenAtMs: version.writtenAtMs, sequence: version.sequence, barsJson: JSON.stringify(bars.map(trimmed)), ...(lastQuote ? { lastQuote } : {}) });
  }
  if (documents.length > 0) await db.collection<LiveBarsDocument>(LIVE_BARS).insertMany(documents, { ordered: false });
  if (previous.length > 0) await db.collection<LiveBarsDocument>(LIVE_BARS).deleteMany({ _id: { $in: [...previous] } });
  return ids;
}

/** The newest live version of each epic: its forming bars and the ids of every version found (to delete when taking over). */
export async function readLiveBars(db: Db, epics: readonly string[]): Promise<{ bars: Map<string, QuoteBar[]>; lastQuotes: Map<string, LatestQuote>; ids: string[] }> {
  if (epics.length === 0) return { bars: new Map(), lastQuotes: new Map(), ids: [] };
  const documents = await db.collection<LiveBarsDocument>(LIVE_BARS).find({ epic: { $in: [...epics] } }).toArray();
  const newest = new Map<string, LiveBarsDocument>();
  for (const document of documents) {
    const seen = newest.get(document.epic);
    if (!seen || document.writtenAtMs > seen.writtenAtMs || (document.writtenAtMs === seen.writtenAtMs && document.sequence > seen.sequence)) newest.set(document.epic, document);
  }
  const bars = new Map<string, QuoteBar[]>();
  const lastQuotes = new Map<string, LatestQuote>();
  for (const [epic, document] of newest) {
    bars.set(epic, JSON.parse(document.barsJson) as QuoteBar[]);
    if (document.lastQuote) lastQuotes.set(epic, { epic, atMs: document.lastQuote.atMs, bid: document.lastQuote.bid, ask: document.lastQuote.ask });
  }
  return { bars, lastQuotes, ids: documents.map((document) => document._id) };
}

export async function deleteLiveBars(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.collection<LiveBarsDocument>(LIVE_BARS).deleteMany({ _id: { $in: [...ids] } });
}

/** Stores closed bars (final); a bar already stored is left as it is. Returns how many were new. */
export async function storeStreamedBars(db: Db, bars: readonly QuoteBar[], closedAtMs = Date.now()): Promise<number> {
  const documents: StreamedBarDocument[] = bars.map((bar) => {
    const kept = trimmed(bar);
    return { _id: barKey(bar), epic: bar.epic, instrumentId: instrumentId(bar.epic), resolution: bar.resolution, startMs: bar.startMs, bid: bar.bid, ask: bar.ask, quoteCount: bar.quoteCount, firstQuoteMs: bar.firstQuoteMs, lastQuoteMs: bar.lastQuoteMs, rememberedQuotes: [...kept.rememberedQuotes], closedAtMs };
  });
  return insertNewOnly(db.collection<StreamedBarDocument>(STREAMED_BARS), documents);
}

function fromDocument(document: StreamedBarDocument): QuoteBar {
  return { epic: document.epic, resolution: document.resolution, startMs: document.startMs, bid: document.bid, ask: document.ask, quoteCount: document.quoteCount, firstQuoteMs: document.firstQuoteMs, lastQuoteMs: document.lastQuoteMs, rememberedQuotes: document.rememberedQuotes };
}

/**
 * Bars built from streamed quotes whose bucket start lies in [bucketStartMs(resolution, fromMs),
 * toMs], closed and still forming, sorted by start. A forming bar counts only where no closed bar
 * of its bucket is stored yet.
 */
export async function streamedBarsBetween(db: Db, query: { epic: string; resolution: Resolution; fromMs: number; toMs: number }): Promise<QuoteBar[]> {
  const fromStartMs = bucketStartMs(query.resolution, query.fromMs);
  const closed = await db
    .collection<StreamedBarDocument>(STREAMED_BARS)
    .find({ epic: query.epic, resolution: query.resolution, startMs: { $gte: fromStartMs, $lte: query.toMs } })
    .toArray();
  const byStart = new Map<number, QuoteBar>(closed.map((document) => [document.startMs, fromDocument(document)]));
  const live = (await readLiveBars(db, [query.epic])).bars.get(query.epic) ?? [];
  for (const bar of live) {
    if (bar.resolution === query.resolution && bar.startMs >= fromStartMs && bar.startMs <= query.toMs && !byStart.has(bar.startMs)) byStart.set(bar.startMs, bar);
  }
  return [...byStart.values()].sort(compareBars);
}

/** The newest streamed quote of each epic that has one (kept with its live bars, also once they all closed). */
export async function latestQuotes(db: Db, epics: readonly string[]): Promise<LatestQuote[]> {
  const { lastQuotes } = await readLiveBars(db, epics);
  return [...lastQuotes.values()].sort((a, b) => (a.epic < b.epic ? -1 : a.epic > b.epic ? 1 : 0));
}
