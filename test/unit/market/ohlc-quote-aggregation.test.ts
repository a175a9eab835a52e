import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toDecimal } from '../../../lib/money';
import {
  aggregateQuotes,
  applyQuote,
  barKey,
  BAR_REMEMBERED_QUOTES_MAX,
  compareBars,
  isBarForming,
  type MarketQuote,
  OhlcError,
  type QuoteBar,
} from '../../../lib/market/ohlc';
import { RESOLUTIONS, type Resolution } from '../../../lib/market/resolutions';

const at = (iso: string): number => Date.parse(iso);

function quote(epic: string, iso: string, bid: string, ofr: string): MarketQuote {
  return { epic, timestamp: at(iso), bid: toDecimal(bid), ofr: toDecimal(ofr) };
}

/** Bars without the remembered tail, for comparing with hand-computed values. */
function shape(bar: QuoteBar | undefined) {
  if (bar === undefined) return undefined;
  const { rememberedQuotes: _tail, ...rest } = bar;
  return { ...rest, startMs: new Date(rest.startMs).toISOString(), firstQuoteMs: new Date(rest.firstQuoteMs).toISOString(), lastQuoteMs: new Date(rest.lastQuoteMs).toISOString() };
}

function find(bars: readonly QuoteBar[], resolution: Resolution, startIso: string): QuoteBar | undefined {
  return bars.find((bar) => bar.resolution === resolution && bar.startMs === at(startIso));
}

/** Applies quotes one at a time, in the order given, as a live stream would. */
function foldQuotes(quotes: readonly MarketQuote[], resolutions: readonly Resolution[]): QuoteBar[] {
  const bars = new Map<string, QuoteBar>();
  for (const q of quotes) {
    for (const resolution of resolutions) {
      const probe = applyQuote(undefined, q, resolution);
      const key = barKey(probe);
      bars.set(key, applyQuote(bars.get(key), q, resolution));
    }
  }
  return [...bars.values()].sort(compareBars);
}

