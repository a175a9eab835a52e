import type { Db } from 'mongodb';
import { instrumentId } from '../ledger/instrument-id';
import { barKey, compareBars, type QuoteBar, type RememberedQuote } from '../market/ohlc';
import { bucketStartMs, type Resolution } from '../market/resolutions';
import { insertNewOnly } from './upsert';

/**
 * Bars built from streamed quotes, in two collections:
 *
 * - `market_live_bars`: the bars still forming, one document per writer (a streamed batch of up to
 *   40 epics) holding all its epics' forming bars and latest quotes as one JSON text (the embedded
 *   database converts one text far faster than sub-documents). A writer replaces its document by
 *   inserting the next version and then deleting the previous one by id, so a write is two
 *   single-document operations whatever the number of epics, and a reader always finds a
 *   complete version; per epic, the newest version holding it wins. The collection holds about
 *   one document per running batch, so reading it whole is cheap even where only `_id` lookups
 *   use an index.
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
  /** `{writerId}:{sequence}` */
  _id: string;
  writerId: string;
  /** The epics this version holds, for lookups. */
  epics: string[];
  /** Orders versions: the writer's clock, then its sequence. */
  writtenAtMs: number;
  sequence: number;
  /** `Record<epic, LiveEpic>` as one JSON text. */
  liveJson: string;
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
  await db.collection(LIVE_BARS).createIndex({ epics: 1 });
}

function trimmed(bar: QuoteBar): QuoteBar {
  return bar.rememberedQuotes.length <= STORED_REMEMBERED_QUOTES ? bar : { ...bar, rememberedQuotes: bar.rememberedQuotes.slice(-STORED_REMEMBERED_QUOTES) };
}

export interface LiveEpic {
  bars: readonly QuoteBar[];
  /** The newest quote seen, kept when every bar has closed (a market that stopped quoting). */
  lastQuote?: LatestQuote;
}

export interface LiveVersion {
  writerId: string;
  sequence: number;
  writtenAtMs: number;
}

/**
 * Writes a writer's new version, holding every epic it streams, then deletes its previous version
 * by id. Returns the new version's id.
 */
export async function writeLiveBars(db: Db, live: ReadonlyMap<string, LiveEpic>, version: LiveVersion, previousId?: string): Promise<string> {
  const _id = `${version.writerId}:${version.sequence}`;
  const held: Record<string, LiveEpic> = {};
  for (const [epic, { bars, lastQuote }] of live) held[epic] = { bars: bars.map(trimmed), ...(lastQuote ? { lastQuote } : {}) };
  await db.collection<LiveBarsDocument>(LIVE_BARS).insertOne({ _id, writerId: version.writerId, epics: [...live.keys()].sort(), writtenAtMs: version.writtenAtMs, sequence: version.sequence, liveJson: JSON.stringify(held) });
  if (previousId !== undefined) await db.collection<LiveBarsDocument>(LIVE_BARS).deleteOne({ _id: previousId });
  return _id;
}

export interface LiveRead {
  bars: Map<string, QuoteBar[]>;
  lastQuotes: Map<string, LatestQuote>;
}

/** The newest live version of each epic that has one: its forming bars and its latest quote. */
export async function readLiveBars(db: Db, epics: readonly string[]): Promise<LiveRead> {
  if (epics.length === 0) return { bars: new Map(), lastQuotes: new Map() };
  const documents = await db.collection<LiveBarsDocument>(LIVE_BARS).find({ epics: { $in: [...epics] } }).toArray();
  return newestPerEpic(documents, new Set(epics));
}

function newestPerEpic(documents: readonly LiveBarsDocument[], wanted: ReadonlySet<string>): LiveRead {
  const newestFirst = [...documents].sort((a, b) => b.writtenAtMs - a.writtenAtMs || b.sequence - a.sequence);
  const read: LiveRead = { bars: new Map(), lastQuotes: new Map() };
  for (const document of newestFirst) {
    const held = JSON.parse(document.liveJson) as Record<string, LiveEpic>;
    for (const [epic, { bars, lastQuote }] of Object.entries(held)) {
      if (!wanted.has(epic) || read.bars.has(epic)) continue;
      read.bars.set(epic, [...bars]);
      if (lastQuote) read.lastQuotes.set(epic, { epic, atMs: lastQuote.atMs, bid: lastQuote.bid, ask: lastQuote.ask });
    }
  }
  return read;
}

/**
 * Deletes the versions every epic of which a newer version holds: what writers that stopped or
 * died left behind, once others took their epics over. A version still holding the only copy of
 * some epic stays, so that epic's bars and latest quote remain readable.
 */
export async function dropSupersededLiveBars(db: Db): Promise<number> {
  const documents = await db.collection<LiveBarsDocument>(LIVE_BARS).find({}, { projection: { liveJson: 0 } }).toArray();
  const newestFirst = [...documents].sort((a, b) => b.writtenAtMs - a.writtenAtMs || b.sequence - a.sequence);
  const seen = new Set<string>();
  const superseded: string[] = [];
  for (const document of newestFirst) {
    if (document.epics.every((epic) => seen.has(epic))) superseded.push(document._id);
    for (const epic of document.epics) seen.add(epic);
  }
  for (const _id of superseded) await db.collection<LiveBarsDocument>(LIVE_BARS).deleteOne({ _id });
  return superseded.length;
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
