import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sentimentHistoryView, sentimentRange, SENTIMENT_HISTORY_DEFAULT_DAYS } from '../../../api/routes/market-sentiment';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import {
  checkScheduleMarkets,
  checkSentimentInterval,
  SENTIMENT_INTERVAL_SECONDS_DEFAULT,
  SENTIMENT_INTERVAL_SECONDS_MAX,
  SENTIMENT_INTERVAL_SECONDS_MIN,
  SentimentScheduleError,
  sentimentScheduleId,
} from '../../../lib/temporal/sentiment-schedules';

const DAY_MS = 86_400_000;

describe('the sentiment Schedule settings', () => {
  test('one schedule per account, named after it', () => {
    assert.equal(sentimentScheduleId('ACC-1'), 'recon-sentiment:ACC-1');
  });

  test('the interval defaults to 15 minutes and stays within a minute and a day', () => {
    assert.equal(SENTIMENT_INTERVAL_SECONDS_DEFAULT, 900);
    assert.equal(checkSentimentInterval(SENTIMENT_INTERVAL_SECONDS_MIN), 60);
    assert.equal(checkSentimentInterval(SENTIMENT_INTERVAL_SECONDS_MAX), 86_400);
    for (const bad of [59, 86_401, 90.5, Number.NaN, 0, -60]) {
      assert.throws(() => checkSentimentInterval(bad), (error: unknown) => error instanceof SentimentScheduleError && /from 60 to 86400/.test(error.message), String(bad));
    }
  });

  test('market ids are checked as epics before the schedule is touched', () => {
    assert.deepEqual(checkScheduleMarkets(['GOLD', 'BTCUSD', 'GOLD']), ['BTCUSD', 'GOLD']);
    assert.throws(() => checkScheduleMarkets(['GOLD', 'gold ']), (error: unknown) => error instanceof SentimentScheduleError && /'gold '/.test(error.message));
    assert.throws(() => checkScheduleMarkets([]), SentimentScheduleError);
  });
});

describe('sentiment history requests', () => {
  const nowMs = Date.UTC(2025, 2, 4, 12);

  test(`without bounds they cover the ${SENTIMENT_HISTORY_DEFAULT_DAYS} days up to now; a given bound is kept`, () => {
    assert.deepEqual(sentimentRange(undefined, undefined, nowMs), { fromMs: nowMs - 7 * DAY_MS, toMs: nowMs });
    const toMs = Date.UTC(2025, 1, 1);
    assert.deepEqual(sentimentRange(undefined, toMs, nowMs), { fromMs: toMs - 7 * DAY_MS, toMs });
    assert.deepEqual(sentimentRange(toMs - 1000, toMs, nowMs), { fromMs: toMs - 1000, toMs });
  });

  test('the answer names the market, its instrument id and the range, points in ISO time with the exact text', () => {
    const atMs = Date.UTC(2025, 2, 4, 9, 15);
    const answer = sentimentHistoryView({ marketId: 'GOLD', fromMs: atMs - DAY_MS, toMs: atMs }, [
      { _id: 'GOLD:x', marketId: 'GOLD', instrumentId: instrumentId('GOLD'), atMs, longPercent: '61.35', shortPercent: '38.65', sourceId: 'wf-1', receivedAtMs: atMs + 5 },
    ]);
    assert.deepEqual(answer, {
      marketId: 'GOLD',
      instrumentId: instrumentId('GOLD'),
      from: '2025-03-03T09:15:00.000Z',
      to: '2025-03-04T09:15:00.000Z',
      points: [{ at: '2025-03-04T09:15:00.000Z', longPercent: '61.35', shortPercent: '38.65', sourceId: 'wf-1' }],
    });
  });
});
