/**
 * Deterministic prices: quotes at any instant and OHLC bars at the eight REST resolutions, all cut
 * from the same bid path (`price-path.ts`), so bars agree with each other and with quotes: a bar's
 * open is the quote at its start, its close the last 5-second tick inside it, every quote lies
 * within its minute's high and low, and every coarser bar is exactly the aggregate of the minute
 * bars it covers. The offer is always bid + the market's constant spread. Bars exist only for
 * minutes inside a trading session. The resolution names come from the client's shared vocabulary.
 */
import { isResolution, RESOLUTION_MS, RESOLUTIONS, type Resolution } from '../../lib/capital/vocabulary';
import { hashUnit } from './prng';
import { marketByEpic, type Market } from './markets';
import { dayOpeningPoints, dayPath, marketKey, minuteIndexOf, tickInMinuteOf, tickPoints, TICK_MS } from './price-path';
import { dayIndexOf, dayStartMs, HOUR_MS, MINUTE_MS, MINUTES_PER_DAY, mondayOnOrBefore, wireSecondsUtc } from './time';
import { pointsNumber } from './wire-numbers';

export { RESOLUTIONS, isResolution, type Resolution };

/** Refuse requests that would aggregate more bars than this; the REST API itself returns at most 1000. */
export const BAR_SLOTS_MAX = 200_000;

export function resolutionMs(resolution: Resolution): number {
  return RESOLUTION_MS[resolution];
}

/** A quote in points, for arithmetic. */
export interface QuotePoints {
  bidPoints: number;
  ofrPoints: number;
}

/** A quote as the WebSocket `quote` payload carries it (JSON numbers, exact to the market's decimals). */
export interface Quote {
  epic: string;
  timestamp: number;
  bid: number;
  bidQty: number;
  ofr: number;
  ofrQty: number;
}

export function quotePointsAt(market: Market, atMs: number): QuotePoints {
  const day = dayIndexOf(atMs);
  const bidPoints = tickPoints(market, dayPath(market, day), minuteIndexOf(atMs, day), tickInMinuteOf(atMs));
  return { bidPoints, ofrPoints: bidPoints + market.spreadPoints };
}

export function quoteAt(epic: string, atMs: number): Quote {
  const market = marketByEpic(epic);
  const { bidPoints, ofrPoints } = quotePointsAt(market, atMs);
  const tick = Math.floor(atMs / TICK_MS);
  const key = marketKey(epic);
  return {
    epic,
    timestamp: atMs,
    bid: pointsNumber(bidPoints, market.decimals),
    bidQty: 100 * (1 + Math.floor(50 * hashUnit(key, tick, 11))),
    ofr: pointsNumber(ofrPoints, market.decimals),
    ofrQty: 100 * (1 + Math.floor(50 * hashUnit(key, tick, 12))),
  };
}

export interface PriceLevel {
  bid: number;
  ask: number;
}

/** One element of `GET /prices/{epic}`'s `prices` array. */
export interface PriceBar {
  snapshotTime: string;
  snapshotTimeUTC: string;
  openPrice: PriceLevel;
  closePrice: PriceLevel;
  highPrice: PriceLevel;
  lowPrice: PriceLevel;
  lastTradedVolume: number;
}

