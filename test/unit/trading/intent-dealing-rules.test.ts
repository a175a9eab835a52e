import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MarketDetails, marketDetailsSchema } from '../../../lib/capital/schemas/markets';
import { type TradeIntent, checkAgainstDealingRules } from '../../../lib/trading/intent';

const NOW_MS = Date.UTC(2025, 2, 5, 10, 0);
const points = (value: number | string) => ({ unit: 'POINTS', value });
const percent = (value: number | string) => ({ unit: 'PERCENTAGE', value });

/**
 * GOLD at 1999 / 2000. Sizes 0.5 to 100 in steps of 0.1 from 0.5; stops and profits 5 points to
 * 10% of the reference (200 at 2000); a guaranteed stop at least 1% (20 at 2000).
 */
function market(overrides: { instrument?: Record<string, unknown>; dealingRules?: Record<string, unknown>; snapshot?: Record<string, unknown> } = {}): MarketDetails {
  return marketDetailsSchema.parse({
    instrument: { epic: 'GOLD', expiry: '-', name: 'Gold', lotSize: 1, type: 'COMMODITIES', guaranteedStopAllowed: true, streamingPricesAvailable: true, currency: 'USD', marginFactor: 5, marginFactorUnit: 'PERCENTAGE', ...overrides.instrument },
    dealingRules: {
      minStepDistance: points(0.01),
      minDealSize: points(0.5),
      maxDealSize: points(100),
      minSizeIncrement: points(0.1),
      minGuaranteedStopDistance: percent(1),
      minStopOrProfitDistance: points(5),
      maxStopOrProfitDistance: percent(10),
      marketOrderPreference: 'AVAILABLE_DEFAULT_ON',
      trailingStopsPreference: 'AVAILABLE',
      ...overrides.dealingRules,
    },
    snapshot: { marketStatus: 'TRADEABLE', updateTime: '2025-03-05T10:00:00.000', delayTime: 0, bid: 1999, offer: 2000, decimalPlacesFactor: 2, scalingFactor: 1, ...overrides.snapshot },
  });
}

function intent(overrides: Partial<TradeIntent> = {}): TradeIntent {
  return { source: 'desk', strategy: 's', instrument: 'GOLD', epic: 'GOLD', direction: 'BUY', size: '1', orderType: 'MARKET', stop: { distance: '20' }, guaranteedStop: false, trailingStop: false, idempotencyKey: 'k', ...overrides };
}

function rules(terms: Partial<TradeIntent>, details: MarketDetails = market(), referencePrice?: string): string[] {
  return checkAgainstDealingRules(intent(terms), details, { nowMs: NOW_MS, ...(referencePrice ? { referencePrice } : {}) }).map((p) => `${p.field}:${p.rule}`);
}

describe('an intent inside every rule', () => {
  test('has no problems', () => {
    assert.deepEqual(rules({ profit: { distance: '40' } }), []);
  });
});

describe('size rules', () => {
  test('minDealSize: at the minimum is fine, just below is not', () => {
    assert.deepEqual(rules({ size: '0.5' }), []);
    assert.deepEqual(rules({ size: '0.4' }), ['size:dealing.min-size']);
  });

  test('maxDealSize: at the maximum is fine, just above is not', () => {
    assert.deepEqual(rules({ size: '100' }), []);
    assert.deepEqual(rules({ size: '100.1' }), ['size:dealing.max-size']);
  });

  test('minSizeIncrement: on the grid from the minimum is fine, between steps is not', () => {
    assert.deepEqual(rules({ size: '0.6' }), []);
    assert.deepEqual(rules({ size: '0.65' }), ['size:dealing.size-increment']);
    const reasons = checkAgainstDealingRules(intent({ size: '0.65' }), market(), { nowMs: NOW_MS }).map((p) => p.reason);
    assert.deepEqual(reasons, ['0.65 is not 0.5 plus a whole number of steps of 0.1']);
  });
});

