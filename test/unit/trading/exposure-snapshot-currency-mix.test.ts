import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instrumentSchema } from '../../../lib/capital/schemas/markets';
import { positionWithMarketSchema } from '../../../lib/capital/schemas/positions';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import {
  computeExposureSnapshot,
  type ExposureAggregate,
  ExposureInputError,
  type ExposureInstrumentInput,
  exposureMetrics,
  type ExposurePositionInput,
  type ExposureSnapshotInput,
} from '../../../lib/trading/exposure';

const AT_MS = Date.UTC(2025, 0, 31, 16, 0);

const held = (dealId: string, epic: string, instrumentType: string, direction: string, size: string, bid: string, offer: string, upl: string, leverage = 2): ExposurePositionInput => ({
  position: { dealId, direction, size, contractSize: '1', upl, currency: 'USD', leverage },
  market: { epic, instrumentType, bid, offer, lotSize: '1' },
});
const percentFactor = (currency: string, marginFactor: string): ExposureInstrumentInput => ({ currency, marginFactor, marginFactorUnit: 'PERCENTAGE' });

/**
 * A GBP account, USD at 0.8 and EUR at 0.85 (GBP needs no rate):
 *   D1 BUY  0.015 BTCUSD  bid 60000   →   900 USD →   720 GBP, 50 % →   360,   upl −1.2
 *   D2 SELL 0.01  BTCUSD  offer 60100 →   601 USD →   480.8 GBP, 50 % → 240.4, upl 0.4
 *   D3 SELL 2     DE40    offer 18002 → 36004 EUR → 30603.4 GBP, 5 % → 1530.17, upl 12.5
 *   D4 BUY  10    AAPL    bid 190.5   →  1905 USD →  1524 GBP, no details: ÷ 5 → 304.8, upl 3
 *   D5 BUY  1     UK100   bid 8000    →  8000 GBP at 1,  5 % → 400,  upl −20
 */
function currencyMix(): ExposureSnapshotInput {
  return {
    accountId: 'ACC-1',
    accountCurrency: 'GBP',
    equity: '10000',
    atMs: AT_MS,
    positions: [
      held('D1', 'BTCUSD', 'CRYPTOCURRENCIES', 'BUY', '0.015', '60000', '60100', '-1.2'),
      held('D2', 'BTCUSD', 'CRYPTOCURRENCIES', 'SELL', '0.01', '60000', '60100', '0.4'),
      held('D3', 'DE40', 'INDICES', 'SELL', '2', '18000', '18002', '12.5'),
      held('D4', 'AAPL', 'SHARES', 'BUY', '10', '190.5', '190.7', '3', 5),
      held('D5', 'UK100', 'INDICES', 'BUY', '1', '8000', '8001', '-20'),
    ],
    instruments: { BTCUSD: percentFactor('USD', '50'), DE40: percentFactor('EUR', '5'), UK100: percentFactor('GBP', '5') },
    fxRates: { USD: '0.8', EUR: '0.85' },
  };
}

const figures = (aggregate: ExposureAggregate | undefined) =>
  aggregate && [aggregate.grossExposure, aggregate.netExposure, aggregate.margin, aggregate.unrealisedPnl, aggregate.leverage, aggregate.positionCount];
const keyed = <T extends ExposureAggregate>(list: readonly T[], key: string): T | undefined => list.find((aggregate) => aggregate.key === key);
const plain = (value: unknown): string => JSON.stringify(value);

