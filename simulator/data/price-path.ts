/**
 * The generated bid path of one market for one UTC day, in integer points.
 *
 * Three layers keep random access cheap: a daily anchor (the day's opening bid) computed directly
 * from smooth value noise, so any day is reachable without walking from an epoch; a minute-by-minute
 * random walk seeded by (epic, day) and bent into a Brownian bridge that ends on the next open
 * day's anchor, so consecutive days join without a gap; and 5-second ticks inside a minute, drawn
 * on demand from (epic, day, minute) within that minute's high and low. The walk only moves during
 * the market's open minutes; while closed the bid stays where it was.
 */
import { BoundedCache } from './bounded-cache';
import { type Market } from './markets';
import { hasOpenMinutes, openMinuteMask } from './opening-hours';
import { hashKey, hashUnit, Prng, type KeyHash } from './prng';
import { DAY_MS, MINUTE_MS, MINUTES_PER_DAY } from './time';

export const TICK_MS = 5000;
export const TICKS_PER_MINUTE = 12;

/** A closed spell never lasts longer than this many days (long weekends included). */
const CLOSED_DAYS_MAX = 7;
const PATH_CACHE_DAYS = 1024;
/** A minute's high and low reach beyond its open/close by about this fraction of a minute's move. */
const EXCURSION_PER_MINUTE_MOVE = 0.6;

/** One market's bid path for one UTC day, minute by minute (points). */
export interface DayPath {
  readonly day: number;
  /** 1 where the minute is inside a trading session. */
  readonly openMask: Uint8Array;
  /** Bid at the start of each minute, plus one more for the end of the day (1441 values). */
  readonly boundary: Int32Array;
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
  // Locals, not imported bindings, inside the hot loops (imports compile to property reads).
  const minutes = MINUTES_PER_DAY;
  const openMask = openMinuteMask(market.sessions, day);
  const boundary = new Int32Array(minutes + 1);
  const start = dayOpeningPoints(market, day);
  const end = dayOpeningPoints(market, day + 1);
  const floor = minimumPoints(market);

  let openMinutes = 0;
  for (let minute = 0; minute < minutes; minute++) if (openMask[minute] === 1) openMinutes++;

  const rng = Prng.fromKey('price-path', market.epic, day);
  const minuteStd = openMinutes > 0 ? (start * (market.dailyVolatilityPct / 100)) / Math.sqrt(openMinutes) : 0;
  if (openMinutes === 0) {
    boundary.fill(start);
  } else {
    // Uniform steps of a normal step's variance: one draw each, and hundreds of them add up to a normal day move.
    const uniformStep = minuteStd * Math.sqrt(3);
    let walk = 0;
    for (let minute = 0; minute < minutes; minute++) {
      if (openMask[minute] === 1) walk += Math.round(uniformStep * (2 * rng.float() - 1));
      boundary[minute + 1] = walk;
    }
    // Bend the walk (a Brownian bridge) so the end of the last open minute lands on the next day's opening bid.
    const correction = end - start - walk;
    let stepped = 0;
    boundary[0] = start;
    for (let minute = 0; minute < minutes; minute++) {
      if (openMask[minute] === 1) stepped++;
      const bent = start + (boundary[minute + 1] ?? 0) + Math.round((stepped * correction) / openMinutes);
      boundary[minute + 1] = bent > floor ? bent : floor;
    }
  }

  const minuteOpen = new Int32Array(minutes);
  const minuteHigh = new Int32Array(minutes);
  const minuteLow = new Int32Array(minutes);
  const minuteClose = new Int32Array(minutes);
  const minuteVolume = new Int32Array(minutes);
  const key = marketKey(market.epic);
  const firstMinute = day * minutes;
  const excursion = minuteStd * EXCURSION_PER_MINUTE_MOVE;
  for (let minute = 0; minute < minutes; minute++) {
    const open = boundary[minute] ?? 0;
    const close = boundary[minute + 1] ?? 0;
    minuteOpen[minute] = open;
    minuteClose[minute] = close;
    if (openMask[minute] === 1) {
      const up = Math.round(excursion * rng.float() * rng.float() * 2);
      const down = Math.round(excursion * rng.float() * rng.float() * 2);
      minuteHigh[minute] = Math.max(open, close) + up;
      minuteLow[minute] = Math.max(floor, Math.min(open, close) - down);
      minuteVolume[minute] = 40 + Math.floor(200 * hashUnit(key, firstMinute + minute, 7));
    } else {
      minuteHigh[minute] = open;
      minuteLow[minute] = open;
    }
  }
  return { day, openMask, boundary, minuteOpen, minuteHigh, minuteLow, minuteClose, minuteVolume };
}

const pathCache = new BoundedCache<string, DayPath>(PATH_CACHE_DAYS);

export function dayPath(market: Market, day: number): DayPath {
  return pathCache.getOrCompute(`${market.epic}:${day}`, () => generateDayPath(market, day));
}

/**
 * The bid at one 5-second tick of an open minute, drawn on demand from (epic, day, minute). The
 * first tick is the minute's open and the last its close; the high and the low are each touched
 * by one tick in between, and every other tick lies between them, so the ticks of a minute
 * aggregate to exactly its bar.
 */
export function tickPoints(market: Market, path: DayPath, minute: number, tick: number): number {
  const open = path.minuteOpen[minute] ?? 0;
  if (path.openMask[minute] !== 1 || tick <= 0) return open;
  const close = path.minuteClose[minute] ?? 0;
  if (tick >= TICKS_PER_MINUTE - 1) return close;
  const high = path.minuteHigh[minute] ?? 0;
  const low = path.minuteLow[minute] ?? 0;
  const key = marketKey(market.epic);
  const slot = path.day * MINUTES_PER_DAY + minute;
  // Two distinct inner ticks (1..10) carry the extremes; which comes first is part of the draw.
  const highTick = 1 + Math.floor(hashUnit(key, slot, 21) * (TICKS_PER_MINUTE - 2));
  const lowOffset = 1 + Math.floor(hashUnit(key, slot, 22) * (TICKS_PER_MINUTE - 3));
  const lowTick = 1 + ((highTick - 1 + lowOffset) % (TICKS_PER_MINUTE - 2));
  if (tick === highTick) return high;
  if (tick === lowTick) return low;
  return low + Math.round(hashUnit(key, slot * TICKS_PER_MINUTE + tick, 23) * (high - low));
}

export function minuteIndexOf(ms: number, day: number): number {
  const minute = Math.floor((ms - day * DAY_MS) / MINUTE_MS);
  if (minute < 0 || minute >= MINUTES_PER_DAY) throw new RangeError(`instant ${ms} is not inside day ${day}`);
  return minute;
}

/** Tick index (0..11) of the instant within its minute. */
export function tickInMinuteOf(ms: number): number {
  return Math.floor((((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS) / TICK_MS);
}