describe('stop and profit distances', () => {
  test('a POINTS minimum: at it is fine, just below is not, for a stop and a profit alike', () => {
    assert.deepEqual(rules({ stop: { distance: '5' }, profit: { distance: '5' } }), []);
    assert.deepEqual(rules({ stop: { distance: '4.99' }, profit: { distance: '4.99' } }), ['stop:dealing.min-stop-distance', 'profit:dealing.min-profit-distance']);
  });

  test('a PERCENTAGE maximum is measured from the offer for a BUY market order', () => {
    assert.deepEqual(rules({ stop: { distance: '200' } }), []);
    assert.deepEqual(rules({ stop: { distance: '200.01' } }), ['stop:dealing.max-stop-distance']);
    const [problem] = checkAgainstDealingRules(intent({ stop: { distance: '200.01' } }), market(), { nowMs: NOW_MS });
    assert.equal(problem?.reason, 'stop distance 200.01 is above the maximum 200 (10% of 2000)');
  });

  test('… from the bid for a SELL market order', () => {
    assert.deepEqual(rules({ direction: 'SELL', profit: { distance: '199.9' } }), []);
    assert.deepEqual(rules({ direction: 'SELL', profit: { distance: '199.91' } }), ['profit:dealing.max-profit-distance']);
  });

  test('… from the order level for LIMIT and STOP orders', () => {
    assert.deepEqual(rules({ orderType: 'LIMIT', level: '1000', stop: { distance: '100' } }), []);
    assert.deepEqual(rules({ orderType: 'STOP', level: '1000', stop: { distance: '100.01' } }), ['stop:dealing.max-stop-distance']);
  });

  test('… from the reference price when one is passed for a market order', () => {
    assert.deepEqual(rules({ stop: { distance: '150' } }, market(), '1500'), []);
    assert.deepEqual(rules({ stop: { distance: '150.01' } }, market(), '1500'), ['stop:dealing.max-stop-distance']);
  });

  test('a PERCENTAGE minimum: at it is fine, just below is not', () => {
    const details = market({ dealingRules: { minStopOrProfitDistance: percent('0.5') } });
    assert.deepEqual(rules({ stop: { distance: '10' } }, details), []);
    assert.deepEqual(rules({ stop: { distance: '9.99' } }, details), ['stop:dealing.min-stop-distance']);
  });

  test('a POINTS maximum: at it is fine, just above is not', () => {
    const details = market({ dealingRules: { maxStopOrProfitDistance: points(50) } });
    assert.deepEqual(rules({ profit: { distance: '50' } }, details), []);
    assert.deepEqual(rules({ profit: { distance: '50.5' } }, details), ['profit:dealing.max-profit-distance']);
  });

  test('the 2023 rule names are read as the current ones', () => {
    const details = market({ dealingRules: { minStopOrProfitDistance: undefined, minNormalStopOrLimitDistance: points(30) } });
    assert.deepEqual(rules({ stop: { distance: '29' } }, details), ['stop:dealing.min-stop-distance']);
  });

  test('a rule in a unit this check does not know is a problem, not a silent pass', () => {
    const details = market({ dealingRules: { maxStopOrProfitDistance: { unit: 'PIPS', value: 10 } } });
    assert.deepEqual(rules({}, details), ['stop:dealing.max-stop-distance']);
  });

  test('a stop or profit as an amount of money is left to the broker', () => {
    assert.deepEqual(rules({ stop: { amount: '0.01' }, profit: { amount: '1000000' } }), []);
  });
});

