import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type PriceBar } from '../../../lib/capital/schemas/prices';
import { toDecimal } from '../../../lib/money';
import { BarMergeError, type MergedBar, mergeBars } from '../../../lib/market/bar-merge';
import { aggregateQuotes, applyQuote, type QuoteBar } from '../../../lib/market/ohlc';

const at = (iso: string): number => Date.parse(iso);

/** A `/prices` bar; `bid` and `ask` are open/high/low/close. */
function brokerBar(snapshotTimeUTC: string, bid: [string, string, string, string], ask: [string, string, string, string], lastTradedVolume = 100): PriceBar {
  const pair = (i: number) => ({ bid: toDecimal(bid[i] as string), ask: toDecimal(ask[i] as string) });
  return { snapshotTime: snapshotTimeUTC, snapshotTimeUTC, openPrice: pair(0), highPrice: pair(1), lowPrice: pair(2), closePrice: pair(3), lastTradedVolume };
}

function streamedBar(iso: string, bid: string, ofr: string, epic = 'GOLD'): QuoteBar {
  return applyQuote(undefined, { epic, timestamp: at(iso), bid: toDecimal(bid), ofr: toDecimal(ofr) }, 'HOUR');
}

function summary(bars: readonly MergedBar[]) {
  return bars.map((bar) => `${new Date(bar.startMs).toISOString().slice(11, 16)} ${bar.source}${bar.source === 'stream' && bar.forming ? ' forming' : ''}`);
}

// HOUR bars of GOLD; now is 12:30 on Friday 2026-03-06, so the 12:00 bar is forming.
const NOW_MS = at('2026-03-06T12:30:00Z');
const B09 = brokerBar('2026-03-06T09:00:00', ['2000', '2010', '1995', '2005'], ['2000.5', '2010.5', '1995.5', '2005.5'], 850);
const B10 = brokerBar('2026-03-06T10:00:00', ['2005', '2012', '2001', '2008'], ['2005.5', '2012.5', '2001.5', '2008.50'], 900);
const B11 = brokerBar('2026-03-06T11:00:00.000', ['2008', '2009', '2000', '2001'], ['2008.5', '2009.5', '2000.5', '2001.5'], 700);
const B12_FORMING = brokerBar('2026-03-06T12:00:00', ['2001', '2004', '2000', '2003'], ['2001.5', '2004.5', '2000.5', '2003.5'], 300);
const S08 = streamedBar('2026-03-06T08:59:00Z', '1999', '1999.5');
const S10_PARTIAL = streamedBar('2026-03-06T10:45:00Z', '2007', '2007.5');
const S12 = streamedBar('2026-03-06T12:29:59Z', '2003.25', '2003.75');

describe('precedence per bucket', () => {
  const result = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S12, S08, S10_PARTIAL], backfilled: [B09, B10, B11, B12_FORMING], nowMs: NOW_MS });

  test('closed broker bars win, streamed bars fill the gaps, the forming broker bar gives way', () => {
    assert.deepEqual(summary(result.bars), ['08:00 stream', '09:00 broker', '10:00 broker', '11:00 broker', '12:00 stream forming']);
  });

  test('the forming broker bar is set aside with its reason', () => {
    assert.deepEqual(result.setAside, [{ snapshotTimeUTC: '2026-03-06T12:00:00', startMs: at('2026-03-06T12:00:00Z'), reason: 'forming' }]);
  });

  test('the broker bar replaces the partial streamed one entirely, prices canonical', () => {
    const ten = result.bars.find((bar) => bar.startMs === at('2026-03-06T10:00:00Z'));
    assert.deepEqual(ten, {
      epic: 'GOLD', resolution: 'HOUR', startMs: at('2026-03-06T10:00:00Z'), source: 'broker', lastTradedVolume: 900,
      bid: { open: '2005', high: '2012', low: '2001', close: '2008' },
      ask: { open: '2005.5', high: '2012.5', low: '2001.5', close: '2008.5' },
    });
  });

  test('a streamed bar keeps its quote facts', () => {
    const eight = result.bars[0];
    assert.deepEqual(eight, {
      epic: 'GOLD', resolution: 'HOUR', startMs: at('2026-03-06T08:00:00Z'), source: 'stream',
      bid: { open: '1999', high: '1999', low: '1999', close: '1999' },
      ask: { open: '1999.5', high: '1999.5', low: '1999.5', close: '1999.5' },
      quoteCount: 1, firstQuoteMs: at('2026-03-06T08:59:00Z'), lastQuoteMs: at('2026-03-06T08:59:00Z'), forming: false,
    });
  });

  test('input order does not matter', () => {
    const reordered = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S10_PARTIAL, S08, S12], backfilled: [B12_FORMING, B11, B09, B10], nowMs: NOW_MS });
    assert.deepEqual(reordered, result);
  });

  test('without a streamed bar for it, the forming bucket is simply absent', () => {
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [], backfilled: [B11, B12_FORMING], nowMs: NOW_MS });
    assert.deepEqual(summary(merged.bars), ['11:00 broker']);
  });

  test('a bucket that ended exactly at nowMs is closed, so the broker bar is kept', () => {
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S12], backfilled: [B12_FORMING], nowMs: at('2026-03-06T13:00:00Z') });
    assert.deepEqual(summary(merged.bars), ['12:00 broker']);
    assert.deepEqual(merged.setAside, []);
  });

  test('streamed bars straight from aggregateQuotes', () => {
    const { bars } = aggregateQuotes([{ epic: 'GOLD', timestamp: at('2026-03-06T07:10:00Z'), bid: toDecimal('1990'), ofr: toDecimal('1990.5') }], ['HOUR']);
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: bars, backfilled: [B09], nowMs: NOW_MS });
    assert.deepEqual(summary(merged.bars), ['07:00 stream', '09:00 broker']);
  });
});

