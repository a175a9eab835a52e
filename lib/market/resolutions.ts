/**
 * The eight bar resolutions of the broker (REFERENCE §7.4, §8) and the UTC buckets they cut time
 * into. A bucket is the half-open span [startMs, startMs + lengthMs); every instant lies in exactly
 * one bucket per resolution.
 *
 * Alignment (our choice; the broker documents none):
 * - MINUTE … HOUR_4 are aligned to the Unix epoch. Each length divides a day, so HOUR_4 buckets
 *   start at 00:00, 04:00, … 20:00 UTC.
 * - DAY buckets start at 00:00 UTC, not at a market's session open.
 * - WEEK buckets start on Monday 00:00 UTC (ISO 8601 weeks), as the simulator's weekly bars do.
 *   1970-01-01 was a Thursday, so the grid is anchored four days later, on 1970-01-05.
 * UTC has no daylight saving, so every bucket of a resolution has the same length.
 */
import { isResolution, RESOLUTION_MS, RESOLUTIONS, type Resolution } from '../capital/vocabulary';

export { isResolution, RESOLUTIONS, type Resolution };

/** 9999-12-31T23:59:59.999Z: the last instant the broker's four-digit-year time text can express. */
export const MARKET_TIME_MS_MAX = 253_402_300_799_999;

const DAY_MS = 86_400_000;
/** 1970-01-05T00:00:00Z, the first Monday after the epoch. */
const WEEK_ANCHOR_MS = 4 * DAY_MS;
/** 1969-12-29T00:00:00Z, the Monday that starts the week holding the epoch. */
const FIRST_WEEK_START_MS = WEEK_ANCHOR_MS - 7 * DAY_MS;
/** A list may repeat names (they are folded), but not without end. */
const RESOLUTIONS_LISTED_MAX = 64;

export class ResolutionError extends Error {
  override name = 'ResolutionError';
}

/** A known resolution, or `ResolutionError` naming the value (its type only, when it is not text). */
export function parseResolution(value: unknown): Resolution {
  if (typeof value !== 'string') throw new ResolutionError(`a resolution must be text, got ${value === null ? 'null' : typeof value}`);
  if (!isResolution(value)) throw new ResolutionError(`unknown resolution '${value.slice(0, 32)}'; expected one of ${RESOLUTIONS.join(', ')}`);
  return value;
}

/**
 * A non-empty list of resolutions → each once, in `RESOLUTIONS` order (MINUTE first), so callers
 * that list them differently get the same bars in the same order.
 */
export function parseResolutions(values: readonly unknown[]): Resolution[] {
  if (values.length === 0) throw new ResolutionError('at least one resolution is required');
  if (values.length > RESOLUTIONS_LISTED_MAX) throw new ResolutionError(`at most ${RESOLUTIONS_LISTED_MAX} resolutions may be listed, got ${values.length}`);
  const wanted = new Set(values.map(parseResolution));
  return RESOLUTIONS.filter((resolution) => wanted.has(resolution));
}

export function resolutionLengthMs(resolution: Resolution): number {
  return RESOLUTION_MS[resolution];
}

/** Whether `atMs` is an instant we handle: a whole number of ms in [0, MARKET_TIME_MS_MAX]. */
export function isMarketTimeMs(atMs: number): boolean {
  return Number.isSafeInteger(atMs) && atMs >= 0 && atMs <= MARKET_TIME_MS_MAX;
}

export function assertMarketTimeMs(atMs: number, what: string): void {
  if (!isMarketTimeMs(atMs)) throw new ResolutionError(`${what} must be whole epoch ms in [0, ${MARKET_TIME_MS_MAX}], got ${String(atMs)}`);
}

/**
 * Start (UTC epoch ms) of the bucket of `resolution` holding `atMs`. The first WEEK bucket starts
 * on 1969-12-29, before the epoch, so a WEEK start may be negative.
 */
export function bucketStartMs(resolution: Resolution, atMs: number): number {
  assertMarketTimeMs(atMs, 'the instant');
  const lengthMs = resolutionLengthMs(resolution);
  const anchorMs = resolution === 'WEEK' ? WEEK_ANCHOR_MS : 0;
  return Math.floor((atMs - anchorMs) / lengthMs) * lengthMs + anchorMs;
}

/** The first instant after the bucket starting at `startMs` (exclusive end). */
export function bucketEndMs(resolution: Resolution, startMs: number): number {
  assertBucketStartMs(resolution, startMs);
  return startMs + resolutionLengthMs(resolution);
}

export function isBucketStartMs(resolution: Resolution, startMs: number): boolean {
  if (!Number.isSafeInteger(startMs)) return false;
  const anchorMs = resolution === 'WEEK' ? WEEK_ANCHOR_MS : 0;
  const firstStartMs = resolution === 'WEEK' ? FIRST_WEEK_START_MS : 0;
  if (startMs < firstStartMs || startMs > MARKET_TIME_MS_MAX) return false;
  return (startMs - anchorMs) % resolutionLengthMs(resolution) === 0;
}

export function assertBucketStartMs(resolution: Resolution, startMs: number): void {
  if (!isBucketStartMs(resolution, startMs)) throw new ResolutionError(`${String(startMs)} is not the start of a ${resolution} bucket`);
}
