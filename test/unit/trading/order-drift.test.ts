import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from '../../../lib/money';
import { type OrderIntentTerms, driftAgainstOrder, driftAgainstPosition, levelFromDistance, orderTermsOf } from '../../../lib/trading/orders';
import { brokerOrder, brokerPosition } from './broker-fixtures';

const GOOD_TILL_MS = Date.UTC(2025, 0, 20, 10, 0);

function order(overrides: Record<string, unknown> = {}) {
  return orderTermsOf(brokerOrder(overrides));
}

function position(overrides: Record<string, unknown> = {}) {
  return brokerPosition(overrides);
}

function intent(overrides: Partial<OrderIntentTerms> = {}): OrderIntentTerms {
  return { epic: 'GOLD', direction: 'BUY', size: '1', orderType: 'LIMIT', level: '100', ...overrides };
}

describe('levelFromDistance', () => {
  for (const [direction, side, expected] of [
    ['BUY', 'stop', '90'],
    ['BUY', 'profit', '110'],
    ['SELL', 'stop', '110'],
    ['SELL', 'profit', '90'],
  ] as const) {
    test(`${direction} ${side} 10 from 100 is ${expected}`, () => {
      assert.equal(levelFromDistance(new Decimal(100), new Decimal(10), direction, side).toFixed(), expected);
    });
  }

  test('a signed distance counts by its size', () => {
    assert.equal(levelFromDistance(new Decimal(100), new Decimal(-10), 'BUY', 'stop').toFixed(), '90');
  });
});

