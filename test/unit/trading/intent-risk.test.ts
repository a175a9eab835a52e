import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_INTENT_RISK_POLICY, type IntentRiskContext, type IntentRiskPolicy, IntentRiskPolicyError, type TradeIntent, checkRisk, validateIntentRiskPolicy } from '../../../lib/trading/intent';

function intent(overrides: Partial<TradeIntent> = {}): TradeIntent {
  return { source: 'desk', strategy: 's', instrument: 'GOLD', epic: 'GOLD', direction: 'BUY', size: '2', orderType: 'MARKET', stop: { distance: '20' }, guaranteedStop: false, trailingStop: false, idempotencyKey: 'k', ...overrides };
}

function policy(overrides: Partial<IntentRiskPolicy> = {}): IntentRiskPolicy {
  return { ...DEFAULT_INTENT_RISK_POLICY, ...overrides };
}

const CONTEXT: IntentRiskContext = { instrumentType: 'COMMODITIES', environment: 'demo', openGrossExposure: '900', intentNotional: '100' };

function rules(terms: Partial<TradeIntent>, rulesOf: Partial<IntentRiskPolicy> = {}, context: Partial<IntentRiskContext> = {}): string[] {
  return checkRisk(intent(terms), policy(rulesOf), { ...CONTEXT, ...context }).map((p) => `${p.field}:${p.rule}`);
}

describe('the default policy', () => {
  test('is valid, requires a stop, refuses live accounts and sets no limits', () => {
    assert.deepEqual(validateIntentRiskPolicy(DEFAULT_INTENT_RISK_POLICY), DEFAULT_INTENT_RISK_POLICY);
    assert.deepEqual(rules({ size: '1000000' }), []);
    assert.deepEqual(rules({ stop: undefined }), ['stop:risk.stop-required']);
    assert.deepEqual(rules({}, {}, { environment: 'live' }), ['environment:risk.demo-only']);
  });
});

describe('risk rules', () => {
  test('stop-required names the policy version; switched off, no stop is fine', () => {
    const [problem] = checkRisk(intent({ stop: undefined }), policy({ version: 'desk-2' }), CONTEXT);
    assert.deepEqual(problem, { field: 'stop', rule: 'risk.stop-required', reason: 'every intent must carry a stop (distance, level or amount) (risk policy desk-2)' });
    assert.deepEqual(rules({ stop: undefined }, { requireStop: false }), []);
  });

  test('max-size: at the limit of the instrument type is fine, above is not; other types are unlimited', () => {
    const limits = { maxSizeByInstrumentType: { COMMODITIES: '2' } };
    assert.deepEqual(rules({ size: '2' }, limits), []);
    assert.deepEqual(rules({ size: '2.01' }, limits), ['size:risk.max-size']);
    assert.deepEqual(rules({ size: '2.01' }, limits, { instrumentType: 'SHARES' }), []);
  });

  test('max-open-exposure: open plus this order at the limit is fine, above is not', () => {
    assert.deepEqual(rules({}, { maxOpenExposure: '1000' }), []);
    assert.deepEqual(rules({}, { maxOpenExposure: '1000' }, { intentNotional: '100.01' }), ['size:risk.max-open-exposure']);
    assert.deepEqual(rules({}, { maxOpenExposure: '1000' }, { intentNotional: '-100.01' }), ['size:risk.max-open-exposure'], 'a notional counts by its size, whatever its sign');
  });

  test('instrument-not-allowed: absent allows all, a list allows its epics, an empty list none', () => {
    assert.deepEqual(rules({}, {}), []);
    assert.deepEqual(rules({}, { allowedInstruments: ['SILVER', 'GOLD'] }), []);
    assert.deepEqual(rules({}, { allowedInstruments: ['SILVER'] }), ['instrument:risk.instrument-not-allowed']);
    assert.deepEqual(rules({}, { allowedInstruments: [] }), ['instrument:risk.instrument-not-allowed']);
  });

  test('demo-only refuses live, not demo or custom (the simulator); switched off, live is fine', () => {
    assert.deepEqual(rules({}, {}, { environment: 'live' }), ['environment:risk.demo-only']);
    assert.deepEqual(rules({}, {}, { environment: 'custom' }), []);
    assert.deepEqual(rules({}, { demoOnly: false }, { environment: 'live' }), []);
  });

  test('every broken rule is reported together', () => {
    const strict = { maxSizeByInstrumentType: { COMMODITIES: '1' }, maxOpenExposure: '500', allowedInstruments: ['SILVER'] };
    assert.deepEqual(rules({ stop: undefined }, strict, { environment: 'live' }), ['stop:risk.stop-required', 'size:risk.max-size', 'size:risk.max-open-exposure', 'instrument:risk.instrument-not-allowed', 'environment:risk.demo-only']);
  });
});

describe('policy validation', () => {
  function invalidFields(value: unknown): string[] {
    try {
      validateIntentRiskPolicy(value);
    } catch (error) {
      assert.ok(error instanceof IntentRiskPolicyError);
      return error.problems.map((p) => p.field);
    }
    assert.fail('expected the policy to be refused');
  }

  test('a full policy is accepted as it is', () => {
    const full: IntentRiskPolicy = { version: 'v2', requireStop: false, maxSizeByInstrumentType: { SHARES: '100', CRYPTOCURRENCIES: '0.5' }, maxOpenExposure: '250000.50', allowedInstruments: ['GOLD', 'US100'], demoOnly: false };
    assert.equal(validateIntentRiskPolicy(full), full);
  });

  test('every bad field is named at once: unknown key, lower-case type, number limit, missing flag, bad version, lower-case epic', () => {
    const fields = invalidFields({ version: 'v 1', maxSizeByInstrumentType: { shares: '1', SHARES: 5 }, maxOpenExposure: '0', allowedInstruments: ['gold'], demoOnly: true, requireStops: true });
    assert.deepEqual(fields.sort(), ['allowedInstruments.0', 'maxOpenExposure', 'maxSizeByInstrumentType.SHARES', 'maxSizeByInstrumentType.shares', 'requireStop', 'requireStops', 'version']);
  });

  test('a limit in exponent form or a non-object policy is refused', () => {
    assert.deepEqual(invalidFields({ ...DEFAULT_INTENT_RISK_POLICY, maxOpenExposure: '1e6' }), ['maxOpenExposure']);
    assert.deepEqual(invalidFields([]), ['policy']);
  });

  test('checkRisk refuses to run on an invalid policy', () => {
    assert.throws(() => checkRisk(intent(), { ...policy(), maxOpenExposure: 1000 as unknown as string }, CONTEXT), IntentRiskPolicyError);
  });
});