describe('doubtful broker bars are set aside', () => {
  test('an exact repeat (overlapping pages) is kept once', () => {
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [], backfilled: [B09, B10, B09], nowMs: NOW_MS });
    assert.deepEqual(summary(merged.bars), ['09:00 broker', '10:00 broker']);
    assert.deepEqual(merged.setAside.map((bar) => bar.reason), ['repeated']);
  });

  test('two different bars for one bucket: both set aside, whatever the order; a streamed bar fills in', () => {
    const other = brokerBar('2026-03-06T10:00:00', ['2005', '2013', '2001', '2008'], ['2005.5', '2013.5', '2001.5', '2008.5'], 900);
    for (const backfilled of [[B10, other, B10], [other, B10, B10], [B10, B10, other]]) {
      const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S10_PARTIAL], backfilled, nowMs: NOW_MS });
      assert.deepEqual(summary(merged.bars), ['10:00 stream']);
      assert.deepEqual(merged.setAside.map((bar) => bar.reason), ['conflicting', 'conflicting', 'conflicting']);
    }
  });

  test('a time off our grid (a DAY bar at 21:00 UTC) is misaligned, not moved', () => {
    const day = brokerBar('2026-03-04T21:00:00', ['1', '2', '1', '2'], ['1.5', '2.5', '1.5', '2.5']);
    const merged = mergeBars({ epic: 'GOLD', resolution: 'DAY', streamed: [], backfilled: [day], nowMs: NOW_MS });
    assert.deepEqual(merged.bars, []);
    assert.deepEqual(merged.setAside, [{ snapshotTimeUTC: '2026-03-04T21:00:00', startMs: at('2026-03-04T21:00:00Z'), reason: 'misaligned' }]);
  });

  test('an unreadable time, and prices out of order', () => {
    const badTime = brokerBar('2026-02-30T09:00:00', ['1', '2', '1', '2'], ['1', '2', '1', '2']);
    const lowAboveOpen = brokerBar('2026-03-06T09:00:00', ['2000', '2010', '2001', '2005'], ['2000.5', '2010.5', '1995.5', '2005.5']);
    const askCloseAboveHigh = brokerBar('2026-03-06T10:00:00', ['2000', '2010', '1995', '2005'], ['2000.5', '2010.5', '1995.5', '2011']);
    const negativeVolume = brokerBar('2026-03-06T11:00:00', ['2000', '2010', '1995', '2005'], ['2000.5', '2010.5', '1995.5', '2005.5'], -1);
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [], backfilled: [lowAboveOpen, badTime, askCloseAboveHigh, negativeVolume], nowMs: NOW_MS });
    assert.deepEqual(merged.bars, []);
    assert.deepEqual(merged.setAside.map((bar) => `${bar.snapshotTimeUTC} ${bar.reason}`), [
      '2026-02-30T09:00:00 bad-time',
      '2026-03-06T09:00:00 inconsistent',
      '2026-03-06T10:00:00 inconsistent',
      '2026-03-06T11:00:00 inconsistent',
    ]);
  });

  test('nanosecond fractions in snapshotTimeUTC are read to the millisecond', () => {
    const nanos = brokerBar('2026-03-06T09:00:00.000000000', ['2000', '2010', '1995', '2005'], ['2000.5', '2010.5', '1995.5', '2005.5']);
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [], backfilled: [nanos], nowMs: NOW_MS });
    assert.deepEqual(summary(merged.bars), ['09:00 broker']);
  });
});

describe('caller errors', () => {
  test('a streamed bar of another epic or resolution', () => {
    assert.throws(() => mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [streamedBar('2026-03-06T08:00:00Z', '1', '2', 'SILVER')], backfilled: [], nowMs: NOW_MS }), BarMergeError);
    const minute = applyQuote(undefined, { epic: 'GOLD', timestamp: at('2026-03-06T08:00:00Z'), bid: toDecimal('1'), ofr: toDecimal('2') }, 'MINUTE');
    assert.throws(() => mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [minute], backfilled: [], nowMs: NOW_MS }), /not a GOLD HOUR bar/);
  });

  test('two different streamed bars for one bucket; an identical repeat is fine', () => {
    const again = streamedBar('2026-03-06T08:10:00Z', '1999', '1999.5');
    assert.throws(() => mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S08, again], backfilled: [], nowMs: NOW_MS }), /two different streamed bars/);
    const merged = mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [S08, structuredClone(S08)], backfilled: [], nowMs: NOW_MS });
    assert.equal(merged.bars.length, 1);
  });

  test('a bad epic, resolution or clock', () => {
    assert.throws(() => mergeBars({ epic: 'gold', resolution: 'HOUR', streamed: [], backfilled: [], nowMs: NOW_MS }), BarMergeError);
    assert.throws(() => mergeBars({ epic: 'GOLD', resolution: 'MINUTE_10' as never, streamed: [], backfilled: [], nowMs: NOW_MS }), /unknown resolution/);
    assert.throws(() => mergeBars({ epic: 'GOLD', resolution: 'HOUR', streamed: [], backfilled: [], nowMs: -5 }), /nowMs/);
  });
});
