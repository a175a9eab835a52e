/**
 * Streamed bars (ours, from quotes) merged with back-filled `GET /prices` bars (the broker's), for
 * one epic and resolution, one bar per bucket, sorted by start. Per bucket:
 *   1. a closed broker bar wins: the broker saw every quote, while a streamed bar misses whatever
 *      came before we subscribed or while we were disconnected;
 *   2. otherwise the streamed bar, closed or forming, fills the bucket;
 *   3. a broker bar whose bucket has not ended at `nowMs` (the still-forming last bar of a
 *      response) is dropped, so the streamed bar, if any, is the forming one.
 * Broker bars are evidence, so the doubtful ones are set aside with a reason, never guessed at:
 * a time that is not a bucket start on our grid (`lib/market/resolutions.ts`), an inconsistent bar
 * (per side, low above open or close, or either above high; a negative volume), or two different
 * bars for one bucket (both set aside, since keeping one would depend on list order; an exact
 * repeat is kept once). Streamed bars are our own output, so a bar of another epic or resolution,
 * or two different ones for one bucket, is a caller error (`BarMergeError`).
 *
 * `planPricesPages` cuts a time range into `GET /prices` calls (REFERENCE §7.4).
 */
import { parseBrokerUtc, formatQueryTime } from '../capital/broker-time';
import { type PriceBar } from '../capital/schemas/prices';
import { canonical, type Decimal, toDecimal } from '../money';
import { isEpic } from './epic-batches';
import { barKey, isBarForming, type OhlcPrices, type QuoteBar } from './ohlc';
import { assertMarketTimeMs, bucketStartMs, isBucketStartMs, parseResolution, resolutionLengthMs, type Resolution } from './resolutions';

/** `max` of one `GET /prices` call (REFERENCE §7.4). */
export const PRICES_BARS_PER_CALL_MAX = 1000;
/** Pages in one plan: a million bars. Split longer ranges first. */
export const PRICES_PAGES_PER_PLAN_MAX = 1000;
/** Bars on each side of one merge. */
export const BARS_PER_MERGE_MAX = 200_000;

export interface MergedBarBase {
  epic: string;
  resolution: Resolution;
  startMs: number;
  bid: OhlcPrices;
  ask: OhlcPrices;
}
export interface BrokerMergedBar extends MergedBarBase {
  source: 'broker';
  lastTradedVolume: number;
}
export interface StreamMergedBar extends MergedBarBase {
  source: 'stream';
  quoteCount: number;
  firstQuoteMs: number;
  lastQuoteMs: number;
  /** The bucket has not ended at `nowMs`. */
  forming: boolean;
}
export type MergedBar = BrokerMergedBar | StreamMergedBar;

export type SetAsideReason = 'forming' | 'bad-time' | 'misaligned' | 'inconsistent' | 'conflicting' | 'repeated';

export interface SetAsideBar {
  snapshotTimeUTC: string;
  /** The bucket it would fill; absent when the time is unreadable. */
  startMs?: number;
  reason: SetAsideReason;
}

export interface BarMerge {
  /** Sorted by start, one per bucket. */
  bars: MergedBar[];
  /** Broker bars not used, sorted by time then reason. `repeated` ones are duplicates of a kept bar. */
  setAside: SetAsideBar[];
}

export interface BarMergeInput {
  epic: string;
  resolution: Resolution;
  streamed: readonly QuoteBar[];
  backfilled: readonly PriceBar[];
  nowMs: number;
}

export class BarMergeError extends Error {
  override name = 'BarMergeError';
}

export function mergeBars(input: BarMergeInput): BarMerge {
  const { epic, nowMs } = input;
  const resolution = parseResolution(input.resolution);
  if (!isEpic(epic)) throw new BarMergeError(`'${String(epic).slice(0, 64)}' is not an epic`);
  assertMarketTimeMs(nowMs, 'nowMs');
  for (const [name, bars] of [['streamed', input.streamed], ['backfilled', input.backfilled]] as const) {
    if (bars.length > BARS_PER_MERGE_MAX) throw new BarMergeError(`at most ${BARS_PER_MERGE_MAX} ${name} bars per merge, got ${bars.length}`);
  }
  const { broker, setAside } = readBrokerBars(input.backfilled, epic, resolution, nowMs);
  const byStart = new Map<number, MergedBar>(broker);
  for (const bar of streamedByStart(input.streamed, epic, resolution).values()) {
    if (byStart.has(bar.startMs)) continue;
    byStart.set(bar.startMs, {
      epic, resolution, startMs: bar.startMs, bid: { ...bar.bid }, ask: { ...bar.ask },
      source: 'stream', quoteCount: bar.quoteCount, firstQuoteMs: bar.firstQuoteMs, lastQuoteMs: bar.lastQuoteMs, forming: isBarForming(bar, nowMs),
    });
  }
  return {
    bars: [...byStart.values()].sort((a, b) => a.startMs - b.startMs),
    setAside: setAside.sort((a, b) => compareOptional(a.startMs, b.startMs) || compareText(a.snapshotTimeUTC, b.snapshotTimeUTC) || compareText(a.reason, b.reason)),
  };
}

