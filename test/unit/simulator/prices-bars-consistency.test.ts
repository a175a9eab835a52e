import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { marketByEpic } from '../../../simulator/data/markets';
import { barPoints, bars, quoteAt, resolutionMs, type BarPoints, type Resolution } from '../../../simulator/data/prices';
import { shapeDifferences } from '../../helpers/json-shape';
import { DAY_MS, exampleBody, splitPoints } from './helpers';

const MONDAY_MS = Date.UTC(2025, 2, 10); // 2025-03-10 was a Monday
const HOUR_MS = 3_600_000;

function aggregateOf(parts: BarPoints[], startMs: number): BarPoints | undefined {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!first || !last) return undefined;
  return {
    startMs,
    open: first.open,
    close: last.close,
    high: Math.max(...parts.map((p) => p.high)),
    low: Math.min(...parts.map((p) => p.low)),
    volume: parts.reduce((total, p) => total + p.volume, 0),
  };
}

/** Checks that every `coarse` bar in [from, to) is exactly the aggregate of the `fine` bars it covers. */
function assertAggregates(epic: string, coarse: Resolution, fine: Resolution, fromMs: number, toMs: number): number {
  const size = resolutionMs(coarse);
  const coarseBars = barPoints(epic, coarse, fromMs, toMs);
  for (const bar of coarseBars) {
    const expected = aggregateOf(barPoints(epic, fine, bar.startMs, bar.startMs + size), bar.startMs);
    assert.deepEqual(bar, expected, `${epic} ${coarse} at ${new Date(bar.startMs).toISOString()}`);
  }
  return coarseBars.length;
}

describe('simulator prices: bars agree across resolutions', () => {
  test('HOUR, MINUTE_5/15/30 and HOUR_4 bars are the aggregates of their MINUTE bars', () => {
    for (const epic of ['SILVER', 'AAPL', 'BTCUSD', 'EURUSD']) {
      const from = MONDAY_MS;
      const to = MONDAY_MS + DAY_MS;
      assert.ok(assertAggregates(epic, 'HOUR', 'MINUTE', from, to) > 0, epic);
      assertAggregates(epic, 'MINUTE_5', 'MINUTE', from + 13 * HOUR_MS, from + 15 * HOUR_MS);
      assertAggregates(epic, 'MINUTE_15', 'MINUTE', from + 20 * HOUR_MS, to);
      assertAggregates(epic, 'MINUTE_30', 'MINUTE', from, from + 6 * HOUR_MS);
      assertAggregates(epic, 'HOUR_4', 'HOUR', from, to);
    }
  });

  test('DAY bars aggregate HOUR bars, and WEEK bars start on Monday 00:00 UTC and aggregate DAY bars', () => {
    for (const epic of ['SILVER', 'BTCUSD', 'AAPL']) {
      assertAggregates(epic, 'DAY', 'HOUR', MONDAY_MS, MONDAY_MS + 7 * DAY_MS);
      const weeks = barPoints(epic, 'WEEK', MONDAY_MS - 21 * DAY_MS, MONDAY_MS + 14 * DAY_MS);
      assert.equal(weeks.length, 5, epic);
      for (const week of weeks) assert.equal(new Date(week.startMs).getUTCDay(), 1, epic);
      assertAggregates(epic, 'WEEK', 'DAY', MONDAY_MS - 21 * DAY_MS, MONDAY_MS + 14 * DAY_MS);
    }
  });

  test('no bars while a market is closed; the SILVER evening break has none either', () => {
    const saturday = MONDAY_MS + 5 * DAY_MS;
    assert.equal(barPoints('AAPL', 'HOUR', saturday, saturday + DAY_MS).length, 0);
    assert.equal(barPoints('BTCUSD', 'HOUR', saturday, saturday + DAY_MS).length, 24);
    const breakStart = MONDAY_MS + 22 * HOUR_MS;
    assert.equal(barPoints('SILVER', 'MINUTE', breakStart, breakStart + 65 * 60_000).length, 0);
    assert.equal(barPoints('SILVER', 'MINUTE', breakStart, breakStart + 66 * 60_000).length, 1);
  });

  test('an always-open market runs on across midnight: the last minute close is the next day open', () => {
    const midnight = MONDAY_MS + DAY_MS;
    const [before] = barPoints('BTCUSD', 'MINUTE', midnight - 60_000, midnight);
    const [after] = barPoints('BTCUSD', 'MINUTE', midnight, midnight + 60_000);
    assert.equal(before?.close, after?.open);
  });
});

