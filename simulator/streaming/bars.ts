import type { BarValues, Resolution } from './frames';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday; weekly bars start on Mondays (UTC), four days later. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  MINUTE: MINUTE_MS,
  MINUTE_5: 5 * MINUTE_MS,
  MINUTE_15: 15 * MINUTE_MS,
  MINUTE_30: 30 * MINUTE_MS,
  HOUR: 60 * MINUTE_MS,
  HOUR_4: 240 * MINUTE_MS,
  DAY: DAY_MS,
  WEEK: WEEK_MS,
};

/** Start (epoch ms, UTC) of the bar of `resolution` that contains `timeMs`. */
export function barStartMs(resolution: Resolution, timeMs: number): number {
  if (resolution === 'WEEK') return Math.floor((timeMs - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS;
  const lengthMs = RESOLUTION_MS[resolution];
  return Math.floor(timeMs / lengthMs) * lengthMs;
}

/**
 * A Heikin-Ashi bar from the classic bar and the one before it. True Heikin-Ashi opens from the
 * previous *Heikin-Ashi* bar, an unbounded recursion; the previous classic bar is a close, bounded
 * stand-in that is good enough for a simulator.
 */
export function heikinAshi(previous: BarValues, current: BarValues): BarValues {
  const c = roundPrice((current.o + current.h + current.l + current.c) / 4);
  const o = roundPrice((previous.o + previous.c) / 2);
  return { o, h: Math.max(current.h, o, c), l: Math.min(current.l, o, c), c };
}

/** Averages produce long binary tails (134.88250000000002); quotes carry at most a few decimals. */
function roundPrice(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