/** A bar in points (bid side), for tests and internal use. */
export interface BarPoints {
  startMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Start of the first bar starting at or after `ms`. Sub-weekly bars align to UTC; weeks start Monday 00:00 UTC. */
function firstBarStartAtOrAfter(resolution: Resolution, ms: number): number {
  const size = RESOLUTION_MS[resolution];
  if (resolution === 'WEEK') {
    const monday = dayStartMs(mondayOnOrBefore(dayIndexOf(ms)));
    return monday >= ms ? monday : monday + size;
  }
  return Math.ceil(ms / size) * size;
}

/** Aggregates the open minutes in [startMs, endMs); undefined when the market never traded in it. */
function aggregate(market: Market, startMs: number, endMs: number): BarPoints | undefined {
  let bar: BarPoints | undefined;
  for (let day = dayIndexOf(startMs); dayStartMs(day) < endMs; day++) {
    const path = dayPath(market, day);
    const fromMinute = Math.max(0, Math.floor((startMs - dayStartMs(day)) / MINUTE_MS));
    const toMinute = Math.min(MINUTES_PER_DAY, Math.ceil((endMs - dayStartMs(day)) / MINUTE_MS));
    for (let minute = fromMinute; minute < toMinute; minute++) {
      if (path.openMask[minute] !== 1) continue;
      const high = path.minuteHigh[minute] ?? 0;
      const low = path.minuteLow[minute] ?? 0;
      const close = path.minuteClose[minute] ?? 0;
      const volume = path.minuteVolume[minute] ?? 0;
      if (!bar) {
        bar = { startMs, open: path.minuteOpen[minute] ?? 0, high, low, close, volume };
      } else {
        if (high > bar.high) bar.high = high;
        if (low < bar.low) bar.low = low;
        bar.close = close;
        bar.volume += volume;
      }
    }
  }
  return bar;
}

/** Bars (bid side, points) whose start lies in [fromMs, toMs), skipping periods with no session. */
export function barPoints(epic: string, resolution: Resolution, fromMs: number, toMs: number): BarPoints[] {
  const market = marketByEpic(epic);
  const size = RESOLUTION_MS[resolution];
  const first = firstBarStartAtOrAfter(resolution, fromMs);
  const slots = first < toMs ? Math.ceil((toMs - first) / size) : 0;
  if (slots > BAR_SLOTS_MAX) throw new RangeError(`${slots} ${resolution} bars requested; at most ${BAR_SLOTS_MAX}`);
  const bars: BarPoints[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const start = first + slot * size;
    const bar = aggregate(market, start, start + size);
    if (bar) bars.push(bar);
  }
  return bars;
}

/**
 * `GET /prices/{epic}` bars whose start lies in [fromMs, toMs) (half-open; the REST layer turns its
 * inclusive `to` into `to + 1 ms`). `snapshotTime` is platform-local (UTC + offset), without
 * milliseconds, as in the official examples.
 */
export function bars(epic: string, resolution: Resolution, fromMs: number, toMs: number, options: { timezoneOffsetHours?: number } = {}): PriceBar[] {
  const market = marketByEpic(epic);
  const offsetMs = (options.timezoneOffsetHours ?? 0) * HOUR_MS;
  const level = (points: number): PriceLevel => ({
    bid: pointsNumber(points, market.decimals),
    ask: pointsNumber(points + market.spreadPoints, market.decimals),
  });
  return barPoints(epic, resolution, fromMs, toMs).map((bar) => ({
    snapshotTime: wireSecondsUtc(bar.startMs + offsetMs),
    snapshotTimeUTC: wireSecondsUtc(bar.startMs),
    openPrice: level(bar.open),
    closePrice: level(bar.close),
    highPrice: level(bar.high),
    lowPrice: level(bar.low),
    lastTradedVolume: bar.volume,
  }));
}

/** The day so far at an instant: current quote, today's high and low (bid), and the day's opening bid. */
export interface DayStatsPoints extends QuotePoints {
  highPoints: number;
  lowPoints: number;
  dayOpenPoints: number;
  open: boolean;
}

export function dayStatsAt(market: Market, atMs: number): DayStatsPoints {
  const day = dayIndexOf(atMs);
  const path = dayPath(market, day);
  const currentMinute = minuteIndexOf(atMs, day);
  const currentTick = tickInMinuteOf(atMs);
  const bidPoints = tickPoints(market, path, currentMinute, currentTick);
  let high = bidPoints;
  let low = bidPoints;
  for (let minute = 0; minute < currentMinute; minute++) {
    if (path.openMask[minute] !== 1) continue;
    high = Math.max(high, path.minuteHigh[minute] ?? 0);
    low = Math.min(low, path.minuteLow[minute] ?? 0);
  }
  if (path.openMask[currentMinute] === 1) {
    for (let tick = 0; tick < currentTick; tick++) {
      const value = tickPoints(market, path, currentMinute, tick);
      if (value > high) high = value;
      if (value < low) low = value;
    }
  }
  return {
    bidPoints,
    ofrPoints: bidPoints + market.spreadPoints,
    highPoints: high,
    lowPoints: low,
    dayOpenPoints: dayOpeningPoints(market, day),
    open: path.openMask[currentMinute] === 1,
  };
}
