import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fxEpicsNeeded, fxRatesInto, type FxQuote } from '../../../lib/trading/fx-rates';

const quotes = (entries: Record<string, [string, string]>): Map<string, FxQuote> => new Map(Object.entries(entries).map(([epic, [bid, offer]]) => [epic, { bid, offer }]));

describe('FX rates into the account currency', () => {
  it('takes the mid of the direct market', () => {
    const { rates, missing } = fxRatesInto('GBP', ['EUR'], quotes({ EURGBP: ['0.8550', '0.8560'] }));
    assert.deepEqual(rates, { EUR: '0.8555' });
    assert.deepEqual(missing, []);
  });

  it('inverts the market quoted the other way round', () => {
    // USD per GBP mid 1.25 → GBP per USD 0.8.
    const { rates } = fxRatesInto('GBP', ['USD'], quotes({ GBPUSD: ['1.2499', '1.2501'] }));
    assert.equal(rates.USD, '0.8');
  });

  it('crosses through USD when no market links the two', () => {
    // JPY → USD: 1 / 150; USD → GBP: 1 / 1.25 → 1 / 187.5.
    const { rates } = fxRatesInto('GBP', ['JPY'], quotes({ USDJPY: ['150', '150'], GBPUSD: ['1.25', '1.25'] }));
    assert.equal(rates.JPY, '0.0053333333333333333333');
  });

  it('converts demo codes as the currency behind them, and the account currency at 1', () => {
    const { rates } = fxRatesInto('USDd', ['USD', 'USDd', 'EUR'], quotes({ EURUSD: ['1.08', '1.09'] }));
    assert.deepEqual(rates, { USD: '1', USDd: '1', EUR: '1.085' });
  });

  it('reports a currency no market converts instead of assuming 1', () => {
    const { rates, missing } = fxRatesInto('GBP', ['SEK', 'EUR'], quotes({ EURGBP: ['0.85', '0.85'] }));
    assert.deepEqual(rates, { EUR: '0.85' });
    assert.deepEqual(missing, ['SEK']);
  });

  it('names the direct, inverse and USD cross markets to ask for', () => {
    assert.deepEqual(fxEpicsNeeded(['EUR', 'GBP'], 'GBP'), ['EURGBP', 'EURUSD', 'GBPEUR', 'GBPUSD', 'USDEUR', 'USDGBP']);
    assert.deepEqual(fxEpicsNeeded(['USDd'], 'USD'), []);
  });
});