describe('exposure snapshot of a GBP account holding USD, EUR and GBP instruments', () => {
  const snapshot = computeExposureSnapshot(currencyMix());

  test('totals: gross 41328.2, net −20840.2, margin 2835.37, upl −5.3, leverage 41328.2 ÷ 10000 = 4.13282', () => {
    assert.deepEqual(figures({ key: 'total', ...snapshot.totals }), ['41328.2', '-20840.2', '2835.37', '-5.3', '4.13282', 5]);
    assert.deepEqual(snapshot.leverage, { effective: '4.13282', status: 'ok' });
    assert.equal(snapshot.equity, '10000');
    assert.equal(snapshot.complete, true);
  });

  test('by instrument: BTCUSD nets a long and a short (gross 1200.8, net 239.2); keys are instrument ids, sorted', () => {
    const keys = snapshot.byInstrument.map((aggregate) => aggregate.key);
    assert.deepEqual(keys, [...keys].sort());
    const btc = keyed(snapshot.byInstrument, instrumentId('BTCUSD'));
    assert.deepEqual(figures(btc), ['1200.8', '239.2', '600.4', '-0.8', '0.12008', 2]);
    assert.deepEqual([btc?.epic, btc?.instrumentType, btc?.currency], ['BTCUSD', 'CRYPTOCURRENCIES', 'USD']);
    assert.deepEqual(figures(keyed(snapshot.byInstrument, instrumentId('DE40'))), ['30603.4', '-30603.4', '1530.17', '12.5', '3.06034', 1]);
  });

  test('by instrument type: INDICES holds the short DE40 and the long UK100', () => {
    assert.deepEqual(snapshot.byInstrumentType.map((aggregate) => aggregate.key), ['CRYPTOCURRENCIES', 'INDICES', 'SHARES']);
    assert.deepEqual(figures(keyed(snapshot.byInstrumentType, 'INDICES')), ['38603.4', '-22603.4', '1930.17', '-7.5', '3.86034', 2]);
    assert.deepEqual(figures(keyed(snapshot.byInstrumentType, 'SHARES')), ['1524', '1524', '304.8', '3', '0.1524', 1]);
  });

  test('by currency: account-currency figures plus the sums in the currency itself', () => {
    assert.deepEqual(snapshot.byCurrency.map((aggregate) => aggregate.key), ['EUR', 'GBP', 'USD']);
    const usd = keyed(snapshot.byCurrency, 'USD');
    assert.deepEqual(figures(usd), ['2724.8', '1763.2', '905.2', '2.2', '0.27248', 3]);
    assert.deepEqual([usd?.grossInCurrency, usd?.netInCurrency], ['3406', '2204']);
    const eur = keyed(snapshot.byCurrency, 'EUR');
    assert.deepEqual([eur?.grossExposure, eur?.grossInCurrency, eur?.netInCurrency], ['30603.4', '36004', '-36004']);
    const gbp = snapshot.positions.find((position) => position.dealId === 'D5');
    assert.equal(gbp?.fxRate, '1', 'the account currency converts at 1 without being given');
  });

  test('concentration: DE40 is 30603.4 ÷ 41328.2 = 74.04968036 % of the gross, over 4 instruments', () => {
    assert.deepEqual(snapshot.concentration, { instrumentId: instrumentId('DE40'), epic: 'DE40', grossExposure: '30603.4', percent: '74.04968036', instrumentCount: 4 });
  });

  test('positions are listed by epic then dealId', () => {
    assert.deepEqual(snapshot.positions.map((position) => position.dealId), ['D4', 'D1', 'D2', 'D3', 'D5']);
  });

  test('headline metrics for the store', () => {
    const metrics = exposureMetrics(snapshot);
    assert.equal(metrics.grossExposure, '41328.2');
    assert.equal(metrics.effectiveLeverage, '4.13282');
    assert.equal(metrics.concentrationPercent, '74.04968036');
    assert.equal(metrics.positionCount, 5);
    assert.equal(metrics.breachCount, snapshot.breaches.length);
  });

  test('the same positions, instruments and rates in any order give the identical snapshot', () => {
    const input = currencyMix();
    const reordered: ExposureSnapshotInput = {
      ...input,
      positions: [...input.positions].reverse(),
      instruments: Object.fromEntries(Object.entries(input.instruments).reverse()),
      fxRates: { EUR: '0.85', USD: '0.80' },
    };
    assert.equal(plain(computeExposureSnapshot(reordered)), plain(snapshot));
    const rotated = { ...input, positions: [...input.positions.slice(2), ...input.positions.slice(0, 2)] };
    assert.equal(plain(computeExposureSnapshot(rotated)), plain(snapshot));
  });

  test('the snapshot is plain JSON: it reads back deep-equal', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
  });
});

describe('net versus gross, leverage and concentration edge cases', () => {
  const flat = (overrides: Partial<ExposureSnapshotInput>): ExposureSnapshotInput => ({
    accountId: 'ACC-2',
    accountCurrency: 'USD',
    equity: '1000',
    atMs: AT_MS,
    positions: [],
    instruments: {},
    fxRates: {},
    ...overrides,
  });

  test('a long and a short of the same size at one price: gross 200, net 0', () => {
    const snapshot = computeExposureSnapshot(
      flat({ positions: [held('L', 'OIL', 'COMMODITIES', 'BUY', '1', '100', '100', '0'), held('S', 'OIL', 'COMMODITIES', 'SELL', '1', '100', '100', '0')] }),
    );
    assert.equal(snapshot.totals.grossExposure, '200');
    assert.equal(snapshot.totals.netExposure, '0');
    assert.equal(snapshot.totals.margin, '100', 'both legs are margined by leverage 2: 50 + 50');
  });

  test('two instruments of equal gross: the concentration names the smaller instrument id', () => {
    const snapshot = computeExposureSnapshot(flat({ positions: [held('A', 'AAA', 'SHARES', 'BUY', '1', '50', '50', '0'), held('B', 'BBB', 'SHARES', 'SELL', '1', '50', '50', '0')] }));
    const smaller = [instrumentId('AAA'), instrumentId('BBB')].sort()[0];
    assert.equal(snapshot.concentration?.instrumentId, smaller);
    assert.equal(snapshot.concentration?.percent, '50');
  });

  test('no positions: everything zero, leverage 0, no concentration', () => {
    const snapshot = computeExposureSnapshot(flat({}));
    assert.deepEqual(snapshot.totals, { grossExposure: '0', netExposure: '0', margin: '0', unrealisedPnl: '0', leverage: '0', positionCount: 0, unconvertedCount: 0 });
    assert.equal(snapshot.concentration, null);
    assert.deepEqual([snapshot.byInstrument, snapshot.positions, snapshot.breaches], [[], [], []]);
  });

  test('equity 0 or negative: leverage is undefined (null) and flagged, everywhere', () => {
    for (const equity of ['0', '-250.5']) {
      const snapshot = computeExposureSnapshot(flat({ equity, positions: [held('A', 'AAA', 'SHARES', 'BUY', '2', '50', '50', '-300')] }));
      assert.deepEqual(snapshot.leverage, { effective: null, status: 'equity-not-positive' });
      assert.equal(snapshot.totals.leverage, null);
      assert.equal(snapshot.byInstrument[0]?.leverage, null);
      assert.equal(snapshot.totals.grossExposure, '100', 'the exposure itself is still measured');
    }
  });
});