describe('intent vs working order', () => {
  test('the order holds exactly what we asked for: no drift', () => {
    assert.deepEqual(driftAgainstOrder(intent({ stopLevel: '90', profitDistance: '15' }), order({ stopLevel: 90, profitDistance: 15 })), []);
  });

  test('decimals equal by value are not drift ("1.50" asked, 1.5 held)', () => {
    assert.deepEqual(driftAgainstOrder(intent({ size: '1.50', level: '100.000' }), order({ orderSize: 1.5 })), []);
  });

  test('a LIMIT level and size moved by the broker are drift, in canonical text', () => {
    assert.deepEqual(driftAgainstOrder(intent({ size: '2' }), order({ orderLevel: '100.25' })), [
      { field: 'size', requested: '2', held: '1' },
      { field: 'level', requested: '100', held: '100.25' },
    ]);
  });

  test('a market intent resting as a working order is an orderType drift, but its level is never drift', () => {
    assert.deepEqual(driftAgainstOrder(intent({ orderType: 'MARKET', level: '50' }), order()), [{ field: 'orderType', requested: 'MARKET', held: 'LIMIT' }]);
  });

  test('BUY stop asked as distance 10, held as level 90 at order level 100: no drift', () => {
    assert.deepEqual(driftAgainstOrder(intent({ stopDistance: '10' }), order({ stopLevel: 90 })), []);
  });

  test('BUY stop asked as distance 10, held as level 91: drift in levels, with the conversion noted', () => {
    assert.deepEqual(driftAgainstOrder(intent({ stopDistance: '10' }), order({ stopLevel: 91 })), [
      { field: 'stopLevel', requested: '90', held: '91', note: 'requested as distance 10 from level 100' },
    ]);
  });

  test('SELL stop asked as level 110, held as distance 10: no drift; held as distance 12: drift', () => {
    const sell = intent({ direction: 'SELL', stopLevel: '110' });
    assert.deepEqual(driftAgainstOrder(sell, order({ direction: 'SELL', stopDistance: 10 })), []);
    assert.deepEqual(driftAgainstOrder(sell, order({ direction: 'SELL', stopDistance: 12 })), [
      { field: 'stopLevel', requested: '110', held: '112', note: 'held as distance 12 from level 100' },
    ]);
  });

  test('take-profit converts the other way: BUY +distance, SELL −distance', () => {
    assert.deepEqual(driftAgainstOrder(intent({ profitDistance: '20' }), order({ profitLevel: 120 })), []);
    assert.deepEqual(driftAgainstOrder(intent({ direction: 'SELL', profitDistance: '20' }), order({ direction: 'SELL', profitLevel: 80 })), []);
    assert.deepEqual(driftAgainstOrder(intent({ direction: 'SELL', profitLevel: '80' }), order({ direction: 'SELL', profitLevel: 120 })), [{ field: 'profitLevel', requested: '80', held: '120' }]);
  });

  test('distances are compared by size: a signed held distance equal in size is not drift', () => {
    assert.deepEqual(driftAgainstOrder(intent({ stopDistance: '10' }), order({ stopDistance: -10 })), []);
  });

  test('a stop held but not asked for, and a take-profit asked for but not held, are both drift', () => {
    assert.deepEqual(driftAgainstOrder(intent({ profitLevel: '120' }), order({ stopLevel: 90 })), [
      { field: 'stopLevel', requested: null, held: '90', note: 'held but not requested' },
      { field: 'profitLevel', requested: '120', held: null },
    ]);
  });

  test('flags: unset means false; guaranteed and trailing differences are drift', () => {
    assert.deepEqual(driftAgainstOrder(intent(), order({ guaranteedStop: false, trailingStop: false })), []);
    assert.deepEqual(driftAgainstOrder(intent({ guaranteedStop: true, stopDistance: '10' }), order({ stopDistance: 10 })), [{ field: 'guaranteedStop', requested: true, held: false }]);
  });

  test('a trailing stop is compared as a distance, even when the held stop level has moved', () => {
    const trailing = intent({ trailingStop: true, stopDistance: '10' });
    assert.deepEqual(driftAgainstOrder(trailing, order({ trailingStop: true, stopDistance: 10, stopLevel: 95 })), []);
    assert.deepEqual(driftAgainstOrder(trailing, order({ trailingStop: true, stopDistance: 8 })), [
      { field: 'stopDistance', requested: '10', held: '8', note: 'trailing stop compared as a distance from level 100' },
    ]);
  });

  test('good-till time: asked and held equal is fine; held when not asked is drift', () => {
    const gtd = { timeInForce: 'GOOD_TILL_DATE', goodTillDateUTC: '2025-01-20T10:00:00.000' };
    assert.deepEqual(driftAgainstOrder(intent({ goodTillMs: GOOD_TILL_MS }), order(gtd)), []);
    assert.deepEqual(driftAgainstOrder(intent(), order(gtd)), [{ field: 'goodTillMs', requested: null, held: GOOD_TILL_MS }]);
  });

  test('epic and direction: case of the epic does not matter, the instrument and side do', () => {
    assert.deepEqual(driftAgainstOrder(intent({ epic: ' gold ' }), order()), []);
    assert.deepEqual(driftAgainstOrder(intent({ epic: 'SILVER', direction: 'SELL' }), order()), [
      { field: 'epic', requested: 'SILVER', held: 'GOLD' },
      { field: 'direction', requested: 'SELL', held: 'BUY' },
    ]);
  });
});

describe('intent vs the position it filled into', () => {
  test('a market order filled away from the level we saw is not drift', () => {
    assert.deepEqual(driftAgainstPosition(intent({ orderType: 'MARKET', level: '99' }), position({ level: 100.4 })), []);
  });

  test('a stop distance is converted with the position’s open level', () => {
    assert.deepEqual(driftAgainstPosition(intent({ orderType: 'MARKET', stopDistance: '10' }), position({ level: 100.4, stopLevel: 90.4 })), []);
    assert.deepEqual(driftAgainstPosition(intent({ orderType: 'MARKET', stopDistance: '10' }), position({ level: 100.4, stopLevel: 90 })), [
      { field: 'stopLevel', requested: '90.4', held: '90', note: 'requested as distance 10 from level 100.4' },
    ]);
  });

  test('size, epic (when given) and flags are compared; order type and good-till are not', () => {
    assert.deepEqual(driftAgainstPosition(intent({ orderType: 'MARKET', size: '2', goodTillMs: GOOD_TILL_MS }), position({ guaranteedStop: true }), 'SILVER'), [
      { field: 'epic', requested: 'GOLD', held: 'SILVER' },
      { field: 'size', requested: '2', held: '1' },
      { field: 'guaranteedStop', requested: false, held: true },
    ]);
  });
});
