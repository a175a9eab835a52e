import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientSentimentsResponseSchema } from '../../../lib/capital/schemas/sentiment';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { toDecimal } from '../../../lib/money';
import {
  checkSentimentMarkets,
  readSentiments,
  SENTIMENT_MARKETS_MAX,
  sentimentCollectionOf,
  sentimentDocuments,
  SentimentMarketsError,
  sentimentPointId,
  sentimentRetentionCutMs,
} from '../../../lib/store/market-sentiment';

const DAY_MS = 86_400_000;

describe('client sentiment readings from the wire', () => {
  test('percentages sent as JSON numbers become the exact canonical text the broker wrote', () => {
    const body = JSON.parse('{"clientSentiments":[{"marketId":"SILVER","longPositionPercentage":61.35,"shortPositionPercentage":38.65},{"marketId":"GOLD","longPositionPercentage":70.10,"shortPositionPercentage":29.9},{"marketId":"OIL","longPositionPercentage":100,"shortPositionPercentage":0}]}');
    const wire = clientSentimentsResponseSchema.parse(body);
    const read = readSentiments(['GOLD', 'OIL', 'SILVER'], wire.clientSentiments);
    assert.deepEqual(read.readings, [
      { marketId: 'SILVER', longPercent: '61.35', shortPercent: '38.65' },
      { marketId: 'GOLD', longPercent: '70.1', shortPercent: '29.9' },
      { marketId: 'OIL', longPercent: '100', shortPercent: '0' },
    ]);
    assert.deepEqual(read.missing, []);
    assert.deepEqual(read.setAside, []);
    assert.deepEqual(read.offHundred, []);
  });

  test('tiny and long-tailed numbers keep every digit, without an exponent, and sum exactly', () => {
    const read = readSentiments(['A'], [{ marketId: 'A', longPositionPercentage: 1e-7, shortPositionPercentage: 99.9999999 }]);
    assert.deepEqual(read.readings, [{ marketId: 'A', longPercent: '0.0000001', shortPercent: '99.9999999' }]);
    assert.deepEqual(read.offHundred, []);
  });

  test('decimal strings and Decimals are accepted and written canonically', () => {
    const read = readSentiments(['A', 'B'], [
      { marketId: 'A', longPositionPercentage: '50.50', shortPositionPercentage: '49.50' },
      { marketId: 'B', longPositionPercentage: toDecimal('12.000'), shortPositionPercentage: toDecimal('88') },
    ]);
    assert.deepEqual(read.readings, [
      { marketId: 'A', longPercent: '50.5', shortPercent: '49.5' },
      { marketId: 'B', longPercent: '12', shortPercent: '88' },
    ]);
  });

  test('markets asked for but not answered are missing; rows not asked for, and repeats, are ignored', () => {
    const read = readSentiments(['A', 'B', 'C'], [
      { marketId: 'A', longPositionPercentage: 40, shortPositionPercentage: 60 },
      { marketId: 'A', longPositionPercentage: 41, shortPositionPercentage: 59 },
      { marketId: 'Z', longPositionPercentage: 10, shortPositionPercentage: 90 },
    ]);
    assert.deepEqual(read.readings, [{ marketId: 'A', longPercent: '40', shortPercent: '60' }]);
    assert.deepEqual(read.missing, ['B', 'C']);
  });

  test('a share outside 0-100 or not a decimal is set aside with the reason; a sum off 100 is kept and flagged', () => {
    const read = readSentiments(['NEG', 'BIG', 'BAD', 'OFF'], [
      { marketId: 'NEG', longPositionPercentage: -0.5, shortPositionPercentage: 100.5 },
      { marketId: 'BIG', longPositionPercentage: 20, shortPositionPercentage: 100.01 },
      { marketId: 'BAD', longPositionPercentage: '12,5', shortPositionPercentage: '87.5' },
      { marketId: 'OFF', longPositionPercentage: 33.33, shortPositionPercentage: 66.66 },
    ]);
    assert.deepEqual(read.setAside, [
      { marketId: 'NEG', reason: 'long share -0.5 % is outside 0-100' },
      { marketId: 'BIG', reason: 'short share 100.01 % is outside 0-100' },
      { marketId: 'BAD', reason: "not a decimal amount: '12,5'" },
    ]);
    assert.deepEqual(read.readings, [{ marketId: 'OFF', longPercent: '33.33', shortPercent: '66.66' }]);
    assert.deepEqual(read.offHundred, ['OFF']);
    assert.deepEqual(read.missing, []);
  });
});

