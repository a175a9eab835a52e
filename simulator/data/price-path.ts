/**
 * The generated bid path of one market for one UTC day, in integer points, one tick every 5 s.
 *
 * Two layers keep random access cheap: a daily anchor (the day's opening bid) computed directly
 * from smooth value noise, so any day is reachable without walking from an epoch; and an intraday
 * random walk seeded by (epic, day) and bent into a Brownian bridge that ends on the next open
 * day's anchor, so consecutive days join without a gap. The walk only moves during the market's
 * open minutes; while closed the bid stays where it was.
 */
import { BoundedCache } from './bounded-cache';
import { type Market } from './markets';
import { hasOpenMinutes, openMinuteMask } from './opening-hours';
import { hashKey, hashUnit, Prng, type KeyHash } from './prng';
import { DAY_MS, MINUTES_PER_DAY } from './time';

export const TICK_MS = 5000;
export const TICKS_PER_MINUTE = 12;
export const TICKS_PER_DAY = MINUTES_PER_DAY * TICKS_PER_MINUTE;

/** A closed spell never lasts longer than this many days (long weekends included). */
const CLOSED_DAYS_MAX = 7;
const PATH_CACHE_DAYS = 256;

export interface DayPath {
  readonly day: number;
  /** Bid in points at each tick of the day. */
  readonly bid: Int32Array;
  /** 1 where the minute is inside a trading session. */
  readonly openMask: Uint8Array;
  readonly minuteOpen: Int32Array;
  readonly minuteHigh: Int32Array;
  readonly minuteLow: Int32Array;
  readonly minuteClose: Int32Array;
  /** Traded volume of each open minute (0 when closed). */
  readonly minuteVolume: Int32Array;
}

const marketKeys = new Map<string, KeyHash>();

export function marketKey(epic: string): KeyHash {
  let key = marketKeys.get(epic);
  if (!key) {
    key = hashKey('prices', epic);
    marketKeys.set(epic, key);
  }
  return key;
}

/** Smooth noise in [-1, 1]: random values at integer knots, smoothstep-interpolated between them. */
function valueNoise(key: KeyHash, octave: number, x: number): number {
  const knot = Math.floor(x);
  const fraction = x - knot;
  const left = 2 * hashUnit(key, knot, octave) - 1;
  const right = 2 * hashUnit(key, knot + 1, octave) - 1;
  const smooth = fraction * fraction * (3 - 2 * fraction);
  return left + (right - left) * smooth;
}

export function minimumPoints(market: Market): number {
  return Math.max(1, Math.floor(market.basePoints / 20));
}

/**
 * The raw anchor: base price times exp of slow, medium and fast noise plus a little daily jitter,
 * scaled by the market's volatility. Bounded around the base, so prices never drift away.
 */
function rawAnchorPoints(market: Market, day: number): number {
  const key = marketKey(market.epic);
  const vol = market.dailyVolatilityPct / 100;
  const exponent =
    2 * vol * valueNoise(key, 1, day / 5) +
    5 * vol * valueNoise(key, 2, day / 31) +
    10 * vol * valueNoise(key, 3, day / 173) +
    0.7 * vol * (2 * hashUnit(key, day, 4) - 1);
  return Math.max(minimumPoints(market), Math.round(market.basePoints * Math.exp(exponent)));
}

/** The bid a day starts with: the anchor of the first day, from this one on, that has a session. */
export function dayOpeningPoints(market: Market, day: number): number {
  for (let ahead = 0; ahead <= CLOSED_DAYS_MAX; ahead++) {
    if (hasOpenMinutes(market.sessions, day + ahead)) return rawAnchorPoints(market, day + ahead);
  }
  return rawAnchorPoints(market, day);
}

function generateDayPath(market: Market, day: number): DayPath {
  const openMask = openMinuteMask(market.sessions, day);
  const bid = new Int32Array(TICKS_PER_DAY);
  const start = dayOpeningPoints(market, day);
  const end = dayOpeningPoints(market, day + 1);

  let openTicks = 0;
  for (let minute = 0; minute < MINUTES_PER_DAY; minute++) if (openMask[minute] === 1) openTicks += TICKS_PER_MINUTE;

  if (openTicks === 0) {
    bid.fill(start);
  } else {
    const rng = Prng.fromKey('price-path', market.epic, day);
    const stepStd = (start * (market.dailyVolatilityPct / 100)) / Math.sqrt(openTicks);
    // First pass: the free walk W (integer points), stored in `bid`; the first tick stays at 0.
    let walk = 0;
    for (let tick = 1; tick < TICKS_PER_DAY; tick++) {
      if (openMask[Math.floor(tick / TICKS_PER_MINUTE)] === 1) walk += Math.round(stepStd * rng.fastNormal());
      bid[tick] = walk;
    }
    // Second pass: bend the walk so the last open tick lands on the next day's opening bid.
    const correction = end - start - walk;
    const floor = minimumPoints(market);
    let stepsSoFar = 0;
    const openSteps = openMask[0] === 1 ? openTicks - 1 : openTicks;
    for (let tick = 0; tick < TICKS_PER_DAY; tick++) {
      if (tick > 0 && openMask[Math.floor(tick / TICKS_PER_MINUTE)] === 1) stepsSoFar++;
      const bent = start + (bid[tick] ?? 0) + Math.round((stepsSoFar * correction) / Math.max(1, openSteps));
      bid[tick] = Math.max(floor, bent);
    }
  }

  const minuteOpen = new Int32Array(MINUTES_PER_DAY);
  const minuteHigh = new Int32Array(MINUTES_PER_DAY);
  const minuteLow = new Int32Array(MINUTES_PER_DAY);
  const minuteClose = new Int32Array(MINUTES_PER_DAY);
  const minuteVolume = new Int32Array(MINUTES_PER_DAY);
  const key = marketKey(market.epic);
  const firstMinute = day * MINUTES_PER_DAY;
  for (let minute = 0; minute < MINUTES_PER_DAY; minute++) {
    const first = minute * TICKS_PER_MINUTE;
    let high = bid[first] ?? 0;
    let low = high;
    for (let tick = first + 1; tick < first + TICKS_PER_MINUTE; tick++) {
      const value = bid[tick] ?? 0;
      if (value > high) high = value;
      if (value < low) low = value;
    }
    minuteOpen[minute] = bid[first] ?? 0;
    minuteHigh[minute] = high;
    minuteLow[minute] = low;
    minuteClose[minute] = bid[first + TICKS_PER_MINUTE - 1] ?? 0;
    minuteVolume[minute] = openMask[minute] === 1 ? 40 + Math.floor(200 * hashUnit(key, firstMinute + minute, 7)) : 0;
  }
  return { day, bid, openMask, minuteOpen, minuteHigh, minuteLow, minuteClose, minuteVolume };
}

const pathCache = new BoundedCache<string, DayPath>(PATH_CACHE_DAYS);

export function dayPath(market: Market, day: number): DayPath {
  return pathCache.getOrCompute(`${market.epic}:${day}`, () => generateDayPath(market, day));
}

export function tickIndexOf(ms: number, day: number): number {
  const tick = Math.floor((ms - day * DAY_MS) / TICK_MS);
  if (tick < 0 || tick >= TICKS_PER_DAY) throw new RangeError(`instant ${ms} is not inside day ${day}`);
  return tick;
}