function streamedByStart(streamed: readonly QuoteBar[], epic: string, resolution: Resolution): Map<number, QuoteBar> {
  const byStart = new Map<number, QuoteBar>();
  for (const bar of streamed) {
    if (bar.epic !== epic || bar.resolution !== resolution) throw new BarMergeError(`streamed bar ${barKey(bar)} is not a ${epic} ${resolution} bar`);
    if (!isBucketStartMs(resolution, bar.startMs)) throw new BarMergeError(`streamed bar ${barKey(bar)} does not start a ${resolution} bucket`);
    const other = byStart.get(bar.startMs);
    if (other !== undefined && !sameStreamedBar(other, bar)) throw new BarMergeError(`two different streamed bars for ${barKey(bar)}`);
    byStart.set(bar.startMs, bar);
  }
  return byStart;
}

function sameStreamedBar(a: QuoteBar, b: QuoteBar): boolean {
  return samePrices(a.bid, b.bid) && samePrices(a.ask, b.ask) && a.quoteCount === b.quoteCount && a.firstQuoteMs === b.firstQuoteMs && a.lastQuoteMs === b.lastQuoteMs;
}

function readBrokerBars(backfilled: readonly PriceBar[], epic: string, resolution: Resolution, nowMs: number): { broker: Map<number, BrokerMergedBar>; setAside: SetAsideBar[] } {
  const setAside: SetAsideBar[] = [];
  const candidates = new Map<number, { snapshotTimeUTC: string; bar: BrokerMergedBar }[]>();
  for (const row of backfilled) {
    const snapshotTimeUTC = row.snapshotTimeUTC;
    const startMs = snapshotUtcMs(snapshotTimeUTC);
    if (startMs === undefined) {
      setAside.push({ snapshotTimeUTC, reason: 'bad-time' });
      continue;
    }
    const reason = problemOf(row, resolution, startMs, nowMs);
    if (reason !== undefined) {
      setAside.push({ snapshotTimeUTC, startMs, reason });
      continue;
    }
    const rows = candidates.get(startMs) ?? [];
    rows.push({ snapshotTimeUTC, bar: brokerBarOf(row, epic, resolution, startMs) });
    candidates.set(startMs, rows);
  }
  // Decided per bucket over all its rows, so the list order cannot change the outcome.
  const broker = new Map<number, BrokerMergedBar>();
  for (const [startMs, rows] of candidates) {
    rows.sort((a, b) => compareText(a.snapshotTimeUTC, b.snapshotTimeUTC));
    const [first, ...rest] = rows as [(typeof rows)[number], ...typeof rows];
    if (rest.every((row) => sameBrokerBar(row.bar, first.bar))) {
      broker.set(startMs, first.bar);
      for (const row of rest) setAside.push({ snapshotTimeUTC: row.snapshotTimeUTC, startMs, reason: 'repeated' });
    } else {
      for (const row of rows) setAside.push({ snapshotTimeUTC: row.snapshotTimeUTC, startMs, reason: 'conflicting' });
    }
  }
  return { broker, setAside };
}

function problemOf(row: PriceBar, resolution: Resolution, startMs: number, nowMs: number): SetAsideReason | undefined {
  if (!isBucketStartMs(resolution, startMs)) return 'misaligned';
  if (isBarForming({ resolution, startMs }, nowMs)) return 'forming';
  const sides = (['bid', 'ask'] as const).map((side) => ({
    open: toDecimal(row.openPrice[side]), high: toDecimal(row.highPrice[side]), low: toDecimal(row.lowPrice[side]), close: toDecimal(row.closePrice[side]),
  }));
  const ordered = sides.every(({ open, high, low, close }) => [open, high, low, close].every(isFinitePrice) && low.lessThanOrEqualTo(open) && low.lessThanOrEqualTo(close) && open.lessThanOrEqualTo(high) && close.lessThanOrEqualTo(high));
  const volumeReadable = Number.isFinite(row.lastTradedVolume) && row.lastTradedVolume >= 0;
  return ordered && volumeReadable ? undefined : 'inconsistent';
}

