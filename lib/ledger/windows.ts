/**
 * A reporting period (a calendar month in the account's time zone) cut into ingestion windows.
 *
 * The month is [local midnight of the 1st, local midnight of the 1st of the next month). Windows
 * tile it exactly, so every broker row of the month falls in exactly one window. When windowHours
 * divides 24, boundaries are local wall-clock times (midnight + k × windowHours), so a 24-hour
 * window on a DST change day is 23 or 25 real hours long and every window stays one local day.
 * Otherwise windows are fixed real-time spans from the period start, the last one cut short.
 */
import { DateTime, IANAZone } from 'luxon';

export interface PeriodWindow {
  index: number;
  fromMs: number;
  toMs: number;
  /** Local wall-clock start, e.g. `2025-03-30T00:00 Europe/London`. */
  label: string;
}

export interface PeriodWindows {
  period: string;
  timeZone: string;
  /** The period's first instant, ISO UTC with `Z`. */
  startUtc: string;
  /** The first instant after the period, ISO UTC with `Z`. */
  endUtc: string;
  startMs: number;
  endMs: number;
  windows: PeriodWindow[];
}

export interface PeriodWindowsRequest {
  /** `YYYY-MM`. */
  period: string;
  /** IANA zone, e.g. `Europe/London`. */
  timeZone: string;
  /** Default 24. */
  windowHours?: number;
  /** When given, a period that starts after this instant is refused. */
  nowMs?: number;
}

export class PeriodError extends Error {
  override name = 'PeriodError';
}

export const WINDOW_HOURS_DEFAULT = 24;
export const WINDOW_HOURS_MIN = 1;
/** 31 days: one window can cover the longest month. */
export const WINDOW_HOURS_MAX = 744;
/** 31 local days of 1-hour windows is 744; the bound leaves room and catches a runaway loop. */
const WINDOWS_MAX = 800;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
const YEAR_MIN = 1970;

export function periodWindows(request: PeriodWindowsRequest): PeriodWindows {
  const { year, month } = parsePeriod(request.period);
  const timeZone = checkTimeZone(request.timeZone);
  const windowHours = checkWindowHours(request.windowHours ?? WINDOW_HOURS_DEFAULT);

  const startMs = firstInstantOfLocalTime(timeZone, { year, month, day: 1, hour: 0 });
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  const endMs = firstInstantOfLocalTime(timeZone, { ...next, day: 1, hour: 0 });

  if (request.nowMs !== undefined) {
    if (!Number.isFinite(request.nowMs)) throw new PeriodError(`nowMs must be a finite epoch time, got ${request.nowMs}`);
    if (startMs > request.nowMs) {
      throw new PeriodError(`period ${request.period} in ${timeZone} starts ${isoUtc(startMs)}, after now (${isoUtc(request.nowMs)})`);
    }
  }

  const boundaries =
    24 % windowHours === 0
      ? wallClockBoundaries(timeZone, year, month, windowHours, startMs, endMs)
      : realTimeBoundaries(startMs, endMs, windowHours);
  const windows = toWindows(boundaries, timeZone);
  assertTiling(windows, startMs, endMs);

  return { period: request.period, timeZone, startUtc: isoUtc(startMs), endUtc: isoUtc(endMs), startMs, endMs, windows };
}

/** The `YYYY-MM` period that contains the instant, in the zone's calendar. */
export function periodOf(dateMs: number, timeZone: string): string {
  if (!Number.isFinite(dateMs)) throw new PeriodError(`dateMs must be a finite epoch time, got ${dateMs}`);
  return DateTime.fromMillis(dateMs, { zone: checkTimeZone(timeZone) }).toFormat('yyyy-MM');
}

/** The month before the one containing `nowMs`: what a monthly close schedule reconciles. */
export function previousPeriod(nowMs: number, timeZone: string): string {
  if (!Number.isFinite(nowMs)) throw new PeriodError(`nowMs must be a finite epoch time, got ${nowMs}`);
  const local = DateTime.fromMillis(nowMs, { zone: checkTimeZone(timeZone) });
  return local.startOf('month').minus({ months: 1 }).toFormat('yyyy-MM');
}

export function parsePeriod(period: string): { year: number; month: number } {
  const match = PERIOD_PATTERN.exec(typeof period === 'string' ? period : '');
  if (!match) throw new PeriodError(`period must be YYYY-MM (e.g. 2025-01), got '${String(period)}'`);
  const year = Number(match[1]);
  if (year < YEAR_MIN) throw new PeriodError(`period ${period} is before ${YEAR_MIN}`);
  return { year, month: Number(match[2]) };
}

/**
 * Returns the zone's name, with its case corrected when the caller wrote it in another case
 * (`europe/london` → `Europe/London`), so labels and ids do not depend on how it was typed.
 */
