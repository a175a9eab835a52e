/**
 * The broker's time formats. Query bounds are `YYYY-MM-DDTHH:MM:SS` in UTC with no zone; rows carry
 * `YYYY-MM-DDTHH:MM:SS.mmm` UTC fields (`dateUtc`, `dateUTC`, `snapshotTimeUTC`) with no zone.
 */

/** Up to nanoseconds, as the response schemas accept (a Java backend may print them); kept to milliseconds. */
const BROKER_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** A UTC instant → the broker's query format, rounded down to the second. */
export function formatQueryTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19);
}

/** A UTC instant → the broker's row format with milliseconds. */
export function formatBrokerTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23);
}

/** The broker's zone-less UTC text → epoch milliseconds; undefined when it is not that format. */
export function parseBrokerUtc(text: string): number | undefined {
  const match = BROKER_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  const epochMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number((ms ?? '0').slice(0, 3).padEnd(3, '0')));
  const roundTrip = new Date(epochMs);
  // Reject impossible dates that Date.UTC would roll over (2025-02-30).
  if (roundTrip.getUTCDate() !== Number(d) || roundTrip.getUTCMonth() !== Number(mo) - 1) return undefined;
  return epochMs;
}

export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

/** [fromMs, toMs) cut into consecutive windows of at most `maxSpanMs`: no gap, no overlap. */
export function splitWindow(window: TimeWindow, maxSpanMs: number): TimeWindow[] {
  if (!(maxSpanMs > 0)) throw new Error(`maxSpanMs must be positive, got ${maxSpanMs}`);
  if (window.toMs <= window.fromMs) return [];
  const count = Math.ceil((window.toMs - window.fromMs) / maxSpanMs);
  if (count > 100_000) throw new Error(`refusing to split into ${count} windows`);
  const windows: TimeWindow[] = [];
  for (let start = window.fromMs; start < window.toMs; start += maxSpanMs) {
    windows.push({ fromMs: start, toMs: Math.min(start + maxSpanMs, window.toMs) });
  }
  return windows;
}

/**
 * Query bounds covering [fromMs, toMs) at the broker's one-second precision: `from` rounded down,
 * `to` rounded up. The caller keeps only rows inside the exact window, so rows on a boundary are
 * neither lost nor counted twice whether the broker treats bounds as inclusive or not.
 */
export function queryBounds(window: TimeWindow): { from: string; to: string } {
  return { from: formatQueryTime(window.fromMs), to: formatQueryTime(Math.ceil(window.toMs / 1000) * 1000) };
}

export function insideWindow(epochMs: number, window: TimeWindow): boolean {
  return epochMs >= window.fromMs && epochMs < window.toMs;
}
