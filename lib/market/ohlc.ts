/**
 * Quotes → bid and ask OHLC bars, one bar per (epic, resolution, bucket start).
 *
 * Quotes are totally ordered by (timestamp, bid, ask), comparing prices by value. In that order:
 * - open is the first quote's price and close the last one's, each side from the same quote, so
 *   a tie on timestamp is broken by the lower bid (then ask) opening and the higher one closing;
 * - high and low are the largest and smallest price of each side;
 * - `firstQuoteMs` / `lastQuoteMs` are the earliest and latest timestamps;
 * - `quoteCount` counts distinct quotes. A quote is its (epic, timestamp, bid, ask): a repeat of
 *   one already applied (a replay after a reconnect) leaves the bar as it is.
 * Each of these depends only on the set of quotes, so any arrival order gives an equal bar. A late
 * quote (older than `lastQuoteMs`) therefore moves high, low and count but not close, and becomes
 * the open when it is older than `firstQuoteMs`.
 *
 * Repeats are found in the bar's remembered tail: the newest `BAR_REMEMBERED_QUOTES_MAX` distinct
 * quotes in the order above, plus the open and the close, which the bar always knows. Replays after a reconnect repeat the newest quotes, so
 * they fall in it. A repeat of an older quote is counted again (its prices cannot move the bar);
 * `aggregateQuotes` drops every exact repeat of its input before it applies any, so it has no such
 * blind spot.
 *
 * Prices are canonical decimal text (`lib/money.ts`); `ask` is the quote's `ofr`.
 */
import { type QuotePayload } from '../capital/schemas/streaming';
import { canonical, compareCanonical, toDecimal } from '../money';
import { isEpic } from './epic-batches';
import { assertMarketTimeMs, bucketEndMs, bucketStartMs, parseResolutions, type Resolution, RESOLUTIONS } from './resolutions';

/** Quotes remembered per bar to recognise replays. */
export const BAR_REMEMBERED_QUOTES_MAX = 128;
/** Quotes in one `aggregateQuotes` call. */
export const QUOTES_PER_AGGREGATION_MAX = 500_000;

/**
 * What a bar needs from a WebSocket `quote` payload; a whole `QuotePayload` fits, and so does the
 * streaming client's `Quote` (prices as the JSON numbers of the wire, read through their text), and
 * stored quotes (decimal text).
 */
export interface MarketQuote {
  epic: string;
  timestamp: number;
  bid: QuotePayload['bid'] | number | string;
  ofr: QuotePayload['ofr'] | number | string;
}

/** One side's prices, as canonical decimal text. */
export interface OhlcPrices {
  open: string;
  high: string;
  low: string;
  close: string;
}

/** A quote as a bar remembers it. */
export interface RememberedQuote {
  atMs: number;
  bid: string;
  ask: string;
}

export interface BarId {
  epic: string;
  resolution: Resolution;
  /** Bucket start, UTC epoch ms. */
  startMs: number;
}

export interface QuoteBar extends BarId {
  bid: OhlcPrices;
  ask: OhlcPrices;
  quoteCount: number;
  firstQuoteMs: number;
  lastQuoteMs: number;
  /** The newest distinct quotes, oldest first, at most `BAR_REMEMBERED_QUOTES_MAX`. */
  rememberedQuotes: readonly RememberedQuote[];
}

export interface QuoteAggregation {
  /** Sorted by epic, then resolution (in `RESOLUTIONS` order), then start. */
  bars: QuoteBar[];
  distinctQuotes: number;
  /** Exact repeats dropped from the input. */
  repeatedQuotes: number;
}

export class OhlcError extends Error {
  override name = 'OhlcError';
}

/** `EPIC:RESOLUTION:startMs`, e.g. `GOLD:MINUTE_5:1767225600000`. Epics hold no colon, so keys never collide. */
export function barKey(bar: BarId): string {
  return `${bar.epic}:${bar.resolution}:${bar.startMs}`;
}