describe('client sentiment points', () => {
  const atMs = Date.UTC(2025, 2, 4, 9, 15);

  test("a point's id is its market and poll time, so the same poll always names the same point", () => {
    assert.equal(sentimentPointId('GOLD', atMs), 'GOLD:2025-03-04T09:15:00.000Z');
    assert.equal(sentimentPointId('GOLD', atMs), sentimentPointId('GOLD', atMs));
    assert.notEqual(sentimentPointId('GOLD', atMs), sentimentPointId('GOLD', atMs + 1));
    assert.notEqual(sentimentPointId('GOLD', atMs), sentimentPointId('SILVER', atMs));
  });

  test('points are kept by UTC day: the last millisecond of a day and the first of the next fall apart', () => {
    const midnight = Date.UTC(2025, 2, 5);
    assert.equal(sentimentCollectionOf(midnight - 1), 'market_sentiment_20250304');
    assert.equal(sentimentCollectionOf(midnight), 'market_sentiment_20250305');
  });

  test('documents carry the exact text, the shared instrument id, the poll time and its workflow', () => {
    const [document] = sentimentDocuments([{ marketId: 'GOLD', longPercent: '61.35', shortPercent: '38.65' }], { atMs, sourceId: 'recon-sentiment:ACC-2025-03-04T09:15:00Z', receivedAtMs: atMs + 800 });
    assert.deepEqual(document, {
      _id: 'GOLD:2025-03-04T09:15:00.000Z',
      marketId: 'GOLD',
      instrumentId: instrumentId('GOLD'),
      atMs,
      longPercent: '61.35',
      shortPercent: '38.65',
      sourceId: 'recon-sentiment:ACC-2025-03-04T09:15:00Z',
      receivedAtMs: atMs + 800,
    });
  });

  test('the retention cut is whole days before the poll, and at least one day', () => {
    assert.equal(sentimentRetentionCutMs(atMs, 90), atMs - 90 * DAY_MS);
    assert.equal(sentimentRetentionCutMs(atMs, 1), atMs - DAY_MS);
    assert.throws(() => sentimentRetentionCutMs(atMs, 0), RangeError);
    assert.throws(() => sentimentRetentionCutMs(atMs, 1.5), RangeError);
  });
});

describe('the markets of a poll', () => {
  test('are epics, sorted and each once', () => {
    assert.deepEqual(checkSentimentMarkets(['SILVER', 'GOLD', 'SILVER', 'BTCUSD']), ['BTCUSD', 'GOLD', 'SILVER']);
  });

  test('anything else is refused with the offending value', () => {
    assert.throws(() => checkSentimentMarkets(['GOLD', 'gold']), (error: unknown) => error instanceof SentimentMarketsError && /'gold'/.test(error.message));
    assert.throws(() => checkSentimentMarkets(['GOLD', 'A,B']), SentimentMarketsError);
    assert.throws(() => checkSentimentMarkets([]), /no markets to poll/);
  });

  test(`are at most ${SENTIMENT_MARKETS_MAX}`, () => {
    const many = Array.from({ length: SENTIMENT_MARKETS_MAX + 1 }, (_, i) => `M${String(i).padStart(4, '0')}`);
    assert.equal(checkSentimentMarkets(many.slice(0, SENTIMENT_MARKETS_MAX)).length, SENTIMENT_MARKETS_MAX);
    assert.throws(() => checkSentimentMarkets(many), /at most 1000 markets per poll, got 1001/);
  });
});
