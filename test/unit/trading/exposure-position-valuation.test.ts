import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { toDecimal } from '../../../lib/money';
import { ExposureInputError } from '../../../lib/trading/exposure';
import { type ExposureInstrumentInput, type ExposurePositionInput, valuePosition } from '../../../lib/trading/exposure-position';

const held = (direction: string, size: string, market: Partial<ExposurePositionInput['market']> = {}, position: Partial<ExposurePositionInput['position']> = {}): ExposurePositionInput => ({
  position: { dealId: 'D1', direction, size, contractSize: '1', upl: '0', currency: 'USD', leverage: 2, ...position },
  market: { epic: 'BTCUSD', instrumentType: 'CRYPTOCURRENCIES', bid: '60000', offer: '60100', lotSize: '1', ...market },
});
const percentFactor = (currency: string, marginFactor: string): ExposureInstrumentInput => ({ currency, marginFactor, marginFactorUnit: 'PERCENTAGE' });
const rate = (text: string) => toDecimal(text);

describe('valuing one position', () => {
  test('crypto, fractional size: BUY 0.015 BTCUSD at the bid 60000 → 900 USD; at 0.8 → 720 GBP; 50 % margin → 360', () => {
    const valued = valuePosition(held('BUY', '0.015', {}, { upl: '-1.20' }), percentFactor('USD', '50'), rate('0.8'));
    assert.equal(valued.instrumentId, instrumentId('BTCUSD'));
    assert.equal(valued.priceSide, 'bid');
    assert.equal(valued.price, '60000');
    assert.equal(valued.notionalInInstrumentCurrency, '900');
    assert.equal(valued.fxRate, '0.8');
    assert.equal(valued.notional, '720');
    assert.equal(valued.signedExposure, '720');
    assert.equal(valued.margin, '360');
    assert.equal(valued.marginBasis, 'margin-factor');
    assert.equal(valued.marginFactorPercent, '50');
    assert.equal(valued.marginFallbackReason, null);
    assert.equal(valued.leverage, null);
    assert.equal(valued.unrealisedPnl, '-1.2');
  });

  test('a short closes at the offer: SELL 2 DE40 at 18002 → 36004 EUR; at 0.85 → 30603.4 GBP, signed −30603.4; 5 % margin 1530.17', () => {
    const short = held('SELL', '2', { epic: 'DE40', instrumentType: 'INDICES', bid: '18000', offer: '18002' }, { currency: 'EUR' });
    const valued = valuePosition(short, percentFactor('EUR', '5'), rate('0.85'));
    assert.equal(valued.priceSide, 'offer');
    assert.equal(valued.price, '18002');
    assert.equal(valued.notionalInInstrumentCurrency, '36004');
    assert.equal(valued.notional, '30603.4');
    assert.equal(valued.signedExposure, '-30603.4');
    assert.equal(valued.margin, '1530.17', 'margin is on the size of the exposure, never negative');
  });

  test('margin factor in POINTS falls back to notional ÷ leverage and says so: 3 × 2345.6 = 7036.8 ÷ 20 = 351.84', () => {
    const gold = held('BUY', '3', { epic: 'GOLD', instrumentType: 'COMMODITIES', bid: '2345.6', offer: '2346' }, { leverage: 20 });
    const valued = valuePosition(gold, { currency: 'USD', marginFactor: '5', marginFactorUnit: 'POINTS' }, rate('1'));
    assert.equal(valued.notional, '7036.8');
    assert.equal(valued.margin, '351.84');
    assert.equal(valued.marginBasis, 'leverage');
    assert.equal(valued.marginFallbackReason, 'factor-in-points');
    assert.equal(valued.leverage, '20');
    assert.equal(valued.marginFactorPercent, null);
  });

  test('without instrument details, or with an unknown unit or no factor, margin is by leverage with the reason recorded', () => {
    const position = held('BUY', '10', { epic: 'AAPL', instrumentType: 'SHARES', bid: '100', offer: '100.2' }, { leverage: 3 });
    const cases: [ExposureInstrumentInput | undefined, string][] = [
      [undefined, 'no-instrument-details'],
      [{ currency: 'USD', marginFactor: '20', marginFactorUnit: 'PERMILLE' }, 'factor-unit-unknown'],
      [{ currency: 'USD' }, 'no-margin-factor'],
    ];
    for (const [instrument, reason] of cases) {
      const valued = valuePosition(position, instrument, rate('1'));
      assert.equal(valued.marginFallbackReason, reason);
      assert.equal(valued.margin, '333.33333333', '1000 ÷ 3, a quotient, rounded half-even to 8 places');
    }
  });

  test('the instrument currency is the instrument’s; the position’s currency only stands in when details are missing', () => {
    const position = held('BUY', '1', {}, { currency: 'GBP' });
    assert.equal(valuePosition(position, percentFactor('USD', '50'), rate('1')).currency, 'USD');
    assert.equal(valuePosition(position, undefined, rate('1')).currency, 'GBP');
  });

  test('contract size: the position’s, else the market lot size, else the instrument lot size', () => {
    const fx = held('BUY', '0.5', { epic: 'EURUSD', instrumentType: 'CURRENCIES', bid: '1.085', offer: '1.0851', lotSize: '100000' }, { contractSize: undefined });
    const fromMarket = valuePosition(fx, percentFactor('USD', '3.33'), rate('1'));
    assert.equal(fromMarket.contractSizeSource, 'market-lot-size');
    assert.equal(fromMarket.notional, '54250');
    const noLot = { ...fx, market: { ...fx.market, lotSize: undefined } };
    const fromInstrument = valuePosition(noLot, { ...percentFactor('USD', '3.33'), lotSize: '1000' }, rate('1'));
    assert.equal(fromInstrument.contractSizeSource, 'instrument-lot-size');
    assert.equal(fromInstrument.notional, '542.5');
    assert.throws(() => valuePosition(noLot, percentFactor('USD', '3.33'), rate('1')), /no contractSize and its market no lotSize/);
  });

  test('without an FX rate the instrument-currency notional stays and the account-currency amounts are null', () => {
    const valued = valuePosition(held('SELL', '1'), percentFactor('USD', '50'), null);
    assert.equal(valued.notionalInInstrumentCurrency, '60100');
    assert.deepEqual([valued.fxRate, valued.notional, valued.signedExposure, valued.margin], [null, null, null, null]);
  });

  test('bad input is refused with the field named', () => {
    const bad: [ExposurePositionInput, ExposureInstrumentInput | undefined, RegExp][] = [
      [held('HOLD', '1'), undefined, /direction must be BUY or SELL, got 'HOLD'/],
      [held('BUY', '0'), undefined, /position D1\.size must be greater than 0/],
      [held('BUY', '1', { bid: '-5' }), undefined, /market\.bid must be greater than 0/],
      [held('BUY', '1', {}, { upl: '12,5' }), undefined, /upl is not a decimal amount/],
      [held('BUY', '1', {}, { leverage: 0 }), undefined, /leverage must be greater than 0/],
      [held('BUY', '1'), percentFactor('USD', '150'), /marginFactor is 150%/],
      [held('BUY', '1', { epic: '  ' }), undefined, /epic is empty/],
      [held('BUY', '1', {}, { dealId: '' }), undefined, /no dealId/],
    ];
    for (const [position, instrument, message] of bad) {
      assert.throws(() => valuePosition(position, instrument, rate('1')), (error: unknown) => error instanceof ExposureInputError && message.test(error.message));
    }
  });

  test('leverage is not needed, so not checked, when the margin factor applies', () => {
    const valued = valuePosition(held('BUY', '1', {}, { leverage: 0 }), percentFactor('USD', '50'), rate('1'));
    assert.equal(valued.margin, '30000');
  });
});
