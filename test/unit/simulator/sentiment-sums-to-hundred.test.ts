import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toDecimal } from '../../../lib/money';
import { allMarkets, UnknownMarketError } from '../../../simulator/data/markets';
import { sentimentAt } from '../../../simulator/data/sentiment';
import { shapeDifferences } from '../../helpers/json-shape';
import { exampleBody, MARCH_START_MS, splitPoints } from './helpers';

describe('simulator client sentiment', () => {
  const instants = splitPoints('sentiment', MARCH_START_MS, MARCH_START_MS + 30 * 86_400_000, 20);

  test('long and short add up to exactly 100 with at most two decimals, within 10..90', () => {
    for (const market of allMarkets()) {
      for (const at of instants.slice(0, 5)) {
        const s = sentimentAt(market.epic, at);
        assert.ok(toDecimal(s.longPositionPercentage).plus(toDecimal(s.shortPositionPercentage)).eq(100), `${market.epic}: ${s.longPositionPercentage} + ${s.shortPositionPercentage}`);
        assert.ok(toDecimal(s.longPositionPercentage).decimalPlaces() <= 2);
        assert.ok(s.longPositionPercentage >= 10 && s.longPositionPercentage <= 90);
      }
    }
  });

  test('deterministic, and drifting slowly: a minute moves it by well under a point', () => {
    for (const at of instants) {
      assert.deepEqual(sentimentAt('SILVER', at), sentimentAt('SILVER', at));
      const drift = Math.abs(sentimentAt('SILVER', at + 60_000).longPositionPercentage - sentimentAt('SILVER', at).longPositionPercentage);
      assert.ok(drift < 0.5, `moved ${drift} in a minute`);
    }
    const values = new Set(instants.map((at) => sentimentAt('GOLD', at).longPositionPercentage));
    assert.ok(values.size > 5, 'it does move over a month');
  });

  test('has the shape of the official example and refuses unknown markets', () => {
    const example = (exampleBody('get-client-sentiment-for-markets-successful-response.json') as { clientSentiments: unknown[] }).clientSentiments;
    assert.deepEqual(shapeDifferences(example, [sentimentAt('SILVER', MARCH_START_MS), sentimentAt('NATURALGAS', MARCH_START_MS)]), []);
    assert.equal(sentimentAt('NATURALGAS', MARCH_START_MS).marketId, 'NATURALGAS');
    assert.throws(() => sentimentAt('NOPE', MARCH_START_MS), UnknownMarketError);
  });
});
