import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRunTime, periodForScheduledRun, periodsFromTo, planBackfill, scheduledRunFor, type MonthlyRunTime } from '../../../lib/ledger/monthly-close';
import { PeriodError } from '../../../lib/ledger/windows';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const LONDON_0200: MonthlyRunTime = { dayOfMonth: 1, hour: 2, timeZone: 'Europe/London' };
const NOW = at('2026-11-24T06:00:00Z');

describe('the month a scheduled run reconciles', () => {
  test('a run early on the 1st reconciles the month before, by the local calendar, not UTC', () => {
    // 1 April 02:00 in London is 01:00 UTC (summer time): still March's close.
    assert.equal(periodForScheduledRun(at('2025-04-01T01:00:00Z'), 'Europe/London'), '2025-03');
    // 00:30 UTC on 1 January is still 31 December in New York: the run stands for December's month, so it reconciles November.
    assert.equal(periodForScheduledRun(at('2025-01-01T00:30:00Z'), 'America/New_York'), '2024-11');
    // 22:00 UTC on 31 January is already 1 February in Tokyo (UTC+9): January's close.
    assert.equal(periodForScheduledRun(at('2025-01-31T22:00:00Z'), 'Asia/Tokyo'), '2025-01');
    // And in UTC the same instant is still January, so it reconciles December.
    assert.equal(periodForScheduledRun(at('2025-01-31T22:00:00Z'), 'UTC'), '2024-12');
  });

  test('far east and far west of UTC (+14, -11): the zone decides the month', () => {
    assert.equal(periodForScheduledRun(at('2025-02-28T10:30:00Z'), 'Pacific/Kiritimati'), '2025-02', '1 March 00:30 local');
    assert.equal(periodForScheduledRun(at('2025-03-01T10:30:00Z'), 'Pacific/Pago_Pago'), '2025-01', '28 February 23:30 local');
  });

  test('the year turns: a January run reconciles December of the year before', () => {
    assert.equal(periodForScheduledRun(at('2026-01-01T02:00:00Z'), 'UTC'), '2025-12');
    assert.equal(periodForScheduledRun(at('2025-12-31T14:00:00Z'), 'Australia/Sydney'), '2025-12', '1 January 01:00 in Sydney');
  });

  test('an unknown zone is refused', () => {
    assert.throws(() => periodForScheduledRun(0, 'Mars/Olympus'), PeriodError);
  });
});

describe('when the schedule runs for a month', () => {
  test('02:00 on the 1st of the next month, in summer and winter time (London)', () => {
    assert.equal(iso(scheduledRunFor('2025-02', LONDON_0200)), '2025-03-01T02:00:00.000Z', 'GMT');
    assert.equal(iso(scheduledRunFor('2025-03', LONDON_0200)), '2025-04-01T01:00:00.000Z', 'BST, clocks went forward on 30 March');
    assert.equal(iso(scheduledRunFor('2025-10', LONDON_0200)), '2025-11-01T02:00:00.000Z', 'GMT again after 26 October');
  });

  test('December is run in January of the next year; southern-hemisphere summer time (Sydney)', () => {
    const sydney = { dayOfMonth: 1, hour: 2, timeZone: 'Australia/Sydney' };
    assert.equal(iso(scheduledRunFor('2025-12', sydney)), '2025-12-31T15:00:00.000Z', 'AEDT, UTC+11');
    assert.equal(iso(scheduledRunFor('2025-05', sydney)), '2025-05-31T16:00:00.000Z', 'AEST, UTC+10');
  });

  test('west of UTC the run is on the same UTC day or the next', () => {
    assert.equal(iso(scheduledRunFor('2025-01', { dayOfMonth: 3, hour: 23, timeZone: 'America/Los_Angeles' })), '2025-02-04T07:00:00.000Z');
  });

  test('every month, the run time maps back to the month it runs for', () => {
    for (const timeZone of ['Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      for (const period of periodsFromTo('2024-01', '2025-12')) {
        for (const runTime of [{ dayOfMonth: 1, hour: 0 }, { dayOfMonth: 1, hour: 23 }, { dayOfMonth: 28, hour: 12 }]) {
          assert.equal(periodForScheduledRun(scheduledRunFor(period, { ...runTime, timeZone }), timeZone), period, `${period} ${timeZone} ${JSON.stringify(runTime)}`);
        }
      }
    }
  });

  test('a run time that DST skipped is refused, with the month', () => {
    // Sydney moved to summer time at 02:00 on Sunday 1 October 2023: that 02:00 did not exist, so Temporal took no run for September.
    assert.throws(() => scheduledRunFor('2023-09', { dayOfMonth: 1, hour: 2, timeZone: 'Australia/Sydney' }), /did not exist in 2023-10/);
  });
});