function brokerBarOf(row: PriceBar, epic: string, resolution: Resolution, startMs: number): BrokerMergedBar {
  const side = (name: 'bid' | 'ask'): OhlcPrices => ({
    open: canonical(toDecimal(row.openPrice[name])),
    high: canonical(toDecimal(row.highPrice[name])),
    low: canonical(toDecimal(row.lowPrice[name])),
    close: canonical(toDecimal(row.closePrice[name])),
  });
  return { epic, resolution, startMs, bid: side('bid'), ask: side('ask'), source: 'broker', lastTradedVolume: row.lastTradedVolume };
}

function sameBrokerBar(a: BrokerMergedBar, b: BrokerMergedBar): boolean {
  return samePrices(a.bid, b.bid) && samePrices(a.ask, b.ask) && a.lastTradedVolume === b.lastTradedVolume;
}

/** Canonical text is equal exactly when the decimals are. */
function samePrices(a: OhlcPrices, b: OhlcPrices): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close;
}

function isFinitePrice(price: Decimal): boolean {
  return price.isFinite();
}

/** `snapshotTimeUTC` → epoch ms. The schema allows up to nanoseconds; ms cannot hold them, so they are cut. */
function snapshotUtcMs(text: string): number | undefined {
  const dot = text.indexOf('.');
  return parseBrokerUtc(dot === -1 ? text : text.slice(0, dot + 4));
}

export interface PricesPage {
  /** First instant asked for, UTC epoch ms (a bucket start). */
  fromMs: number;
  /** Last instant asked for, inclusive, UTC epoch ms (whole seconds). */
  toMs: number;
  /** `from` and `to` query text, `YYYY-MM-DDTHH:MM:SS` in UTC. */
  from: string;
  to: string;
  /** Bucket starts in [fromMs, toMs]: the `max` to ask for, at most `PRICES_BARS_PER_CALL_MAX`. */
  max: number;
}

/**
 * `GET /prices` calls that cover every bucket holding an instant of [fromMs, toMs] (both inclusive).
 * The first page starts at the bucket holding `fromMs`; each page asks for at most 1000 buckets;
 * page n+1 starts one second after page n ends (the query's precision), so every second of the span
 * is asked for exactly once: no overlap, no gap. The last page ends at `toMs` rounded down to the
 * second, never later, because the broker refuses a `to` in the future. Bars are at least one
 * bucket apart, so no page can hold more than its `max`, even on a grid other than ours.
 */
export function planPricesPages(resolution: Resolution, fromMs: number, toMs: number): PricesPage[] {
  parseResolution(resolution);
  assertMarketTimeMs(fromMs, 'fromMs');
  assertMarketTimeMs(toMs, 'toMs');
  if (toMs < fromMs) throw new BarMergeError(`the range ends (${toMs}) before it starts (${fromMs})`);
  const lengthMs = resolutionLengthMs(resolution);
  const firstStartMs = bucketStartMs(resolution, fromMs);
  const lastStartMs = bucketStartMs(resolution, toMs);
  const buckets = (lastStartMs - firstStartMs) / lengthMs + 1;
  const pageCount = Math.ceil(buckets / PRICES_BARS_PER_CALL_MAX);
  if (pageCount > PRICES_PAGES_PER_PLAN_MAX) throw new BarMergeError(`${buckets} ${resolution} buckets need ${pageCount} pages; at most ${PRICES_PAGES_PER_PLAN_MAX} per plan`);
  const endMs = Math.floor(toMs / 1000) * 1000;
  const pages: PricesPage[] = [];
  for (let page = 0; page < pageCount; page++) {
    const pageFromMs = firstStartMs + page * PRICES_BARS_PER_CALL_MAX * lengthMs;
    const max = Math.min(PRICES_BARS_PER_CALL_MAX, buckets - page * PRICES_BARS_PER_CALL_MAX);
    const pageToMs = page === pageCount - 1 ? endMs : pageFromMs + max * lengthMs - 1000;
    pages.push({ fromMs: pageFromMs, toMs: pageToMs, from: formatQueryTime(pageFromMs), to: formatQueryTime(pageToMs), max });
  }
  return pages;
}

function compareOptional(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a - b;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