/** Whether the bar's bucket has not ended at `nowMs` (a bar dated after `nowMs` is forming too). */
export function isBarForming(bar: Pick<BarId, 'resolution' | 'startMs'>, nowMs: number): boolean {
  assertMarketTimeMs(nowMs, 'nowMs');
  return nowMs < bucketEndMs(bar.resolution, bar.startMs);
}

/**
 * The bar with one more quote. `bar` is the bar of the quote's bucket, or undefined for its first
 * quote. Returns a new bar, or the same object when the quote is a repeat; never mutates. Throws
 * `OhlcError` for a malformed quote or one that belongs to another bar.
 */
export function applyQuote(bar: QuoteBar | undefined, quote: MarketQuote, resolution: Resolution): QuoteBar {
  return applyCheckedQuote(bar, checkQuote(quote), resolution);
}

/**
 * Bars of every listed resolution from a batch of quotes of any epics, in any order. Exact repeats
 * are dropped first; the result equals applying the distinct quotes one by one in any order.
 */
export function aggregateQuotes(quotes: readonly MarketQuote[], resolutions: readonly Resolution[]): QuoteAggregation {
  const wanted = parseResolutions(resolutions);
  if (quotes.length > QUOTES_PER_AGGREGATION_MAX) throw new OhlcError(`at most ${QUOTES_PER_AGGREGATION_MAX} quotes per aggregation, got ${quotes.length}`);
  const read = quotes.map(checkQuote).sort(compareCheckedQuotes);
  const bars = new Map<string, QuoteBar>();
  let distinctQuotes = 0;
  let previous: CheckedQuote | undefined;
  for (const quote of read) {
    if (previous !== undefined && compareCheckedQuotes(previous, quote) === 0) continue;
    previous = quote;
    distinctQuotes++;
    for (const resolution of wanted) {
      const id: BarId = { epic: quote.epic, resolution, startMs: bucketStartMs(resolution, quote.atMs) };
      const key = barKey(id);
      bars.set(key, applyCheckedQuote(bars.get(key), quote, resolution));
    }
  }
  return { bars: [...bars.values()].sort(compareBars), distinctQuotes, repeatedQuotes: quotes.length - distinctQuotes };
}

/** Epic, then resolution in `RESOLUTIONS` order (MINUTE first), then start. */
export function compareBars(a: BarId, b: BarId): number {
  if (a.epic !== b.epic) return a.epic < b.epic ? -1 : 1;
  if (a.resolution !== b.resolution) return RESOLUTIONS.indexOf(a.resolution) - RESOLUTIONS.indexOf(b.resolution);
  return a.startMs - b.startMs;
}

/** A quote read and checked once, its prices canonical decimal text, ready for any number of bars. */
export interface CheckedQuote {
  epic: string;
  atMs: number;
  bid: string;
  ask: string;
}

/** Reads and checks a wire quote (`OhlcError` naming what is wrong), so it can be applied to several resolutions. */
export function checkQuote(quote: MarketQuote): CheckedQuote {
  if (!isEpic(quote.epic)) throw new OhlcError(`quote epic '${String(quote.epic).slice(0, 64)}' is not an epic`);
  assertMarketTimeMs(quote.timestamp, `quote ${quote.epic} timestamp`);
  const bid = toDecimal(quote.bid);
  const ask = toDecimal(quote.ofr);
  if (!bid.isFinite() || !ask.isFinite()) throw new OhlcError(`quote ${quote.epic} at ${quote.timestamp} has a non-finite price`);
  return { epic: quote.epic, atMs: quote.timestamp, bid: canonical(bid), ask: canonical(ask) };
}

function compareCheckedQuotes(a: CheckedQuote, b: CheckedQuote): number {
  if (a.epic !== b.epic) return a.epic < b.epic ? -1 : 1;
  return compareToRemembered(a, b);
}

/** The order of quotes within one epic: timestamp, then bid, then ask, prices by value. */
function compareToRemembered(quote: RememberedQuote, remembered: RememberedQuote): number {
  if (quote.atMs !== remembered.atMs) return quote.atMs < remembered.atMs ? -1 : 1;
  return compareCanonical(quote.bid, remembered.bid) || compareCanonical(quote.ask, remembered.ask);
}

