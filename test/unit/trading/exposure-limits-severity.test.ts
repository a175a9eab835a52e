import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import {
  computeExposureSnapshot,
  DEFAULT_EXPOSURE_LIMITS,
  type ExposureBreach,
  ExposureLimitsError,
  type ExposureLimitsInput,
  type ExposurePositionInput,
  parseExposureLimits,
} from '../../../lib/trading/exposure';

/** One unit at `price` in a USD account: the gross exposure is the price. */
const held = (dealId: string, epic: string, instrumentType: string, price: string): ExposurePositionInput => ({
  position: { dealId, direction: 'BUY', size: '1', contractSize: '1', upl: '0', currency: 'USD', leverage: 10 },
  market: { epic, instrumentType, bid: price, offer: price, lotSize: '1' },
});

function breachesOf(positions: ExposurePositionInput[], limits: ExposureLimitsInput, equity = '100000'): ExposureBreach[] {
  return computeExposureSnapshot({ accountId: 'ACC-L', accountCurrency: 'USD', equity, atMs: Date.UTC(2025, 2, 1), positions, instruments: {}, fxRates: {}, limits }).breaches;
}
const severities = (breaches: ExposureBreach[]) => breaches.map((breach) => breach.severity);

describe('severity against a limit of 1000: warning from 80 %, breach above it, critical above 150 %', () => {
  const limits = { version: 't1', maxGrossByInstrument: { US500: '1000' } };
  for (const [gross, expected] of [
    ['799.99', []],
    ['800', ['warning']],
    ['1000', ['warning']],
    ['1000.01', ['breach']],
    ['1500', ['breach']],
    ['1500.01', ['critical']],
  ] as const) {
    test(`gross ${gross} → ${expected.join() || 'nothing'}`, () => {
      assert.deepEqual(severities(breachesOf([held('D1', 'US500', 'INDICES', gross)], limits)), expected);
    });
  }

  test('a breach carries the limit, the rule, the instrument id, the figures and a sentence', () => {
    const [breach] = breachesOf([held('D1', 'US500', 'INDICES', '1200')], limits);
    assert.deepEqual(breach, {
      limit: 'maxGrossByInstrument',
      rule: 'maxGrossByInstrument@t1',
      key: instrumentId('US500'),
      value: '1200',
      threshold: '1000',
      severity: 'breach',
      message: 'US500 gross exposure 1200 USD is over the limit 1000 USD (120% of it)',
    });
  });

  test('an instrument limit may name the epic or the instrument id', () => {
    const byId = breachesOf([held('D1', 'US500', 'INDICES', '1200')], { version: 't1', maxGrossByInstrument: { [instrumentId('US500')]: '1000' } });
    assert.deepEqual(byId, breachesOf([held('D1', 'US500', 'INDICES', '1200')], limits));
  });

  test('the warning and critical levels are configurable', () => {
    const tighter = { ...limits, warnAtPercentOfLimit: 90, criticalAtPercentOfLimit: 120 };
    assert.deepEqual(severities(breachesOf([held('D1', 'US500', 'INDICES', '850')], tighter)), []);
    assert.deepEqual(severities(breachesOf([held('D1', 'US500', 'INDICES', '1250')], tighter)), ['critical']);
  });
});