/** A fixed permutation (Lehmer-style), so the test never depends on Math.random. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// Friday 2026-03-06, GOLD.
const q1 = quote('GOLD', '2026-03-06T12:00:10.000Z', '2000.50', '2001.0');
const q2 = quote('GOLD', '2026-03-06T12:03:20.000Z', '2002.25', '2002.75');
const q3 = quote('GOLD', '2026-03-06T12:04:59.999Z', '1999', '1999.5');
const q4 = quote('GOLD', '2026-03-06T12:05:00.000Z', '2001', '2001.5');
const GOLD_QUOTES = [q1, q2, q3, q4];

describe('bars hand-computed for every resolution', () => {
  const { bars, distinctQuotes, repeatedQuotes } = aggregateQuotes(GOLD_QUOTES, RESOLUTIONS);

  test('one bar per (epic, resolution, bucket): 4 MINUTE, 2 MINUTE_5, 1 of each coarser', () => {
    const counts = Object.fromEntries(RESOLUTIONS.map((resolution) => [resolution, bars.filter((bar) => bar.resolution === resolution).length]));
    assert.deepEqual(counts, { MINUTE: 4, MINUTE_5: 2, MINUTE_15: 1, MINUTE_30: 1, HOUR: 1, HOUR_4: 1, DAY: 1, WEEK: 1 });
    assert.equal(distinctQuotes, 4);
    assert.equal(repeatedQuotes, 0);
  });

  test('MINUTE 12:03 holds q2 alone; prices are canonical text', () => {
    assert.deepEqual(shape(find(bars, 'MINUTE', '2026-03-06T12:03:00Z')), {
      epic: 'GOLD', resolution: 'MINUTE', startMs: '2026-03-06T12:03:00.000Z',
      bid: { open: '2002.25', high: '2002.25', low: '2002.25', close: '2002.25' },
      ask: { open: '2002.75', high: '2002.75', low: '2002.75', close: '2002.75' },
      quoteCount: 1, firstQuoteMs: '2026-03-06T12:03:20.000Z', lastQuoteMs: '2026-03-06T12:03:20.000Z',
    });
    assert.deepEqual(find(bars, 'MINUTE', '2026-03-06T12:00:00Z')?.bid, { open: '2000.5', high: '2000.5', low: '2000.5', close: '2000.5' });
  });

  test('MINUTE_5 12:00 holds q1..q3 (12:04:59.999 is its last ms); q4 opens 12:05', () => {
    assert.deepEqual(shape(find(bars, 'MINUTE_5', '2026-03-06T12:00:00Z')), {
      epic: 'GOLD', resolution: 'MINUTE_5', startMs: '2026-03-06T12:00:00.000Z',
      bid: { open: '2000.5', high: '2002.25', low: '1999', close: '1999' },
      ask: { open: '2001', high: '2002.75', low: '1999.5', close: '1999.5' },
      quoteCount: 3, firstQuoteMs: '2026-03-06T12:00:10.000Z', lastQuoteMs: '2026-03-06T12:04:59.999Z',
    });
    assert.equal(find(bars, 'MINUTE_5', '2026-03-06T12:05:00Z')?.quoteCount, 1);
  });

  const whole = {
    bid: { open: '2000.5', high: '2002.25', low: '1999', close: '2001' },
    ask: { open: '2001', high: '2002.75', low: '1999.5', close: '2001.5' },
    quoteCount: 4, firstQuoteMs: '2026-03-06T12:00:10.000Z', lastQuoteMs: '2026-03-06T12:05:00.000Z',
  };
  const coarse: [Resolution, string][] = [
    ['MINUTE_15', '2026-03-06T12:00:00.000Z'],
    ['MINUTE_30', '2026-03-06T12:00:00.000Z'],
    ['HOUR', '2026-03-06T12:00:00.000Z'],
    ['HOUR_4', '2026-03-06T12:00:00.000Z'],
    ['DAY', '2026-03-06T00:00:00.000Z'],
    ['WEEK', '2026-03-02T00:00:00.000Z'],
  ];
  for (const [resolution, startIso] of coarse) {
    test(`${resolution} starting ${startIso} holds all four quotes`, () => {
      assert.deepEqual(shape(find(bars, resolution, startIso)), { epic: 'GOLD', resolution, startMs: startIso, ...whole });
    });
  }

  test('bars are sorted by epic, resolution (MINUTE first), start', () => {
    const more = aggregateQuotes([...GOLD_QUOTES, quote('BTCUSD', '2026-03-06T12:00:00Z', '90000', '90010')], ['WEEK', 'MINUTE']).bars;
    assert.deepEqual(more.map(barKey), [
      `BTCUSD:MINUTE:${at('2026-03-06T12:00:00Z')}`,
      `BTCUSD:WEEK:${at('2026-03-02T00:00:00Z')}`,
      `GOLD:MINUTE:${at('2026-03-06T12:00:00Z')}`,
      `GOLD:MINUTE:${at('2026-03-06T12:03:00Z')}`,
      `GOLD:MINUTE:${at('2026-03-06T12:04:00Z')}`,
      `GOLD:MINUTE:${at('2026-03-06T12:05:00Z')}`,
      `GOLD:WEEK:${at('2026-03-02T00:00:00Z')}`,
    ]);
  });
});

describe('DAY, WEEK and HOUR_4 boundaries', () => {
  const sundayNight = quote('US500', '2026-03-01T23:59:59.999Z', '5800.1', '5800.6');
  const mondayMidnight = quote('US500', '2026-03-02T00:00:00.000Z', '5801', '5801.5');
  const mondayLate = quote('US500', '2026-03-02T20:00:00.000Z', '5790', '5790.5');
  const { bars } = aggregateQuotes([mondayLate, mondayMidnight, sundayNight], ['HOUR_4', 'DAY', 'WEEK']);

  test('Sunday 23:59:59.999 and Monday 00:00 fall in different days and weeks', () => {
    assert.deepEqual(find(bars, 'DAY', '2026-03-01T00:00:00Z')?.bid, { open: '5800.1', high: '5800.1', low: '5800.1', close: '5800.1' });
    assert.deepEqual(find(bars, 'WEEK', '2026-02-23T00:00:00Z')?.quoteCount, 1);
    assert.deepEqual(shape(find(bars, 'WEEK', '2026-03-02T00:00:00Z')), {
      epic: 'US500', resolution: 'WEEK', startMs: '2026-03-02T00:00:00.000Z',
      bid: { open: '5801', high: '5801', low: '5790', close: '5790' },
      ask: { open: '5801.5', high: '5801.5', low: '5790.5', close: '5790.5' },
      quoteCount: 2, firstQuoteMs: '2026-03-02T00:00:00.000Z', lastQuoteMs: '2026-03-02T20:00:00.000Z',
    });
    assert.equal(find(bars, 'DAY', '2026-03-02T00:00:00Z')?.quoteCount, 2);
  });

  test('HOUR_4 cuts at 20:00 and at midnight', () => {
    assert.deepEqual(
      bars.filter((bar) => bar.resolution === 'HOUR_4').map((bar) => new Date(bar.startMs).toISOString()),
      ['2026-03-01T20:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-03-02T20:00:00.000Z'],
    );
  });
});

describe('order does not matter', () => {
  test('any order of the same quotes gives identical bars, batch or one by one', () => {
    const expected = aggregateQuotes(GOLD_QUOTES, RESOLUTIONS).bars;
    for (const order of [[...GOLD_QUOTES].reverse(), [q3, q1, q4, q2], shuffled(GOLD_QUOTES, 7)]) {
      assert.deepEqual(aggregateQuotes(order, RESOLUTIONS).bars, expected);
      assert.deepEqual(foldQuotes(order, RESOLUTIONS), expected);
    }
  });

  test(`more quotes than the remembered tail (${BAR_REMEMBERED_QUOTES_MAX}), shuffled, still give identical bars`, () => {
    const quotes = Array.from({ length: 300 }, (_, i) => {
      const cents = (i * 37) % 101;
      const bid = `1.${String(1000 + cents).padStart(4, '0')}`;
      const ofr = `1.${String(1002 + cents).padStart(4, '0')}`;
      return { epic: 'EURUSD', timestamp: at('2026-03-06T12:00:00Z') + i * 1_000, bid: toDecimal(bid), ofr: toDecimal(ofr) };
    });
    const expected = aggregateQuotes(quotes, ['MINUTE', 'HOUR']).bars;
    const hour = expected.find((bar) => bar.resolution === 'HOUR');
    assert.equal(hour?.quoteCount, 300);
    assert.equal(hour?.rememberedQuotes.length, BAR_REMEMBERED_QUOTES_MAX);
    for (const seed of [1, 2, 3]) assert.deepEqual(foldQuotes(shuffled(quotes, seed), ['MINUTE', 'HOUR']), expected);
  });

  test('a tie on timestamp: the lower bid opens and the higher bid closes, whichever came first', () => {
    const low = quote('GOLD', '2026-03-06T12:00:00Z', '2000', '2000.5');
    const high = quote('GOLD', '2026-03-06T12:00:00Z', '2000.1', '2000.6');
    for (const order of [[low, high], [high, low]]) {
      const bar = foldQuotes(order, ['MINUTE'])[0];
      assert.deepEqual(bar?.bid, { open: '2000', high: '2000.1', low: '2000', close: '2000.1' });
      assert.deepEqual(bar?.ask, { open: '2000.5', high: '2000.6', low: '2000.5', close: '2000.6' });
      assert.equal(bar?.quoteCount, 2);
    }
  });

  test('an equal bid breaks the tie on ask', () => {
    const a = quote('GOLD', '2026-03-06T12:00:00Z', '2000', '2000.4');
    const b = quote('GOLD', '2026-03-06T12:00:00Z', '2000', '2000.6');
    for (const order of [[a, b], [b, a]]) {
      const bar = foldQuotes(order, ['MINUTE'])[0];
      assert.deepEqual(bar?.ask, { open: '2000.4', high: '2000.6', low: '2000.4', close: '2000.6' });
    }
  });
});

describe('forming bars and keys', () => {
  const minute = { resolution: 'MINUTE' as const, startMs: at('2026-03-06T12:00:00Z') };

  test('a bar forms until its bucket ends, exclusive', () => {
    assert.equal(isBarForming(minute, at('2026-03-06T12:00:00Z')), true);
    assert.equal(isBarForming(minute, at('2026-03-06T12:00:59.999Z')), true);
    assert.equal(isBarForming(minute, at('2026-03-06T12:01:00Z')), false);
    assert.equal(isBarForming(minute, at('2026-03-06T11:59:00Z')), true, 'a bar dated after now (clock skew) is not closed');
  });

  test('a WEEK bar forms until the next Monday 00:00 UTC', () => {
    const week = { resolution: 'WEEK' as const, startMs: at('2026-03-02T00:00:00Z') };
    assert.equal(isBarForming(week, at('2026-03-08T23:59:59.999Z')), true);
    assert.equal(isBarForming(week, at('2026-03-09T00:00:00Z')), false);
  });

  test('isBarForming refuses a bad clock or a start off the grid', () => {
    assert.throws(() => isBarForming(minute, Number.NaN));
    assert.throws(() => isBarForming({ resolution: 'MINUTE', startMs: minute.startMs + 1 }, minute.startMs));
  });

  test('barKey is EPIC:RESOLUTION:startMs', () => {
    assert.equal(barKey({ epic: 'GOLD', resolution: 'MINUTE_5', startMs: 1_767_225_600_000 }), 'GOLD:MINUTE_5:1767225600000');
  });
});

describe('refusals', () => {
  const bar = applyQuote(undefined, q1, 'MINUTE');

  test('a quote of another bucket, epic or resolution', () => {
    assert.throws(() => applyQuote(bar, q2, 'MINUTE'), (error: unknown) => error instanceof OhlcError && /belongs to GOLD:MINUTE:/.test(error.message));
    assert.throws(() => applyQuote(bar, { ...q1, epic: 'SILVER' }, 'MINUTE'), OhlcError);
    assert.throws(() => applyQuote(bar, q1, 'MINUTE_5'), OhlcError);
  });

  test('malformed quotes', () => {
    assert.throws(() => applyQuote(undefined, { ...q1, epic: 'gold' }, 'MINUTE'), /not an epic/);
    assert.throws(() => applyQuote(undefined, { ...q1, epic: '' }, 'MINUTE'), OhlcError);
    assert.throws(() => applyQuote(undefined, { ...q1, timestamp: -1 }, 'MINUTE'), /timestamp/);
    assert.throws(() => applyQuote(undefined, { ...q1, timestamp: 1.5 }, 'MINUTE'), /timestamp/);
  });

  test('aggregateQuotes needs a known resolution', () => {
    assert.throws(() => aggregateQuotes(GOLD_QUOTES, []), /at least one/);
    assert.throws(() => aggregateQuotes(GOLD_QUOTES, ['MINUTE_10' as Resolution]), /unknown resolution/);
  });

  test('applyQuote never changes the bar it is given', () => {
    const before = structuredClone(bar);
    applyQuote(bar, quote('GOLD', '2026-03-06T12:00:00Z', '1', '2'), 'MINUTE');
    assert.deepEqual(bar, before);
  });
});
