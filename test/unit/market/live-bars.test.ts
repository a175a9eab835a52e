import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveBars } from '../../../lib/market/live-bars';
import { aggregateQuotes, checkQuote, type CheckedQuote } from '../../../lib/market/ohlc';
import { RESOLUTIONS } from '../../../lib/market/resolutions';

const T0 = Date.UTC(2026, 0, 5, 10, 0); // a Monday, 10:00 UTC
const quote = (epic: string, atMs: number, bid: string, ask: string): CheckedQuote => checkQuote({ epic, timestamp: atMs, bid, ofr: ask });

describe('LiveBars', () => {
  test('builds every resolution from each quote, equal to a batch aggregation of the same quotes', () => {
    const live = new LiveBars(RESOLUTIONS);
    const quotes = [quote('GOLD', T0 + 1_000, '2000.5', '2001'), quote('GOLD', T0 + 61_000, '2002.25', '2002.75'), quote('GOLD', T0 + 2_000, '1999', '1999.5'), quote('BTCUSD', T0 + 5_000, '90000', '90010')];
    for (const q of quotes) assert.equal(live.add(q), 'applied');
    const expected = aggregateQuotes(quotes.map((q) => ({ epic: q.epic, timestamp: q.atMs, bid: q.bid, ofr: q.ask })), RESOLUTIONS).bars;
    assert.deepEqual(live.allBars().map(({ rememberedQuotes: _, ...bar }) => bar), expected.map(({ rememberedQuotes: _, ...bar }) => bar));
    const goldMinute = live.formingBarsOf('GOLD').find((bar) => bar.resolution === 'MINUTE' && bar.startMs === T0);
    assert.deepEqual(goldMinute?.bid, { open: '2000.5', high: '2000.5', low: '1999', close: '1999' }, 'the late 10:00:02 quote is the close of the 10:00 minute by time, not by arrival');
  });

  test('a repeated quote changes nothing and is counted as a repeat', () => {
    const live = new LiveBars(['MINUTE', 'HOUR']);
    live.add(quote('GOLD', T0, '1', '2'));
    live.takeChanged();
    assert.equal(live.add(quote('GOLD', T0, '1', '2')), 'repeat');
    assert.equal(live.repeatedQuotes, 1);
    assert.deepEqual(live.takeChanged(), []);
  });

  test('takeChanged names the changed epics once', () => {
    const live = new LiveBars(['MINUTE', 'HOUR']);
    live.add(quote('GOLD', T0, '1', '2'));
    live.add(quote('OIL', T0, '70', '70.1'));
    assert.deepEqual(live.takeChanged(), ['GOLD', 'OIL']);
    assert.equal(live.formingBarsOf('GOLD').length, 2);
    assert.deepEqual(live.takeChanged(), []);
    assert.deepEqual(live.knownEpics(), ['GOLD', 'OIL']);
  });

  test('bars close after their bucket plus the grace; later quotes for them are late for every resolution', () => {
    const live = new LiveBars(['MINUTE', 'HOUR'], 2_000);
    live.add(quote('GOLD', T0 + 30_000, '1', '2'));
    assert.deepEqual(live.takeClosed(T0 + 61_999), [], 'still inside the grace');
    const closed = live.takeClosed(T0 + 62_000);
    assert.deepEqual(closed.map((bar) => bar.resolution), ['MINUTE']);
    assert.equal(live.add(quote('GOLD', T0 + 40_000, '0.5', '2')), 'late');
    assert.equal(live.lateQuotes, 1);
    const hour = live.formingBarsOf('GOLD').find((bar) => bar.resolution === 'HOUR');
    assert.equal(hour?.bid.low, '1', 'the HOUR bar did not take the late quote either');
    assert.equal(live.add(quote('GOLD', T0 + 63_000, '3', '4')), 'applied');
  });

  test('resumes stored bars: a replayed quote is a repeat, quotes from before the restart minute are late', () => {
    const before = new LiveBars(['MINUTE']);
    before.add(quote('GOLD', T0 + 120_000, '1', '2'));
    before.add(quote('GOLD', T0 + 121_000, '1.5', '2.5'));
    const stored = before.allBars();
    const after = new LiveBars(['MINUTE']);
    after.resume(stored, T0 + 125_000, [quote('GOLD', T0 + 121_000, '1.5', '2.5')]);
    assert.equal(after.add(quote('GOLD', T0 + 121_000, '1.5', '2.5')), 'repeat', 'replay');
    assert.equal(after.add(quote('GOLD', T0 + 60_000, '9', '10')), 'late');
    assert.equal(after.lateQuotes, 1);
    assert.equal(after.add(quote('GOLD', T0 + 122_000, '3', '4')), 'applied');
    const [bar] = after.formingBarsOf('GOLD');
    assert.equal(bar?.quoteCount, 3);
    assert.equal(after.lastQuoteOf('GOLD')?.atMs, T0 + 122_000);
  });
});