describe('checking a run time when a schedule is created', () => {
  test('day 1-28 and hour 0-23 in a known zone pass, with the zone name corrected', () => {
    assert.deepEqual(checkRunTime({ dayOfMonth: 28, hour: 23, timeZone: 'europe/london' }, NOW), { dayOfMonth: 28, hour: 23, timeZone: 'Europe/London' });
  });

  test('a day some months lack, a bad hour or zone is refused', () => {
    assert.throws(() => checkRunTime({ ...LONDON_0200, dayOfMonth: 29 }, NOW), /1 to 28/);
    assert.throws(() => checkRunTime({ ...LONDON_0200, dayOfMonth: 0 }, NOW), /1 to 28/);
    assert.throws(() => checkRunTime({ ...LONDON_0200, hour: 24 }, NOW), /0 to 23/);
    assert.throws(() => checkRunTime({ ...LONDON_0200, timeZone: 'London' }, NOW), /unknown time zone/);
  });

  test('a local time DST skips on the chosen day (a month with no run) or repeats (two runs) is refused', () => {
    // The last Sunday of March 2027 is the 28th: 01:00 does not exist in London that day.
    assert.throws(() => checkRunTime({ dayOfMonth: 28, hour: 1, timeZone: 'Europe/London' }, NOW), /01:00 on day 28 in Europe\/London does not exist in 2027-03/);
    // The last Sunday of October 2029 is the 28th: 01:00 happens twice in London that day.
    assert.throws(() => checkRunTime({ dayOfMonth: 28, hour: 1, timeZone: 'Europe/London' }, at('2028-04-01T00:00:00Z')), /happens twice in 2029-10 \(clocks go back\), so a month would run twice/);
    // Sydney springs forward at 02:00 on the first Sunday of October, which is the 1st in 2028:
    // 02:00 on day 1 there would leave September 2028 without a run.
    assert.throws(() => checkRunTime({ dayOfMonth: 1, hour: 2, timeZone: 'Australia/Sydney' }, NOW), /02:00 on day 1 in Australia\/Sydney does not exist in 2028-10 \(clocks go forward\), so a month would have no run; choose another hour$/);
    assert.doesNotThrow(() => checkRunTime({ dayOfMonth: 1, hour: 4, timeZone: 'Australia/Sydney' }, NOW));
    assert.doesNotThrow(() => checkRunTime({ dayOfMonth: 1, hour: 2, timeZone: 'Europe/London' }, NOW));
  });
});

describe('planning a backfill', () => {
  test('one run per month, at its schedule time, inside the range and nothing else', () => {
    const plan = planBackfill({ from: '2025-01', to: '2025-06', runTime: LONDON_0200, nowMs: NOW });
    assert.deepEqual(
      plan.runs.map((run) => [run.period, iso(run.scheduledAtMs)]),
      [
        ['2025-01', '2025-02-01T02:00:00.000Z'],
        ['2025-02', '2025-03-01T02:00:00.000Z'],
        ['2025-03', '2025-04-01T01:00:00.000Z'],
        ['2025-04', '2025-05-01T01:00:00.000Z'],
        ['2025-05', '2025-06-01T01:00:00.000Z'],
        ['2025-06', '2025-07-01T01:00:00.000Z'],
      ],
    );
    assert.ok(plan.startMs < (plan.runs[0]?.scheduledAtMs ?? 0));
    assert.ok(plan.endMs > (plan.runs.at(-1)?.scheduledAtMs ?? 0));
    // The runs before and after are a month away: well outside the range.
    assert.ok(scheduledRunFor('2024-12', LONDON_0200) < plan.startMs);
    assert.ok(scheduledRunFor('2025-07', LONDON_0200) > plan.endMs);
  });

  test('a single month, and a range across the year end', () => {
    assert.deepEqual(planBackfill({ from: '2025-03', to: '2025-03', runTime: LONDON_0200, nowMs: NOW }).runs.map((r) => r.period), ['2025-03']);
    assert.deepEqual(periodsFromTo('2024-11', '2025-02'), ['2024-11', '2024-12', '2025-01', '2025-02']);
  });

  test('--from after --to is refused', () => {
    assert.throws(() => planBackfill({ from: '2025-06', to: '2025-01', runTime: LONDON_0200, nowMs: NOW }), /first month 2025-06 is after the last month 2025-01/);
  });

  test('a month that has not ended in the zone is refused, naming the latest one allowed', () => {
    assert.throws(() => planBackfill({ from: '2026-10', to: '2026-11', runTime: LONDON_0200, nowMs: NOW }), /2026-11 has not ended yet in Europe\/London; the latest month that can be reconciled is 2026-10/);
    assert.throws(() => planBackfill({ from: '2027-01', to: '2027-02', runTime: LONDON_0200, nowMs: NOW }), /has not ended/);
    // 30 November 23:30 UTC: November is over in Tokyo, not yet in London.
    const lateNovemberMs = at('2026-11-30T23:30:00Z');
    assert.equal(planBackfill({ from: '2026-11', to: '2026-11', runTime: { dayOfMonth: 1, hour: 2, timeZone: 'Asia/Tokyo' }, nowMs: lateNovemberMs }).runs.length, 1);
    assert.throws(() => planBackfill({ from: '2026-11', to: '2026-11', runTime: LONDON_0200, nowMs: lateNovemberMs }), /not ended/);
  });

  test('more than ten years at once is refused', () => {
    assert.throws(() => periodsFromTo('2000-01', '2025-01'), /at most 120/);
  });
});
