import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurrencyError, currencyScale, normaliseCurrency } from '../../../lib/ledger/currency';

describe('currency scales (ISO 4217 minor units)', () => {
  test('the account currencies the broker offers have cents', () => {
    for (const code of ['USD', 'EUR', 'GBP', 'CHF', 'AUD', 'PLN', 'HUF', 'CZK', 'SEK']) assert.equal(currencyScale(code), 2, code);
  });

  test('zero-decimal currencies', () => {
    for (const code of ['JPY', 'KRW', 'ISK', 'CLP', 'VND']) assert.equal(currencyScale(code), 0, code);
  });

  test('three-decimal currencies', () => {
    for (const code of ['KWD', 'BHD', 'OMR', 'JOD', 'TND']) assert.equal(currencyScale(code), 3, code);
  });

  test('an unlisted but well-formed code takes the default of 2', () => {
    assert.equal(currencyScale('ZAR'), 2);
  });
});

describe('demo currency codes', () => {
  test("USDd keeps the broker's code and exposes USD as its base", () => {
    assert.deepEqual(normaliseCurrency('USDd'), { code: 'USDd', baseCurrency: 'USD', demo: true, scale: 2 });
    assert.deepEqual(normaliseCurrency('USD'), { code: 'USD', baseCurrency: 'USD', demo: false, scale: 2 });
  });

  test("a demo code takes its base currency's scale", () => {
    assert.equal(currencyScale('JPYd'), 0);
    assert.equal(currencyScale('KWDd'), 3);
    assert.equal(currencyScale('EURd'), 2);
  });
});

describe('malformed codes are refused with the code in the message', () => {
  test('wrong length, case or suffix', () => {
    for (const code of ['', 'US', 'USDD', 'usd', 'USDx', ' USD', 'US1', 'USDdd']) {
      assert.throws(() => normaliseCurrency(code), CurrencyError, code);
    }
    assert.throws(() => currencyScale('usd'), /got 'usd'/);
  });
});