describe('simulator prices: quotes agree with bars', () => {
  test('a quote inside a minute lies within that minute bar; the bar opens at the quote at its start', () => {
    for (const epic of ['SILVER', 'US500', 'GBPUSD', 'ETHUSD']) {
      const market = marketByEpic(epic);
      for (const at of splitPoints(`quotes-${epic}`, MONDAY_MS + 2 * HOUR_MS, MONDAY_MS + 20 * HOUR_MS, 40)) {
        const minuteStart = Math.floor(at / 60_000) * 60_000;
        const [bar] = barPoints(epic, 'MINUTE', minuteStart, minuteStart + 60_000);
        assert.ok(bar, `${epic} open at ${new Date(at).toISOString()}`);
        const quote = quoteAt(epic, at);
        const bidPoints = Math.round(quote.bid * 10 ** market.decimals);
        assert.ok(bar.low <= bidPoints && bidPoints <= bar.high);
        assert.equal(Math.round(quoteAt(epic, minuteStart).bid * 10 ** market.decimals), bar.open);
        assert.equal(Math.round(quoteAt(epic, minuteStart + 59_999).bid * 10 ** market.decimals), bar.close);
        assert.ok(quote.ofr > quote.bid, 'spread is positive');
        assert.ok(quote.bidQty > 0 && quote.ofrQty > 0);
      }
    }
  });

  test('prices have the market decimals and asks are bid + spread', () => {
    const market = marketByEpic('EURUSD');
    for (const bar of bars('EURUSD', 'MINUTE_15', MONDAY_MS, MONDAY_MS + DAY_MS)) {
      for (const level of [bar.openPrice, bar.closePrice, bar.highPrice, bar.lowPrice]) {
        assert.ok((String(level.bid).split('.')[1] ?? '').length <= market.decimals);
        assert.equal(Math.round(level.ask * 1e5) - Math.round(level.bid * 1e5), market.spreadPoints);
      }
    }
  });
});

describe('simulator prices: wire shape, determinism and random access', () => {
  test('bars have the keys and types of the official /prices example; snapshotTime is local without milliseconds', () => {
    const example = (exampleBody('get-historical-prices-success-default-response.json') as { prices: unknown[] }).prices;
    const ours = bars('SILVER', 'MINUTE', MONDAY_MS + 13 * HOUR_MS, MONDAY_MS + 13 * HOUR_MS + 10 * 60_000, { timezoneOffsetHours: 2 });
    assert.equal(ours.length, 10);
    assert.deepEqual(shapeDifferences(example, ours), []);
    assert.equal(ours[0]?.snapshotTimeUTC, '2025-03-10T13:00:00');
    assert.equal(ours[0]?.snapshotTime, '2025-03-10T15:00:00');
  });

  test('the same request always gives the same bars and quotes', () => {
    assert.deepEqual(bars('GOLD', 'HOUR', MONDAY_MS, MONDAY_MS + 2 * DAY_MS), bars('GOLD', 'HOUR', MONDAY_MS, MONDAY_MS + 2 * DAY_MS));
    assert.deepEqual(quoteAt('GOLD', MONDAY_MS + 12_345), quoteAt('GOLD', MONDAY_MS + 12_345));
  });

  test('any instant is reachable without walking from an epoch', () => {
    const started = performance.now();
    const far = quoteAt('US500', Date.UTC(2031, 5, 4, 15, 30));
    const elapsedMs = performance.now() - started;
    assert.ok(far.bid > 0);
    assert.ok(elapsedMs < 250, `took ${elapsedMs.toFixed(1)} ms`);
  });

  test('oversized requests are refused rather than attempted', () => {
    assert.throws(() => barPoints('GOLD', 'MINUTE', 0, Date.UTC(2025, 0, 1)), RangeError);
  });
});
