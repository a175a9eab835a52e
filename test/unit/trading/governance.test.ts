import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_GOVERNANCE_POLICY,
  type GovernancePolicy,
  GovernancePolicyError,
  type GovernanceViolation,
  checkOrder,
  checkPosition,
  orderTermsOf,
  validateGovernancePolicy,
} from '../../../lib/trading/orders';
import { brokerOrder, brokerPosition } from './broker-fixtures';

function order(overrides: Record<string, unknown> = {}) {
  return orderTermsOf(brokerOrder({ epic: 'AAPL', orderSize: 10, orderLevel: 200, stopLevel: 190, ...overrides }));
}

function position(overrides: Record<string, unknown> = {}) {
  return brokerPosition({ workingOrderId: 'WO-1', size: 0.5, leverage: 2, level: 40000, stopLevel: 38000, ...overrides });
}

function policy(overrides: Partial<GovernancePolicy> = {}): GovernancePolicy {
  return { ...DEFAULT_GOVERNANCE_POLICY, ...overrides };
}

function rules(violations: GovernanceViolation[]): string[] {
  return violations.map((v) => `${v.rule}:${v.severity}`);
}

describe('the default policy', () => {
  test('is valid, requires a stop, and has no size limits or guaranteed-stop requirements', () => {
    assert.equal(validateGovernancePolicy(DEFAULT_GOVERNANCE_POLICY), DEFAULT_GOVERNANCE_POLICY);
    assert.deepEqual(checkOrder(order(), 'SHARES'), []);
    assert.deepEqual(checkOrder(order({ orderSize: 1_000_000 }), 'SHARES'), []);
  });

  test('an order with no stop is a critical stop-required violation naming the deal and the policy version', () => {
    assert.deepEqual(checkOrder(order({ stopLevel: undefined }), 'SHARES'), [
      { rule: 'stop-required', severity: 'critical', subject: 'WO-1', message: 'order WO-1 has no stop (no stop level, stop distance or trailing stop)', policyVersion: 'v1' },
    ]);
  });
});

describe('stop rules', () => {
  test('a stop distance counts as a stop, and so does a trailing stop', () => {
    assert.deepEqual(checkOrder(order({ stopLevel: undefined, stopDistance: 5 }), 'SHARES'), []);
    assert.deepEqual(checkPosition(position({ stopLevel: undefined, trailingStop: true, stopDistance: 500 }), 'CRYPTOCURRENCIES'), []);
  });

  test('with requireStop off, no stop is fine', () => {
    assert.deepEqual(checkOrder(order({ stopLevel: undefined }), 'SHARES', policy({ requireStop: false })), []);
  });

  test('a guaranteed stop is required only for the named instrument types', () => {
    const strict = policy({ requireGuaranteedStopFor: ['CRYPTOCURRENCIES'] });
    assert.deepEqual(rules(checkPosition(position(), 'CRYPTOCURRENCIES', strict)), ['guaranteed-stop-required:critical']);
    assert.deepEqual(checkPosition(position({ guaranteedStop: true }), 'CRYPTOCURRENCIES', strict), []);
    assert.deepEqual(checkPosition(position(), 'SHARES', strict), []);
  });

  test('a trailing stop together with a guaranteed stop is forbidden by default, allowed when switched off', () => {
    const both = order({ trailingStop: true, guaranteedStop: true, stopDistance: 5 });
    assert.deepEqual(rules(checkOrder(both, 'SHARES')), ['trailing-with-guaranteed:critical']);
    assert.deepEqual(checkOrder(both, 'SHARES', policy({ forbidTrailingWithGuaranteed: false })), []);
  });
});

describe('take-profit rules', () => {
  test('a required take-profit that is missing is a warning', () => {
    const required = policy({ takeProfit: { required: true } });
    assert.deepEqual(rules(checkOrder(order(), 'SHARES', required)), ['take-profit-required:warning']);
    assert.deepEqual(checkOrder(order({ profitDistance: 20 }), 'SHARES', required), []);
  });

  test('distance percent = |profit level − entry| / entry × 100, inside [min, max] inclusive', () => {
    const band = policy({ takeProfit: { required: false, minDistancePercent: '1', maxDistancePercent: '10' } });
    assert.deepEqual(checkOrder(order({ profitLevel: 202 }), 'SHARES', band), [], '1% is the minimum itself');
    assert.deepEqual(checkOrder(order({ profitLevel: 220 }), 'SHARES', band), [], '10% is the maximum itself');
    const [below] = checkOrder(order({ profitLevel: 201 }), 'SHARES', band);
    assert.equal(below?.rule, 'take-profit-distance');
    assert.equal(below?.severity, 'warning');
    assert.equal(below?.message, 'order WO-1 has its take-profit 0.5% from entry, below the minimum of 1%');
    const [above] = checkOrder(order({ profitLevel: 230 }), 'SHARES', band);
    assert.equal(above?.message, 'order WO-1 has its take-profit 15% from entry, above the maximum of 10%');
  });

  test('a SELL take-profit below entry is measured by its size; a distance is measured like a level', () => {
    const band = policy({ takeProfit: { required: false, maxDistancePercent: '10' } });
    assert.deepEqual(checkOrder(order({ direction: 'SELL', stopLevel: 210, profitLevel: 185 }), 'SHARES', band), []);
    assert.deepEqual(rules(checkOrder(order({ profitDistance: 30 }), 'SHARES', band)), ['take-profit-distance:warning']);
    assert.deepEqual(rules(checkPosition(position({ profitLevel: 50000 }), 'CRYPTOCURRENCIES', band)), ['take-profit-distance:warning']);
  });

  test('an entry level of zero cannot be measured: reported, not divided by', () => {
    const band = policy({ takeProfit: { required: false, minDistancePercent: '1' } });
    const [violation] = checkOrder(order({ orderLevel: 0, stopLevel: undefined, stopDistance: 1, profitDistance: 5 }), 'SHARES', band);
    assert.match(violation?.message ?? '', /cannot be measured/);
  });
});

