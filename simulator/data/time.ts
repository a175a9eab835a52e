/**
 * UTC day arithmetic and the wire's timestamp formats. Internally every instant is epoch
 * milliseconds in UTC; platform-local wire fields are the UTC time shifted by the account's
 * `timezoneOffset` hours and printed without a zone, as the broker does.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const MINUTES_PER_DAY = 1440;

/** Longest range a single call may span (every loop over days is bounded by it). */
export const RANGE_DAYS_MAX = 3700;

/** Latest instant `Date#toISOString` prints with a four-digit year. */
const LATEST_PRINTABLE_MS = 253402300799999;

export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Days since 1970-01-01 (UTC) of the day containing `ms`. */
export function dayIndexOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function dayStartMs(dayIndex: number): number {
  return dayIndex * DAY_MS;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayNumber(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

export function weekdayOf(dayIndex: number): Weekday {
  return WEEKDAYS[weekdayNumber(dayIndex)] as Weekday;
}

/** The Monday (UTC) starting the week that contains the day. */
export function mondayOnOrBefore(dayIndex: number): number {
  return dayIndex - ((weekdayNumber(dayIndex) + 6) % 7);
}

/** First and one-past-last day index of the UTC calendar month containing the day. */
export function monthDays(dayIndex: number): { firstDay: number; endDay: number } {
  const date = new Date(dayStartMs(dayIndex));
  const first = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { firstDay: dayIndexOf(first), endDay: dayIndexOf(next) };
}

function assertPrintable(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > LATEST_PRINTABLE_MS) throw new RangeError(`instant out of range: ${ms}`);
}

/** `YYYY-MM-DDTHH:MM:SS.mmm` in UTC, no zone (`dateUtc`, `createdDateUTC`, …). */
export function wireUtc(ms: number): string {
  assertPrintable(ms);
  return new Date(ms).toISOString().slice(0, 23);
}

/** The same format, shifted to platform-local time (`date`, `createdDate`, …). */
export function wireLocal(ms: number, timezoneOffsetHours: number): string {
  return wireUtc(ms + timezoneOffsetHours * HOUR_MS);
}

/** `YYYY-MM-DDTHH:MM:SS`, no milliseconds (price bars' `snapshotTime`). */
export function wireSecondsUtc(ms: number): string {
  assertPrintable(ms);
  return new Date(ms).toISOString().slice(0, 19);
}

/** ISO-8601 with `Z`, for the company's own books. */
export function isoUtc(ms: number): string {
  assertPrintable(ms);
  return new Date(ms).toISOString();
}

/** `YYYYMMDD` of the UTC day, used in identifiers. */
export function compactDate(dayIndex: number): string {
  return new Date(dayStartMs(dayIndex)).toISOString().slice(0, 10).replaceAll('-', '');
}

/** `YYYY-MM-DD` of the UTC day. */
export function isoDate(dayIndex: number): string {
  return new Date(dayStartMs(dayIndex)).toISOString().slice(0, 10);
}

/** First and last UTC day touched by [fromMs, toMs); refuses ranges over `RANGE_DAYS_MAX` days. */
export function dayRange(fromMs: number, toMs: number): { firstDay: number; lastDay: number } {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) throw new RangeError('range bounds must be integer epoch milliseconds');
  const firstDay = dayIndexOf(fromMs);
  const lastDay = dayIndexOf(toMs - 1);
  if (lastDay - firstDay + 1 > RANGE_DAYS_MAX) throw new RangeError(`range spans more than ${RANGE_DAYS_MAX} days`);
  return { firstDay, lastDay };
}

/** The UTC days that [fromMs, toMs) touches, from `firstDayMin` on. */
export function* daysWithin(fromMs: number, toMs: number, firstDayMin: number): Generator<number, void, undefined> {
  if (toMs <= fromMs) return;
  const { firstDay, lastDay } = dayRange(fromMs, toMs);
  for (let day = Math.max(firstDay, firstDayMin); day <= lastDay; day++) yield day;
}

/**
 * The positions, in order, of the times in [fromMs, toMs) among `count` times in ascending order
 * (`timeAt(i)`): the first found by binary search, so a page of a busy day costs its own rows,
 * not the day's.
 */
export function* positionsWithin(count: number, timeAt: (i: number) => number, fromMs: number, toMs: number): Generator<number, void, undefined> {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (timeAt(middle) < fromMs) low = middle + 1;
    else high = middle;
  }
  for (let i = low; i < count && timeAt(i) < toMs; i++) yield i;
}