/**
 * `applyQuote` for a checked quote. The usual quote is newer than everything in the bar: then it
 * can be no repeat and is the new close, which the timestamps alone tell.
 */
export function applyCheckedQuote(bar: QuoteBar | undefined, quote: CheckedQuote, resolution: Resolution): QuoteBar {
  const startMs = bucketStartMs(resolution, quote.atMs);
  const remembered: RememberedQuote = { atMs: quote.atMs, bid: quote.bid, ask: quote.ask };
  if (bar === undefined) {
    const bid = single(remembered.bid);
    const ask = single(remembered.ask);
    return { epic: quote.epic, resolution, startMs, bid, ask, quoteCount: 1, firstQuoteMs: quote.atMs, lastQuoteMs: quote.atMs, rememberedQuotes: [remembered] };
  }
  if (bar.epic !== quote.epic || bar.resolution !== resolution || bar.startMs !== startMs) {
    throw new OhlcError(`quote ${quote.epic} at ${quote.atMs} belongs to ${barKey({ epic: quote.epic, resolution, startMs })}, not to ${barKey(bar)}`);
  }
  // The open and close are the first and last quotes in quote order, so they are read off the bar.
  const toOpen = compareToRemembered(quote, { atMs: bar.firstQuoteMs, bid: bar.bid.open, ask: bar.ask.open });
  const toClose = compareToRemembered(quote, { atMs: bar.lastQuoteMs, bid: bar.bid.close, ask: bar.ask.close });
  if (toOpen === 0 || toClose === 0) return bar;
  const slot = quote.atMs > bar.lastQuoteMs ? { found: false, index: bar.rememberedQuotes.length } : searchRemembered(bar.rememberedQuotes, quote);
  if (slot.found) return bar;
  const isNewOpen = toOpen < 0;
  const isNewClose = toClose > 0;
  return {
    epic: bar.epic,
    resolution,
    startMs,
    bid: extend(bar.bid, quote.bid, isNewOpen, isNewClose),
    ask: extend(bar.ask, quote.ask, isNewOpen, isNewClose),
    quoteCount: bar.quoteCount + 1,
    firstQuoteMs: Math.min(bar.firstQuoteMs, quote.atMs),
    lastQuoteMs: Math.max(bar.lastQuoteMs, quote.atMs),
    rememberedQuotes: remember(bar.rememberedQuotes, slot.index, remembered),
  };
}

function single(price: string): OhlcPrices {
  return { open: price, high: price, low: price, close: price };
}

function extend(side: OhlcPrices, price: string, isOpen: boolean, isClose: boolean): OhlcPrices {
  return {
    open: isOpen ? price : side.open,
    high: compareCanonical(price, side.high) > 0 ? price : side.high,
    low: compareCanonical(price, side.low) < 0 ? price : side.low,
    close: isClose ? price : side.close,
  };
}

/** Binary search in the remembered tail (ascending); `index` is where the quote would go. */
function searchRemembered(tail: readonly RememberedQuote[], quote: CheckedQuote): { found: boolean; index: number } {
  let low = 0;
  let high = tail.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareToRemembered(quote, tail[middle] as RememberedQuote);
    if (order === 0) return { found: true, index: middle };
    if (order > 0) low = middle + 1;
    else high = middle;
  }
  return { found: false, index: low };
}

/** The tail with the quote inserted at `index`, then cut to the newest `BAR_REMEMBERED_QUOTES_MAX`. */
function remember(tail: readonly RememberedQuote[], index: number, quote: RememberedQuote): readonly RememberedQuote[] {
  const next = tail.slice(0, index);
  next.push(quote);
  for (let i = index; i < tail.length; i++) next.push(tail[i] as RememberedQuote);
  if (next.length > BAR_REMEMBERED_QUOTES_MAX) next.splice(0, next.length - BAR_REMEMBERED_QUOTES_MAX);
  return next;
}