describe('the limits by kind', () => {
  test('gross by instrument type, in the account currency', () => {
    const breaches = breachesOf([held('D1', 'US500', 'INDICES', '7000'), held('D2', 'DE40', 'INDICES', '5000')], { version: 't1', maxGrossByInstrumentType: { INDICES: '10000', SHARES: '1' } });
    assert.deepEqual(breaches.map(({ limit, key, value, severity }) => ({ limit, key, value, severity })), [{ limit: 'maxGrossByInstrumentType', key: 'INDICES', value: '12000', severity: 'breach' }]);
  });

  test('leverage by instrument type: crypto 1600 on equity 1000 is 1.6 against 1, critical', () => {
    const [breach] = breachesOf([held('D1', 'BTCUSD', 'CRYPTOCURRENCIES', '1600')], { version: 't1', maxLeverageByInstrumentType: { CRYPTOCURRENCIES: '1' } }, '1000');
    assert.deepEqual([breach?.key, breach?.value, breach?.threshold, breach?.severity], ['CRYPTOCURRENCIES', '1.6', '1', 'critical']);
  });

  test('effective leverage 5 on equity 1000: 4000 warns, 5000 warns, 5001 breaches, 7501 is critical', () => {
    const at = (gross: string) => severities(breachesOf([held('D1', 'US500', 'INDICES', gross)], { version: 't1', maxEffectiveLeverage: 5 }, '1000'));
    assert.deepEqual([at('3999'), at('4000'), at('5000'), at('5001'), at('7501')], [[], ['warning'], ['warning'], ['breach'], ['critical']]);
  });

  test('effective leverage with equity 0 or below and anything exposed is critical, with no value', () => {
    for (const equity of ['0', '-50']) {
      const [breach] = breachesOf([held('D1', 'US500', 'INDICES', '100')], { version: 't1', maxEffectiveLeverage: 5 }, equity);
      assert.deepEqual([breach?.limit, breach?.key, breach?.value, breach?.threshold, breach?.severity], ['maxEffectiveLeverage', 'total', null, '5', 'critical']);
      assert.match(breach?.message ?? '', new RegExp(`equity is ${equity} USD with effective gross exposure 100 USD`));
    }
    assert.deepEqual(breachesOf([], { version: 't1', maxEffectiveLeverage: 5 }, '-50'), [], 'nothing exposed, nothing unbacked');
  });

  test('concentration is judged only across enough instruments', () => {
    const limits = { version: 't1', maxConcentrationPercent: 60, concentrationMinInstruments: 3 };
    assert.deepEqual(breachesOf([held('A', 'US500', 'INDICES', '70'), held('B', 'DE40', 'INDICES', '30')], limits), []);
    const [breach] = breachesOf([held('A', 'US500', 'INDICES', '70'), held('B', 'DE40', 'INDICES', '20'), held('C', 'FR40', 'INDICES', '10')], limits);
    assert.deepEqual([breach?.limit, breach?.key, breach?.value, breach?.threshold, breach?.severity], ['maxConcentrationPercent', instrumentId('US500'), '70', '60', 'breach']);
  });

  test('the shipped defaults: crypto at 0.9 × equity warns; currencies at 16 × equity breach their 15 and the total 10 critically', () => {
    const crypto = computeExposureSnapshot({ accountId: 'ACC-D', accountCurrency: 'USD', equity: '1000', atMs: 1, positions: [held('D1', 'BTCUSD', 'CRYPTOCURRENCIES', '900')], instruments: {}, fxRates: {} });
    assert.deepEqual(crypto.breaches.map(({ rule, severity }) => [rule, severity]), [['maxLeverageByInstrumentType@default-v1', 'warning']]);
    assert.equal(crypto.limitsVersion, 'default-v1');
    const heavy = computeExposureSnapshot({ accountId: 'ACC-D', accountCurrency: 'USD', equity: '1000', atMs: 1, positions: [held('D1', 'EURUSD', 'CURRENCIES', '16000')], instruments: {}, fxRates: {} });
    assert.deepEqual(heavy.breaches.map(({ limit, severity }) => [limit, severity]), [['maxEffectiveLeverage', 'critical'], ['maxLeverageByInstrumentType', 'breach']]);
  });

  test('breaches come sorted by limit, then key', () => {
    const breaches = breachesOf([held('A', 'US500', 'INDICES', '900'), held('B', 'AAPL', 'SHARES', '950')], {
      version: 't1',
      maxGrossByInstrumentType: { SHARES: '1000', INDICES: '1000' },
      maxEffectiveLeverage: 1,
    }, '1000');
    assert.deepEqual(breaches.map(({ limit, key }) => [limit, key]), [['maxEffectiveLeverage', 'total'], ['maxGrossByInstrumentType', 'INDICES'], ['maxGrossByInstrumentType', 'SHARES']]);
  });
});

describe('the limits config', () => {
  test('the shipped defaults are valid and parse to themselves', () => {
    assert.deepEqual(parseExposureLimits(DEFAULT_EXPOSURE_LIMITS), { ...DEFAULT_EXPOSURE_LIMITS });
  });

  test('numbers become canonical decimal text and omitted fields take their defaults', () => {
    assert.deepEqual(parseExposureLimits({ version: 'desk-7', maxEffectiveLeverage: 10.5, maxGrossByInstrument: { BTCUSD: '2500.00' } }), {
      version: 'desk-7',
      maxGrossByInstrumentType: {},
      maxLeverageByInstrumentType: {},
      maxGrossByInstrument: { BTCUSD: '2500' },
      maxEffectiveLeverage: '10.5',
      concentrationMinInstruments: 3,
      warnAtPercentOfLimit: '80',
      criticalAtPercentOfLimit: '150',
    });
  });

  test('every problem is reported with its path', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ version: 'has space' }, 'version', /version must be 1–32/],
      [{ version: 'v', maxLeverage: 5 }, '', /maxLeverage/],
      [{ version: 'v', warnAtPercentOfLimit: 100 }, 'warnAtPercentOfLimit', /\(0, 100\)/],
      [{ version: 'v', criticalAtPercentOfLimit: '100' }, 'criticalAtPercentOfLimit', /\(100, 1000\]/],
      [{ version: 'v', maxEffectiveLeverage: 0 }, 'maxEffectiveLeverage', /greater than 0/],
      [{ version: 'v', maxEffectiveLeverage: 'ten' }, 'maxEffectiveLeverage', /not a decimal amount/],
      [{ version: 'v', maxConcentrationPercent: 120 }, 'maxConcentrationPercent', /\(0, 100\]/],
      [{ version: 'v', maxGrossByInstrumentType: { crypto: 5 } }, 'maxGrossByInstrumentType.crypto', /'crypto' is not an instrument type/],
      [{ version: 'v', maxGrossByInstrument: { '  ': 5 } }, 'maxGrossByInstrument.  ', /epic is empty/],
      [{ version: 'v', maxGrossByInstrument: { BTCUSD: 1, [instrumentId('btcusd')]: 2 } }, `maxGrossByInstrument.${instrumentId('BTCUSD')}`, /same instrument/],
    ];
    for (const [value, path, reason] of cases) {
      assert.throws(
        () => parseExposureLimits(value),
        (error: unknown) => error instanceof ExposureLimitsError && error.problems.some((problem) => problem.path === path && reason.test(problem.reason)),
        `${path} ${String(reason)}`,
      );
    }
  });

  test('a snapshot with invalid limits is refused before anything is judged', () => {
    assert.throws(
      () => computeExposureSnapshot({ accountId: 'A', accountCurrency: 'USD', equity: '1', atMs: 1, positions: [], instruments: {}, fxRates: {}, limits: { version: 'v', warnAtPercentOfLimit: 0 } }),
      ExposureLimitsError,
    );
  });
});