describe('size limits', () => {
  const limited = policy({ maxSizeByInstrumentType: { SHARES: '100', CRYPTOCURRENCIES: '0.25' } });

  test('a size above its instrument type’s limit is critical; exactly the limit is fine', () => {
    assert.deepEqual(checkOrder(order({ orderSize: 100 }), 'SHARES', limited), []);
    const [violation] = checkOrder(order({ orderSize: '100.5' }), 'SHARES', limited);
    assert.equal(violation?.rule, 'max-size');
    assert.equal(violation?.severity, 'critical');
    assert.equal(violation?.message, 'order WO-1 has size 100.5, above the SHARES limit of 100');
  });

  test('positions are held to the same limits, compared as decimals', () => {
    assert.deepEqual(rules(checkPosition(position({ size: '0.26' }), 'CRYPTOCURRENCIES', limited)), ['max-size:critical']);
    assert.deepEqual(checkPosition(position({ size: '0.250' }), 'CRYPTOCURRENCIES', limited), []);
  });

  test('an instrument type the policy does not name has no limit, including types the broker adds later', () => {
    assert.deepEqual(checkOrder(order({ orderSize: 1e9 }), 'INDICES', limited), []);
    assert.deepEqual(checkOrder(order({ orderSize: 1e9 }), 'BONDS', limited), []);
    assert.deepEqual(checkOrder(order({ orderSize: 1e9 }), 'constructor', limited), []);
  });

  test('several violations on one deal are all reported', () => {
    const strict = policy({ takeProfit: { required: true }, maxSizeByInstrumentType: { SHARES: '1' }, requireGuaranteedStopFor: ['SHARES'] });
    assert.deepEqual(rules(checkOrder(order({ stopLevel: undefined }), 'SHARES', strict)), ['stop-required:critical', 'guaranteed-stop-required:critical', 'take-profit-required:warning', 'max-size:critical']);
  });
});

describe('policy validation', () => {
  const refused: [string, unknown, RegExp][] = [
    ['not an object', 'strict', /must be an object/],
    ['a misspelt field', { ...DEFAULT_GOVERNANCE_POLICY, requireStops: true }, /unknown field\(s\) requireStops/],
    ['a version with spaces', policy({ version: 'v 1' }), /version must be/],
    ['requireStop as text', { ...DEFAULT_GOVERNANCE_POLICY, requireStop: 'yes' }, /requireStop must be true or false/],
    ['forbidTrailingWithGuaranteed missing', { ...DEFAULT_GOVERNANCE_POLICY, forbidTrailingWithGuaranteed: undefined }, /forbidTrailingWithGuaranteed must be true or false/],
    ['a lower-case instrument type', policy({ requireGuaranteedStopFor: ['shares'] }), /"shares" is not an instrument type/],
    ['an instrument type twice', policy({ requireGuaranteedStopFor: ['SHARES', 'SHARES'] }), /twice/],
    ['takeProfit missing', { ...DEFAULT_GOVERNANCE_POLICY, takeProfit: undefined }, /takeProfit must be an object/],
    ['takeProfit with an unknown field', policy({ takeProfit: { required: false, maxPercent: '5' } as never }), /takeProfit has unknown field/],
    ['a minimum above the maximum', policy({ takeProfit: { required: false, minDistancePercent: '5', maxDistancePercent: '2' } }), /minDistancePercent 5 is above maxDistancePercent 2/],
    ['a negative minimum', policy({ takeProfit: { required: false, minDistancePercent: '-1' } }), /zero or more/],
    ['a zero maximum', policy({ takeProfit: { required: false, maxDistancePercent: '0' } }), /above zero/],
    ['a size limit as a JSON number', policy({ maxSizeByInstrumentType: { SHARES: 100 as unknown as string } }), /maxSizeByInstrumentType.SHARES must be decimal text/],
    ['a size limit of zero', policy({ maxSizeByInstrumentType: { SHARES: '0' } }), /above zero/],
    ['a size limit that is not a number', policy({ maxSizeByInstrumentType: { SHARES: '1,5' } }), /decimal text/],
    ['size limits as a list', { ...DEFAULT_GOVERNANCE_POLICY, maxSizeByInstrumentType: [] }, /must be an object/],
  ];
  for (const [scenario, bad, message] of refused) {
    test(`refuses ${scenario}`, () => {
      assert.throws(() => validateGovernancePolicy(bad), (error: unknown) => error instanceof GovernancePolicyError && message.test(error.message));
    });
  }

  test('accepts a full policy and returns it', () => {
    const full = {
      version: 'risk-2025.01',
      requireStop: true,
      requireGuaranteedStopFor: ['CRYPTOCURRENCIES', 'SHARES'],
      takeProfit: { required: true, minDistancePercent: '0.5', maxDistancePercent: '25' },
      maxSizeByInstrumentType: { SHARES: '500', CRYPTOCURRENCIES: '2.5', NEW_TYPE: '1' },
      forbidTrailingWithGuaranteed: true,
    };
    assert.equal(validateGovernancePolicy(full), full);
  });

  test('checks refuse a malformed policy rather than apply part of it', () => {
    assert.throws(() => checkOrder(order(), 'SHARES', policy({ version: '' })), GovernancePolicyError);
  });
});
