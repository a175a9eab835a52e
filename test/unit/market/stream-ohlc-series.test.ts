import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamOhlcSeries } from '../../../lib/store/market-stream-ohlc';
import { quoteCollectionOf } from '../../../lib/store/market-quotes';

const frame = (t: number, c: number) => ({ epic: 'GOLD', resolution: 'MINUTE', type: 'classic', priceType: 'bid', t, o: 1, h: 2, l: 0.5, c });

test('an ohlc.event bar is final once a frame of the next bar of its series arrives', () => {
  const series = new StreamOhlcSeries();
  series.add(frame(0, 1));
  series.add(frame(0, 1.5));
  assert.deepEqual(series.takeFinal(), []);
  series.add(frame(60_000, 2));
  series.add(frame(0, 9)); // a stale frame of a final bar changes nothing
  assert.deepEqual(series.takeFinal(), [frame(0, 1.5)]);
  series.add({ ...frame(60_000, 3), priceType: 'ask' });
  assert.deepEqual(series.takeFinal(), [], 'another series');
  assert.equal(series.framesSeen, 5);
});

test('quotes are kept in one collection per UTC day', () => {
  assert.equal(quoteCollectionOf(Date.UTC(2026, 10, 24, 23, 59, 59, 999)), 'market_quotes_20261124');
  assert.equal(quoteCollectionOf(Date.UTC(2026, 10, 25)), 'market_quotes_20261125');
});