export function checkTimeZone(timeZone: string): string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '' || !IANAZone.isValidZone(timeZone)) {
    throw new PeriodError(`unknown time zone '${String(timeZone)}': expected an IANA name such as Europe/London`);
  }
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  // ICU may also rename zones (Asia/Kolkata ↔ Asia/Calcutta) depending on its version; only the case is taken.
  return resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
}

function checkWindowHours(windowHours: number): number {
  if (!Number.isInteger(windowHours) || windowHours < WINDOW_HOURS_MIN || windowHours > WINDOW_HOURS_MAX) {
    throw new PeriodError(`windowHours must be a whole number from ${WINDOW_HOURS_MIN} to ${WINDOW_HOURS_MAX}, got ${windowHours}`);
  }
  return windowHours;
}

/** Local midnight + k × windowHours on every day of the month, then the period end. */
function wallClockBoundaries(timeZone: string, year: number, month: number, windowHours: number, startMs: number, endMs: number): number[] {
  const daysInMonth = DateTime.utc(year, month, 1).daysInMonth ?? 31;
  const boundaries = [startMs];
  for (let day = 1; day <= daysInMonth; day += 1) {
    for (let hour = day === 1 ? windowHours : 0; hour < 24; hour += windowHours) {
      boundaries.push(firstInstantOfLocalTime(timeZone, { year, month, day, hour }));
    }
  }
  boundaries.push(endMs);
  // A wall-clock time skipped by a spring-forward resolves to the same instant as the next one;
  // the zero-length window between them is dropped.
  return boundaries.filter((ms, i) => i === 0 || ms !== boundaries[i - 1]);
}

function realTimeBoundaries(startMs: number, endMs: number, windowHours: number): number[] {
  const boundaries: number[] = [];
  for (let ms = startMs; ms < endMs && boundaries.length <= WINDOWS_MAX; ms += windowHours * HOUR_MS) boundaries.push(ms);
  boundaries.push(endMs);
  return boundaries;
}

function toWindows(boundaries: number[], timeZone: string): PeriodWindow[] {
  if (boundaries.length - 1 > WINDOWS_MAX) throw new PeriodError(`refusing to build ${boundaries.length - 1} windows (max ${WINDOWS_MAX})`);
  const windows: PeriodWindow[] = [];
  for (let index = 0; index + 1 < boundaries.length; index += 1) {
    const fromMs = boundaries[index] as number;
    const toMs = boundaries[index + 1] as number;
    windows.push({ index, fromMs, toMs, label: localLabel(fromMs, timeZone) });
  }
  return windows;
}

/** The invariant ingestion relies on: no gap, no overlap, nothing outside the period. */
function assertTiling(windows: PeriodWindow[], startMs: number, endMs: number): void {
  let expectedFromMs = startMs;
  for (const window of windows) {
    if (window.fromMs !== expectedFromMs || window.toMs <= window.fromMs) {
      throw new Error(`internal: window ${window.index} [${window.fromMs}, ${window.toMs}) breaks the tiling at ${expectedFromMs}`);
    }
    expectedFromMs = window.toMs;
  }
  if (expectedFromMs !== endMs || windows.length === 0) throw new Error(`internal: windows end at ${expectedFromMs}, period ends at ${endMs}`);
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
}

/**
 * The first instant whose local wall-clock time is `local`. When the time occurs twice (clocks go
 * back) the earlier one is taken, so the repeated hour stays inside the window it is labelled
 * with; when it does not occur (clocks go forward) the instant the clocks jump is taken.
 */
function firstInstantOfLocalTime(timeZone: string, local: LocalTime): number {
  const asIfUtcMs = Date.UTC(local.year, local.month - 1, local.day, local.hour);
  // Every offset the zone can have on that wall-clock time is in force within a day of it.
  const offsetsMinutes = new Set([-DAY_MS, 0, DAY_MS].map((shiftMs) => offsetMinutesAt(asIfUtcMs + shiftMs, timeZone)));
  let earliestMs: number | undefined;
  for (const offsetMinutes of offsetsMinutes) {
    const candidateMs = asIfUtcMs - offsetMinutes * 60_000;
    if (offsetMinutesAt(candidateMs, timeZone) !== offsetMinutes) continue;
    if (earliestMs === undefined || candidateMs < earliestMs) earliestMs = candidateMs;
  }
  if (earliestMs !== undefined) return earliestMs;
  // In a spring-forward gap luxon applies the offset from before the jump, which lands on the jump.
  return DateTime.fromObject(local, { zone: timeZone }).toMillis();
}

function offsetMinutesAt(epochMs: number, timeZone: string): number {
  return DateTime.fromMillis(epochMs, { zone: timeZone }).offset;
}

function localLabel(epochMs: number, timeZone: string): string {
  return `${DateTime.fromMillis(epochMs, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm")} ${timeZone}`;
}

function isoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
