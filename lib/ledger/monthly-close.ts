/**
 * The calendar of a monthly close schedule: when it runs, and which month each run reconciles.
 *
 * A schedule runs once a month at a local wall-clock time (day of month, hour) in the account's
 * zone, and every run reconciles the calendar month *before its scheduled time*, in that zone. The
 * scheduled time, not the clock, decides the month, so a late or backfilled run still reconciles
 * the month it stands for. Pure: callers pass `nowMs`.
 */
import { DateTime } from 'luxon';
import { checkTimeZone, parsePeriod, PeriodError, periodWindows, previousPeriod } from './windows';

export interface MonthlyRunTime {
  /** 1–28, so the day exists in every month and no month is skipped. */
  dayOfMonth: number;
  /** 0–23, local. */
  hour: number;
  /** IANA zone: the one the reconciled months are calendar months of. */
  timeZone: string;
}

export interface BackfillRun {
  period: string;
  /** The instant the schedule runs for `period`. */
  scheduledAtMs: number;
}

export interface BackfillPlan {
  runs: BackfillRun[];
  /** A time range that holds exactly the runs' scheduled times, with a minute's margin each side. */
  startMs: number;
  endMs: number;
}

export const DAY_OF_MONTH_MAX = 28;
/** Ten years of months: a larger backfill is almost certainly a typo. */
export const BACKFILL_MONTHS_MAX = 120;
/** How far ahead a run time is checked against the zone's DST rules. */
const RUN_TIME_CHECK_MONTHS = 120;
/** Temporal's backfill range is exclusive at one end: a margin on both sides keeps every run in it. */
const BACKFILL_MARGIN_MS = 60_000;
const DAY_MS = 86_400_000;

/** The month a run scheduled at `scheduledAtMs` reconciles: the calendar month before, in `timeZone`. */
export function periodForScheduledRun(scheduledAtMs: number, timeZone: string): string {
  return previousPeriod(scheduledAtMs, timeZone);
}

/** When the schedule runs for `period`: its day and hour, local, in the month after `period`. */
export function scheduledRunFor(period: string, runTime: MonthlyRunTime): number {
  const { year, month } = parsePeriod(period);
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  const local = { ...next, day: runTime.dayOfMonth, hour: runTime.hour };
  const instants = instantsOfLocalTime(checkTimeZone(runTime.timeZone), local);
  if (instants.length === 0) {
    throw new PeriodError(`${describeRunTime(runTime)} did not exist in ${formatMonth(next)} (clocks went forward), so the schedule takes no run for ${period}; reconcile that month directly`);
  }
  return instants[0] as number;
}

/**
 * Refuses a run time the schedule could not keep every month: a day that some months lack, an
 * hour out of range, an unknown zone, or a local time that DST skips (a month without a run) or
 * repeats (two runs) in the next ten years.
 */
export function checkRunTime(runTime: MonthlyRunTime, nowMs: number): MonthlyRunTime {
  if (!Number.isInteger(runTime.dayOfMonth) || runTime.dayOfMonth < 1 || runTime.dayOfMonth > DAY_OF_MONTH_MAX) {
    throw new PeriodError(`day of month must be 1 to ${DAY_OF_MONTH_MAX} (every month has it), got ${runTime.dayOfMonth}`);
  }
  if (!Number.isInteger(runTime.hour) || runTime.hour < 0 || runTime.hour > 23) throw new PeriodError(`hour must be 0 to 23, got ${runTime.hour}`);
  const timeZone = checkTimeZone(runTime.timeZone);
  const first = DateTime.fromMillis(nowMs, { zone: timeZone }).startOf('month');
  for (let i = 0; i < RUN_TIME_CHECK_MONTHS; i += 1) {
    const month = first.plus({ months: i });
    const count = instantsOfLocalTime(timeZone, { year: month.year, month: month.month, day: runTime.dayOfMonth, hour: runTime.hour }).length;
    if (count !== 1) {
      const what = count === 0 ? 'does not exist in MONTH (clocks go forward), so a month would have no run' : 'happens twice in MONTH (clocks go back), so a month would run twice';
      throw new PeriodError(`${describeRunTime({ ...runTime, timeZone })} ${what.replace('MONTH', formatMonth(month))}; choose another hour`);
    }
  }
  return { ...runTime, timeZone };
}

/** Every month from `from` to `to`, both included. */
export function periodsFromTo(from: string, to: string): string[] {
  const first = parsePeriod(from);
  const last = parsePeriod(to);
  const count = (last.year - first.year) * 12 + (last.month - first.month) + 1;
  if (count < 1) throw new PeriodError(`the first month ${from} is after the last month ${to}`);
  if (count > BACKFILL_MONTHS_MAX) throw new PeriodError(`${from} to ${to} is ${count} months; at most ${BACKFILL_MONTHS_MAX} at a time`);
  return Array.from({ length: count }, (_, i) => {
    const index = first.year * 12 + (first.month - 1) + i;
    return formatMonth({ year: Math.floor(index / 12), month: (index % 12) + 1 });
  });
}

/**
 * The runs a backfill of `from`..`to` takes, and a time range holding exactly their scheduled
 * times. Months that have not ended in the zone are refused: their data is not final.
 */
export function planBackfill(request: { from: string; to: string; runTime: MonthlyRunTime; nowMs: number }): BackfillPlan {
  const timeZone = checkTimeZone(request.runTime.timeZone);
  const lastEndMs = periodWindows({ period: request.to, timeZone, windowHours: 24 }).endMs;
  if (lastEndMs > request.nowMs) {
    const latest = previousPeriod(request.nowMs, timeZone);
    throw new PeriodError(`${request.to} has not ended yet in ${timeZone}; the latest month that can be reconciled is ${latest}`);
  }
  const periods = periodsFromTo(request.from, request.to);
  const runs = periods.map((period) => ({ period, scheduledAtMs: scheduledRunFor(period, { ...request.runTime, timeZone }) }));
  return { runs, startMs: (runs[0] as BackfillRun).scheduledAtMs - BACKFILL_MARGIN_MS, endMs: (runs.at(-1) as BackfillRun).scheduledAtMs + BACKFILL_MARGIN_MS };
}

export function describeRunTime(runTime: MonthlyRunTime): string {
  return `${String(runTime.hour).padStart(2, '0')}:00 on day ${runTime.dayOfMonth} in ${runTime.timeZone}`;
}

/**
 * Every instant whose local wall-clock time in `timeZone` is `local`, earliest first: none when
 * clocks jump over it, two when they go back over it.
 */
function instantsOfLocalTime(timeZone: string, local: { year: number; month: number; day: number; hour: number }): number[] {
  const asIfUtcMs = Date.UTC(local.year, local.month - 1, local.day, local.hour);
  // Every offset the zone can have at that wall-clock time is in force within a day of it.
  const offsetsMinutes = new Set([-DAY_MS, 0, DAY_MS].map((shiftMs) => DateTime.fromMillis(asIfUtcMs + shiftMs, { zone: timeZone }).offset));
  const instants: number[] = [];
  for (const offsetMinutes of offsetsMinutes) {
    const candidateMs = asIfUtcMs - offsetMinutes * 60_000;
    if (DateTime.fromMillis(candidateMs, { zone: timeZone }).offset === offsetMinutes) instants.push(candidateMs);
  }
  return instants.sort((a, b) => a - b);
}

function formatMonth(month: { year: number; month: number }): string {
  return `${month.year}-${String(month.month).padStart(2, '0')}`;
}
