import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toDecimal } from '../../../lib/money';
import { aggregateQuotes, applyQuote, BAR_REMEMBERED_QUOTES_MAX, type MarketQuote, type QuoteBar } from '../../../lib/market/ohlc';
import { type Resolution } from '../../../lib/market/resolutions';

const at = (iso: string): number => Date.parse(iso);

function quote(iso: string, bid: string, ofr: string, epic = 'GOLD'): MarketQuote {
  return { epic, timestamp: at(iso), bid: toDecimal(bid), ofr: toDecimal(ofr) };
}

function fold(quotes: readonly MarketQuote[], resolution: Resolution = 'MINUTE_5'): QuoteBar {
  let bar: QuoteBar | undefined;
  for (const q of quotes) bar = applyQuote(bar, q, resolution);
  assert.ok(bar);
  return bar;
}

const first = quote('2026-03-06T12:00:10Z', '2000.5', '2001');
const middle = quote('2026-03-06T12:02:00Z', '2001.5', '2002');
const last = quote('2026-03-06T12:04:00Z', '2000', '2000.5');

describe('a quote replayed after a reconnect', () => {
  const bar = fold([first, middle, last]);

  test('the replayed newest quotes return the very same bar', () => {
    assert.equal(applyQuote(bar, last, 'MINUTE_5'), bar);
    assert.equal(applyQuote(bar, middle, 'MINUTE_5'), bar);
    assert.equal(applyQuote(bar, first, 'MINUTE_5'), bar);
    assert.equal(bar.quoteCount, 3);
  });

  test('the same prices written differently ("2000.00", "2000.500") are the same quote', () => {
    assert.equal(applyQuote(bar, quote('2026-03-06T12:04:00Z', '2000.00', '2000.500'), 'MINUTE_5'), bar);
  });

  test('a whole replayed burst changes nothing', () => {
    let replayed = bar;
    for (const q of [middle, last, first, last]) replayed = applyQuote(replayed, q, 'MINUTE_5');
    assert.deepEqual(replayed, bar);
  });

  test('a bar stored without its tail still knows its open and close', () => {
    const bare: QuoteBar = { ...bar, rememberedQuotes: [] };
    assert.equal(applyQuote(bare, first, 'MINUTE_5'), bare);
    assert.equal(applyQuote(bare, last, 'MINUTE_5'), bare);
    assert.equal(applyQuote(bare, middle, 'MINUTE_5').quoteCount, 4, 'a middle quote it cannot recall counts again');
  });

  test('the same timestamp with other prices is another quote, not a repeat', () => {
    const other = applyQuote(bar, quote('2026-03-06T12:04:00Z', '2000.1', '2000.6'), 'MINUTE_5');
    assert.equal(other.quoteCount, 4);
    assert.equal(other.bid.close, '2000.1', 'the higher bid closes a tie on timestamp');
  });

  test('another epic at the same time and prices is not a repeat', () => {
    const { distinctQuotes, repeatedQuotes } = aggregateQuotes([last, { ...last, epic: 'SILVER' }], ['MINUTE']);
    assert.equal(distinctQuotes, 2);
    assert.equal(repeatedQuotes, 0);
  });

  test('aggregateQuotes drops repeats in its input and counts them', () => {
    const clean = aggregateQuotes([first, middle, last], ['MINUTE', 'MINUTE_5', 'DAY']);
    const withReplays = aggregateQuotes([first, middle, last, middle, last, last], ['MINUTE', 'MINUTE_5', 'DAY']);
    assert.deepEqual(withReplays.bars, clean.bars);
    assert.equal(withReplays.distinctQuotes, 3);
    assert.equal(withReplays.repeatedQuotes, 3);
  });

  test(`beyond the remembered tail (${BAR_REMEMBERED_QUOTES_MAX} quotes): the open is still recognised, an older middle quote counts again, prices never move`, () => {
    const many = Array.from({ length: BAR_REMEMBERED_QUOTES_MAX + 10 }, (_, i) => ({
      epic: 'GOLD',
      timestamp: at('2026-03-06T12:00:00Z') + i * 1_000,
      bid: toDecimal(`2000.${String(i).padStart(3, '0')}`),
      ofr: toDecimal(`2001.${String(i).padStart(3, '0')}`),
    }));
    const big = fold(many, 'HOUR');
    assert.equal(big.quoteCount, BAR_REMEMBERED_QUOTES_MAX + 10);
    assert.equal(applyQuote(big, many[0] as MarketQuote, 'HOUR'), big, 'the open is always recognised');
    assert.equal(applyQuote(big, many[10] as MarketQuote, 'HOUR'), big, 'the oldest remembered quote');
    const blind = applyQuote(big, many[5] as MarketQuote, 'HOUR');
    assert.equal(blind.quoteCount, big.quoteCount + 1, 'documented blind spot: an old replay counts again');
    assert.deepEqual([blind.bid, blind.ask, blind.firstQuoteMs, blind.lastQuoteMs], [big.bid, big.ask, big.firstQuoteMs, big.lastQuoteMs]);
  });
});

describe('a late quote (older than the bar\'s last)', () => {
  const bar = fold([first, last]);

  test('moves high, low and count but not close', () => {
    const late = applyQuote(bar, quote('2026-03-06T12:02:00Z', '2003', '1999'), 'MINUTE_5');
    assert.deepEqual(late.bid, { open: '2000.5', high: '2003', low: '2000', close: '2000' });
    assert.deepEqual(late.ask, { open: '2001', high: '2001', low: '1999', close: '2000.5' });
    assert.equal(late.quoteCount, 3);
    assert.equal(late.lastQuoteMs, at('2026-03-06T12:04:00Z'));
    assert.equal(late.firstQuoteMs, at('2026-03-06T12:00:10Z'));
  });

  test('older than the bar\'s first, it becomes the open', () => {
    const early = applyQuote(bar, quote('2026-03-06T12:00:05Z', '2000.2', '2000.7'), 'MINUTE_5');
    assert.deepEqual(early.bid, { open: '2000.2', high: '2000.5', low: '2000', close: '2000' });
    assert.deepEqual(early.ask, { open: '2000.7', high: '2001', low: '2000.5', close: '2000.5' });
    assert.equal(early.firstQuoteMs, at('2026-03-06T12:00:05Z'));
    assert.equal(early.quoteCount, 3);
  });

  test('the bar equals the one built in time order', () => {
    const inOrder = fold([first, middle, last]);
    const lateMiddle = fold([first, last, middle]);
    const backwards = fold([last, middle, first]);
    assert.deepEqual(lateMiddle, inOrder);
    assert.deepEqual(backwards, inOrder);
  });
});