describe('inputs', () => {
  test('positions parsed from broker JSON by the capital schemas are taken as they are', () => {
    const position = positionWithMarketSchema.parse({
      position: {
        contractSize: 1,
        createdDate: '2025-01-30T10:00:00.000',
        createdDateUTC: '2025-01-30T10:00:00.000',
        dealId: '006011e7-0001-54c4-0000-000080560043',
        dealReference: 'p_006011e7-0001-54c4-0000-000080560043',
        workingOrderId: '006011e7-0001-54c4-0000-000080560041',
        size: 0.015,
        leverage: 2,
        upl: -1.2,
        direction: 'BUY',
        level: 59000.5,
        currency: 'USD',
        guaranteedStop: false,
      },
      market: {
        instrumentName: 'Bitcoin / USD',
        expiry: '-',
        epic: 'BTCUSD',
        instrumentType: 'CRYPTOCURRENCIES',
        marketStatus: 'TRADEABLE',
        lotSize: 1,
        bid: 60000,
        offer: 60100,
        updateTime: '2025-01-31T16:00:00.000',
        updateTimeUTC: '2025-01-31T16:00:00.000',
        delayTime: 0,
        streamingPricesAvailable: true,
        scalingFactor: 1,
      },
    });
    const instrument = instrumentSchema.parse({
      epic: 'BTCUSD',
      expiry: '-',
      name: 'Bitcoin / USD',
      lotSize: 1,
      type: 'CRYPTOCURRENCIES',
      streamingPricesAvailable: true,
      currency: 'USD',
      marginFactor: 50,
      marginFactorUnit: 'PERCENTAGE',
    });
    const snapshot = computeExposureSnapshot({ accountId: 'ACC-3', accountCurrency: 'GBP', equity: '5000', atMs: AT_MS, positions: [position], instruments: { BTCUSD: instrument }, fxRates: { USD: '0.8' } });
    assert.deepEqual([snapshot.totals.grossExposure, snapshot.totals.margin, snapshot.totals.unrealisedPnl], ['720', '360', '-1.2']);
  });

  test('instruments are looked up by epic as the instrument id sees it (trimmed, upper case)', () => {
    const snapshot = computeExposureSnapshot({ ...currencyMix(), instruments: { ' btcusd ': percentFactor('USD', '50') }, fxRates: { USD: '0.8', EUR: '0.85' } });
    const btc = snapshot.positions.find((position) => position.dealId === 'D1');
    assert.equal(btc?.marginBasis, 'margin-factor');
  });

  test('malformed input is refused with a clear message', () => {
    const cases: [Partial<ExposureSnapshotInput>, RegExp][] = [
      [{ accountId: ' ' }, /accountId is empty/],
      [{ atMs: 1.5 }, /atMs must be epoch milliseconds/],
      [{ equity: 'ten' }, /equity is not a decimal amount/],
      [{ instruments: { BTCUSD: percentFactor('USD', '50'), btcusd: percentFactor('USD', '50') } }, /'btcusd' is given twice/],
      [{ positions: [held('D1', 'A', 'SHARES', 'BUY', '1', '1', '1', '0'), held('D1', 'B', 'SHARES', 'BUY', '1', '1', '1', '0')] }, /position D1 is listed twice/],
      [{ accountCurrency: 'pounds' }, /accountCurrency: currency must be an ISO 4217 code/],
    ];
    for (const [overrides, message] of cases) {
      assert.throws(() => computeExposureSnapshot({ ...currencyMix(), ...overrides }), (error: unknown) => error instanceof ExposureInputError && message.test(error.message), String(message));
    }
  });

  test('two positions of one instrument that disagree on its type are refused', () => {
    const positions = [held('D1', 'BTCUSD', 'CRYPTOCURRENCIES', 'BUY', '1', '1', '1', '0'), held('D2', 'BTCUSD', 'SHARES', 'BUY', '1', '1', '1', '0')];
    assert.throws(() => computeExposureSnapshot({ ...currencyMix(), positions }), /both BTCUSD but disagree on instrumentType/);
  });
});
