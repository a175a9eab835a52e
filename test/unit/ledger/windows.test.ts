import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PeriodError, periodOf, periodWindows, previousPeriod, type PeriodWindows } from '../../../lib/ledger/windows';

const HOUR_MS = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const hoursOf = (window: { fromMs: number; toMs: number }) => (window.toMs - window.fromMs) / HOUR_MS;
const ZONES = ['Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'];
const MONTHS_2024_2025 = [2024, 2025].flatMap((year) => Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`));

function assertTiles(result: PeriodWindows): void {
  const { windows, startMs, endMs } = result;
  assert.ok(windows.length > 0);
  assert.equal(windows[0]?.fromMs, startMs, `${result.period} ${result.timeZone}: first window starts the period`);
  assert.equal(windows.at(-1)?.toMs, endMs, `${result.period} ${result.timeZone}: last window ends the period`);
  let lengthMs = 0;
  windows.forEach((window, i) => {
    assert.equal(window.index, i);
    assert.ok(window.toMs > window.fromMs, `window ${i} is not empty`);
    if (i > 0) assert.equal(window.fromMs, windows[i - 1]?.toMs, `window ${i} starts where ${i - 1} ends`);
    lengthMs += window.toMs - window.fromMs;
  });
  assert.equal(lengthMs, endMs - startMs, 'window lengths add up to the period');
  assert.equal(new Date(startMs).toISOString(), result.startUtc);
  assert.equal(new Date(endMs).toISOString(), result.endUtc);
}

describe('period windows tile every month exactly', () => {
  test('every month of 2024–2025 in five zones, at 24 h and 6 h: no gap, no overlap, lengths add up', () => {
    for (const timeZone of ZONES) {
      for (const period of MONTHS_2024_2025) {
        for (const windowHours of [24, 6]) {
          const result = periodWindows({ period, timeZone, windowHours });
          assertTiles(result);
          // Next month starts where this one ends, so consecutive periods tile too.
          const [year, month] = period.split('-').map(Number) as [number, number];
          const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
          assert.equal(periodWindows({ period: next, timeZone, windowHours }).startMs, result.endMs, `${period} → ${next} in ${timeZone}`);
        }
      }
    }
  });

  test('daily windows: one per local day, each starting at local midnight', () => {
    for (const timeZone of ZONES) {
      for (const period of MONTHS_2024_2025) {
        const result = periodWindows({ period, timeZone });
        const days = new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).getUTCDate();
        assert.equal(result.windows.length, days, `${period} ${timeZone}`);
        result.windows.forEach((window, i) => {
          assert.equal(window.label, `${period}-${String(i + 1).padStart(2, '0')}T00:00 ${timeZone}`);
        });
      }
    }
  });

  test('period bounds are local midnights: London in winter and summer, Tokyo and Sydney east of UTC, New York west', () => {
    const cases: Array<[string, string, string, string]> = [
      ['2025-01', 'Europe/London', '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'],
      ['2025-07', 'Europe/London', '2025-06-30T23:00:00.000Z', '2025-07-31T23:00:00.000Z'],
      ['2025-03', 'Europe/London', '2025-03-01T00:00:00.000Z', '2025-03-31T23:00:00.000Z'],
      ['2025-01', 'America/New_York', '2025-01-01T05:00:00.000Z', '2025-02-01T05:00:00.000Z'],
      ['2025-01', 'Asia/Tokyo', '2024-12-31T15:00:00.000Z', '2025-01-31T15:00:00.000Z'],
      ['2025-01', 'Australia/Sydney', '2024-12-31T13:00:00.000Z', '2025-01-31T13:00:00.000Z'],
      ['2025-07', 'Australia/Sydney', '2025-06-30T14:00:00.000Z', '2025-07-31T14:00:00.000Z'],
      ['2025-01', 'UTC', '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'],
    ];
    for (const [period, timeZone, startUtc, endUtc] of cases) {
      const result = periodWindows({ period, timeZone });
      assert.deepEqual([result.startUtc, result.endUtc], [startUtc, endUtc], `${period} ${timeZone}`);
    }
  });

  test('month lengths: 31, 30, 28 and the leap day 2024-02-29', () => {
    assert.equal(periodWindows({ period: '2025-01', timeZone: 'UTC' }).windows.length, 31);
    assert.equal(periodWindows({ period: '2025-04', timeZone: 'UTC' }).windows.length, 30);
    assert.equal(periodWindows({ period: '2025-02', timeZone: 'UTC' }).windows.length, 28);
    const leap = periodWindows({ period: '2024-02', timeZone: 'Europe/London' });
    assert.equal(leap.windows.length, 29);
    assert.deepEqual(leap.windows.at(-1), { index: 28, fromMs: at('2024-02-29T00:00:00Z'), toMs: at('2024-03-01T00:00:00Z'), label: '2024-02-29T00:00 Europe/London' });
  });
});

describe('DST change days', () => {
  const dstDays: Array<[string, string, string, number]> = [
    ['2025-03', 'Europe/London', '2025-03-30', 23],
    ['2025-10', 'Europe/London', '2025-10-26', 25],
    ['2025-03', 'America/New_York', '2025-03-09', 23],
    ['2025-11', 'America/New_York', '2025-11-02', 25],
    ['2025-04', 'Australia/Sydney', '2025-04-06', 25],
    ['2025-10', 'Australia/Sydney', '2025-10-05', 23],
    ['2024-03', 'Europe/London', '2024-03-31', 23],
    ['2024-04', 'Australia/Sydney', '2024-04-07', 25],
  ];

  test('a 24 h window on a DST change day is 23 or 25 real hours; every other day is 24', () => {
    for (const [period, timeZone, day, hours] of dstDays) {
      const { windows } = periodWindows({ period, timeZone, windowHours: 24 });
      for (const window of windows) {
        const expected = window.label.startsWith(day) ? hours : 24;
        assert.equal(hoursOf(window), expected, `${window.label}`);
      }
      assert.ok(windows.some((window) => window.label.startsWith(day)));
    }
  });

  test('zones without DST (Tokyo, UTC) have only 24 h days', () => {
    for (const timeZone of ['Asia/Tokyo', 'UTC']) {
      for (const period of MONTHS_2024_2025) {
        for (const window of periodWindows({ period, timeZone }).windows) assert.equal(hoursOf(window), 24, window.label);
      }
    }
  });

  test('6 h windows keep local boundaries at 00, 06, 12, 18: London spring forward', () => {
    const { windows } = periodWindows({ period: '2025-03', timeZone: 'Europe/London', windowHours: 6 });
    const day = windows.filter((window) => window.label.startsWith('2025-03-30'));
    assert.deepEqual(
      day.map((window) => [window.label, new Date(window.fromMs).toISOString(), hoursOf(window)]),
      [
        ['2025-03-30T00:00 Europe/London', '2025-03-30T00:00:00.000Z', 5],
        ['2025-03-30T06:00 Europe/London', '2025-03-30T05:00:00.000Z', 6],
        ['2025-03-30T12:00 Europe/London', '2025-03-30T11:00:00.000Z', 6],
        ['2025-03-30T18:00 Europe/London', '2025-03-30T17:00:00.000Z', 6],
      ],
    );
  });

  test('6 h windows: London fall back puts the repeated hour in the 00:00 window', () => {
    const { windows } = periodWindows({ period: '2025-10', timeZone: 'Europe/London', windowHours: 6 });
    const day = windows.filter((window) => window.label.startsWith('2025-10-26'));
    assert.deepEqual(
      day.map((window) => [window.label, new Date(window.fromMs).toISOString(), hoursOf(window)]),
      [
        ['2025-10-26T00:00 Europe/London', '2025-10-25T23:00:00.000Z', 7],
        ['2025-10-26T06:00 Europe/London', '2025-10-26T06:00:00.000Z', 6],
        ['2025-10-26T12:00 Europe/London', '2025-10-26T12:00:00.000Z', 6],
        ['2025-10-26T18:00 Europe/London', '2025-10-26T18:00:00.000Z', 6],
      ],
    );
  });

  test('6 h windows: New York, Sydney; every label is one of the four local boundaries', () => {
    for (const [period, timeZone, day, hours] of dstDays) {
      const { windows } = periodWindows({ period, timeZone, windowHours: 6 });
      assert.equal(windows.length, 4 * windows.filter((window) => window.label.slice(11, 16) === '00:00').length);
      for (const window of windows) assert.match(window.label, /T(00|06|12|18):00 /, window.label);
      const dayHours = windows.filter((window) => window.label.startsWith(day)).reduce((total, window) => total + hoursOf(window), 0);
      assert.equal(dayHours, hours, `${day} ${timeZone}`);
    }
    const sydneyApril = periodWindows({ period: '2025-04', timeZone: 'Australia/Sydney', windowHours: 6 }).windows;
    // Clocks go back at 03:00 AEDT → 02:00 AEST: the 00:00 window holds 7 real hours.
    const firstOfChangeDay = sydneyApril.find((window) => window.label === '2025-04-06T00:00 Australia/Sydney');
    assert.deepEqual(firstOfChangeDay && [new Date(firstOfChangeDay.fromMs).toISOString(), hoursOf(firstOfChangeDay)], ['2025-04-05T13:00:00.000Z', 7]);
  });

  test('1 h windows: the skipped hour is absent, the repeated hour is one 2 h window labelled 01:00', () => {
    const march = periodWindows({ period: '2025-03', timeZone: 'America/New_York', windowHours: 1 });
    assertTiles(march);
    assert.equal(march.windows.length, 31 * 24 - 1);
    assert.ok(!march.windows.some((window) => window.label === '2025-03-09T02:00 America/New_York'));
    assert.ok(march.windows.every((window) => hoursOf(window) === 1));

    const november = periodWindows({ period: '2025-11', timeZone: 'America/New_York', windowHours: 1 });
    assertTiles(november);
    assert.equal(november.windows.length, 30 * 24);
    const repeated = november.windows.find((window) => window.label === '2025-11-02T01:00 America/New_York');
    assert.deepEqual(repeated && [new Date(repeated.fromMs).toISOString(), hoursOf(repeated)], ['2025-11-02T05:00:00.000Z', 2]);
  });
  test('a day whose midnight does not exist (Santiago springs forward at 00:00) starts at the jump', () => {
    const result = periodWindows({ period: '2025-09', timeZone: 'America/Santiago' });
    assertTiles(result);
    const changeDay = result.windows[6];
    assert.equal(changeDay?.label, '2025-09-07T01:00 America/Santiago');
    assert.equal(changeDay && hoursOf(changeDay), 23);
    assert.equal(changeDay && new Date(changeDay.fromMs).toISOString(), '2025-09-07T04:00:00.000Z');
  });
});

describe('window sizes that do not divide 24 use fixed real-time spans', () => {
  test('5 h windows from the period start, the last one short', () => {
    const result = periodWindows({ period: '2025-03', timeZone: 'Europe/London', windowHours: 5 });
    assertTiles(result);
    // March 2025 in London is 743 h: 148 windows of 5 h and one of 3 h.
    assert.equal(result.windows.length, 149);
    assert.ok(result.windows.slice(0, -1).every((window) => hoursOf(window) === 5));
    assert.equal(hoursOf(result.windows.at(-1) as { fromMs: number; toMs: number }), 3);
  });

  test('744 h: one window for a 31-day month, plus a 1 h tail when clocks go back', () => {
    const january = periodWindows({ period: '2025-01', timeZone: 'Europe/London', windowHours: 744 });
    assert.deepEqual(january.windows.map(hoursOf), [744]);
    const october = periodWindows({ period: '2025-10', timeZone: 'Europe/London', windowHours: 744 });
    assertTiles(october);
    assert.deepEqual(october.windows.map(hoursOf), [744, 1]);
    assert.deepEqual(periodWindows({ period: '2024-02', timeZone: 'UTC', windowHours: 744 }).windows.map(hoursOf), [696]);
  });

  test('every size from 1 to 48 tiles every 2025 month in London and Sydney', () => {
    for (const timeZone of ['Europe/London', 'Australia/Sydney']) {
      for (const period of MONTHS_2024_2025.slice(12)) {
        for (let windowHours = 1; windowHours <= 48; windowHours += 1) {
          const result = periodWindows({ period, timeZone, windowHours });
          assertTiles(result);
          if (24 % windowHours === 0) continue;
          assert.ok(result.windows.slice(0, -1).every((window) => hoursOf(window) === windowHours));
        }
      }
    }
  });
});

describe('invalid input gets a clear error', () => {
  test('bad period text', () => {
    for (const period of ['2025-1', '2025-13', '2025-00', '25-01', '2025/01', '2025-01-01', '', ' 2025-01', '1969-12']) {
      assert.throws(() => periodWindows({ period, timeZone: 'UTC' }), PeriodError, period);
    }
    assert.throws(() => periodWindows({ period: '2025-13', timeZone: 'UTC' }), /period must be YYYY-MM/);
  });

  test('unknown time zone', () => {
    for (const timeZone of ['Mars/Olympus', '', 'GMT+25', 'Europe/Londn']) {
      assert.throws(() => periodWindows({ period: '2025-01', timeZone }), /unknown time zone/, timeZone);
    }
  });

  test('a zone typed in the wrong case is accepted and reported in its proper case', () => {
    const result = periodWindows({ period: '2025-01', timeZone: 'europe/london' });
    assert.equal(result.timeZone, 'Europe/London');
    assert.equal(result.windows[0]?.label, '2025-01-01T00:00 Europe/London');
  });

  test('windowHours outside 1..744 or not whole', () => {
    for (const windowHours of [0, -1, 745, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => periodWindows({ period: '2025-01', timeZone: 'UTC', windowHours }), /windowHours must be a whole number from 1 to 744/, String(windowHours));
    }
  });

  test('a period that starts after now is refused; the current and past months are allowed', () => {
    const nowMs = at('2025-06-15T12:00:00Z');
    assert.throws(() => periodWindows({ period: '2025-07', timeZone: 'UTC', nowMs }), /period 2025-07 in UTC starts 2025-07-01T00:00:00.000Z, after now/);
    assert.equal(periodWindows({ period: '2025-06', timeZone: 'UTC', nowMs }).windows.length, 30);
    assert.equal(periodWindows({ period: '2025-05', timeZone: 'UTC', nowMs }).windows.length, 31);
    // 2025-06-30T15:30Z is already July 1st in Tokyo.
    assert.equal(periodWindows({ period: '2025-07', timeZone: 'Asia/Tokyo', nowMs: at('2025-06-30T15:30:00Z') }).startUtc, '2025-06-30T15:00:00.000Z');
    assert.throws(() => periodWindows({ period: '2025-07', timeZone: 'UTC', nowMs: at('2025-06-30T15:30:00Z') }), PeriodError);
  });
});

describe('the period of an instant, and last month for schedules', () => {
  test('periodOf uses the local calendar', () => {
    assert.equal(periodOf(at('2025-01-31T23:30:00Z'), 'UTC'), '2025-01');
    assert.equal(periodOf(at('2025-01-31T23:30:00Z'), 'Asia/Tokyo'), '2025-02');
    assert.equal(periodOf(at('2025-02-01T03:00:00Z'), 'America/New_York'), '2025-01');
    assert.equal(periodOf(at('2025-06-30T23:30:00Z'), 'Europe/London'), '2025-07');
  });

  test('every window of a period lies in that period', () => {
    for (const timeZone of ZONES) {
      const { windows } = periodWindows({ period: '2025-10', timeZone, windowHours: 6 });
      for (const window of windows) {
        assert.equal(periodOf(window.fromMs, timeZone), '2025-10');
        assert.equal(periodOf(window.toMs - 1, timeZone), '2025-10');
      }
    }
  });

  test('previousPeriod is the month before the local one, across year ends and zones', () => {
    assert.equal(previousPeriod(at('2025-01-01T00:30:00Z'), 'UTC'), '2024-12');
    assert.equal(previousPeriod(at('2025-01-01T00:30:00Z'), 'America/New_York'), '2024-11');
    assert.equal(previousPeriod(at('2025-03-31T23:30:00Z'), 'Europe/London'), '2025-03');
    assert.equal(previousPeriod(at('2025-03-31T22:30:00Z'), 'Europe/London'), '2025-02');
    assert.equal(previousPeriod(at('2024-03-15T12:00:00Z'), 'Australia/Sydney'), '2024-02');
    assert.throws(() => previousPeriod(Number.NaN, 'UTC'), PeriodError);
    assert.throws(() => previousPeriod(0, 'Nowhere/Else'), /unknown time zone/);
  });
});