describe('stops and profits given as levels', () => {
  test('a BUY stop below and profit above the reference are measured as distances', () => {
    assert.deepEqual(rules({ stop: { level: '1995' }, profit: { level: '2200' } }), []);
    assert.deepEqual(rules({ stop: { level: '1995.01' } }), ['stop:dealing.min-stop-distance']);
    assert.deepEqual(rules({ profit: { level: '2200.01' } }), ['profit:dealing.max-profit-distance']);
  });

  test('a BUY stop at or above the reference, or a profit at or below it, is on the wrong side', () => {
    assert.deepEqual(rules({ stop: { level: '2000' } }), ['stop.level:dealing.stop-wrong-side']);
    assert.deepEqual(rules({ stop: { level: '2010' }, profit: { level: '1990' } }), ['stop.level:dealing.stop-wrong-side', 'profit.level:dealing.profit-wrong-side']);
  });

  test('a SELL has them the other way round, measured from the bid', () => {
    assert.deepEqual(rules({ direction: 'SELL', stop: { level: '2010' }, profit: { level: '1990' } }), []);
    assert.deepEqual(rules({ direction: 'SELL', stop: { level: '1990' } }), ['stop.level:dealing.stop-wrong-side']);
    assert.deepEqual(rules({ direction: 'SELL', stop: { level: '2003.99' } }), ['stop:dealing.min-stop-distance'], '4.99 above the bid of 1999');
  });

  test('a LIMIT order measures from its level', () => {
    assert.deepEqual(rules({ orderType: 'LIMIT', level: '1900', stop: { level: '1890' } }), []);
    assert.deepEqual(rules({ orderType: 'LIMIT', level: '1900', stop: { level: '1950' } }), ['stop.level:dealing.stop-wrong-side']);
  });
});

describe('guaranteed and trailing stops', () => {
  test("a guaranteed stop's minimum replaces the normal one: at 1% of 2000 is fine, just below is not", () => {
    assert.deepEqual(rules({ guaranteedStop: true, stop: { distance: '20' } }), []);
    assert.deepEqual(rules({ guaranteedStop: true, stop: { distance: '19.99' } }), ['stop:dealing.min-guaranteed-stop-distance']);
  });

  test('a guaranteed stop on a market that does not allow them, or does not say, is refused', () => {
    assert.deepEqual(rules({ guaranteedStop: true }, market({ instrument: { guaranteedStopAllowed: false } })), ['guaranteedStop:dealing.guaranteed-stop-not-allowed']);
    assert.deepEqual(rules({ guaranteedStop: true }, market({ instrument: { guaranteedStopAllowed: undefined } })), ['guaranteedStop:dealing.guaranteed-stop-not-allowed']);
    assert.deepEqual(rules({ guaranteedStop: true }, market({ instrument: { guaranteedStopAllowed: undefined, controlledRiskAllowed: true } })), [], 'the 2023 name');
  });

  test('a trailing stop where trailing stops are NOT_AVAILABLE is refused', () => {
    assert.deepEqual(rules({ trailingStop: true }), []);
    assert.deepEqual(rules({ trailingStop: true }, market({ dealingRules: { trailingStopsPreference: 'NOT_AVAILABLE' } })), ['trailingStop:dealing.trailing-stop-not-available']);
  });
});

describe('market and time', () => {
  test('a market that is not TRADEABLE is closed', () => {
    assert.deepEqual(rules({}, market({ snapshot: { marketStatus: 'CLOSED' } })), ['instrument:dealing.market-closed']);
    assert.deepEqual(rules({}, market({ snapshot: { marketStatus: 'EDITS_ONLY' } })), ['instrument:dealing.market-closed']);
  });

  test('a good-till time at the broker time has passed; a second later is fine', () => {
    const order = { orderType: 'LIMIT', level: '1900' } as const;
    assert.deepEqual(rules({ ...order, goodTillMs: NOW_MS }), ['goodTill:good-till-in-future']);
    assert.deepEqual(rules({ ...order, goodTillMs: NOW_MS + 1000 }), []);
  });

  test('every broken rule is reported together', () => {
    assert.deepEqual(rules({ size: '0.45', stop: { distance: '1' }, profit: { level: '1990' }, trailingStop: true }, market({ snapshot: { marketStatus: 'CLOSED' }, dealingRules: { trailingStopsPreference: 'NOT_AVAILABLE' } })), [
      'instrument:dealing.market-closed',
      'size:dealing.min-size',
      'size:dealing.size-increment',
      'stop:dealing.min-stop-distance',
      'profit.level:dealing.profit-wrong-side',
      'trailingStop:dealing.trailing-stop-not-available',
    ]);
  });

  test("another market's details are a programming error", () => {
    assert.throws(() => checkAgainstDealingRules(intent({ epic: 'SILVER' }), market(), { nowMs: NOW_MS }), /market details are for GOLD/);
  });
});
