/**
 * One open position valued in the account currency:
 *
 *   price            bid for BUY, offer for SELL (what closing it now would get)
 *   notional (ccy)   size × contractSize × price, in the instrument currency
 *   notional         notional (ccy) × fxRate, in the account currency
 *   signedExposure   +notional for BUY, −notional for SELL
 *   margin           notional × marginFactor ÷ 100 when the factor is a PERCENTAGE,
 *                    otherwise notional ÷ leverage (the position's), and the reason is recorded
 *   unrealisedPnl    the broker's `upl`, already in the account currency
 *
 * contractSize is the position's, else the market's lot size, else the instrument's. The input
 * types are the fields read from `PositionWithMarket` and `Instrument` (lib/capital/schemas), so
 * parsed broker data passes as it is.
 */
import { instrumentId, InstrumentIdError } from '../ledger/instrument-id';
import { canonical, type Decimal, toDecimal } from '../money';
import { decimalField, type DecimalInput, fractionOf, quotient } from './exposure-decimals';
import { type ContractSizeSource, type ExposureDirection, ExposureInputError, type MarginFallbackReason, type PositionExposure } from './exposure-types';

export interface ExposurePositionInput {
  position: {
    dealId: string;
    size: DecimalInput;
    contractSize?: DecimalInput;
    direction: string;
    /** Unrealised profit or loss in the account currency. */
    upl: DecimalInput;
    /** Taken as the instrument currency only when the instrument details are missing. */
    currency: string;
    /** Used for margin only when the instrument gives no percentage margin factor. */
    leverage: number | DecimalInput;
  };
  market: {
    epic: string;
    instrumentType: string;
    bid: DecimalInput;
    offer: DecimalInput;
    lotSize?: DecimalInput;
  };
}

/** The fields read from the market details' `instrument`. */
export interface ExposureInstrumentInput {
  currency: string;
  marginFactor?: DecimalInput;
  marginFactorUnit?: string;
  lotSize?: DecimalInput;
}

/** The currency the position's prices are in: the instrument's, else the position's. */
export function instrumentCurrencyOf(input: ExposurePositionInput, instrument: ExposureInstrumentInput | undefined): string {
  return instrument?.currency ?? input.position.currency;
}

function positive(value: DecimalInput | undefined, field: string): Decimal {
  const amount = decimalField(value, field);
  if (!amount.gt(0)) throw new ExposureInputError(`${field} must be greater than 0, got '${canonical(amount)}'`);
  return amount;
}

function directionOf(value: string, dealId: string): ExposureDirection {
  // Closed on purpose: the sign of the exposure depends on it.
  if (value === 'BUY' || value === 'SELL') return value;
  throw new ExposureInputError(`position ${dealId}: direction must be BUY or SELL, got '${String(value)}'`);
}

function contractSizeOf(input: ExposurePositionInput, instrument: ExposureInstrumentInput | undefined, where: string): { contractSize: Decimal; source: ContractSizeSource } {
  const { position, market } = input;
  if (position.contractSize !== undefined) return { contractSize: positive(position.contractSize, `${where}.contractSize`), source: 'position' };
  if (market.lotSize !== undefined) return { contractSize: positive(market.lotSize, `${where} market.lotSize`), source: 'market-lot-size' };
  if (instrument?.lotSize !== undefined) return { contractSize: positive(instrument.lotSize, `${where} instrument.lotSize`), source: 'instrument-lot-size' };
  throw new ExposureInputError(`${where} has no contractSize and its market no lotSize`);
}

type MarginRule = { basis: 'margin-factor'; factorPercent: Decimal } | { basis: 'leverage'; reason: MarginFallbackReason };

function marginRuleOf(instrument: ExposureInstrumentInput | undefined, where: string): MarginRule {
  if (instrument === undefined) return { basis: 'leverage', reason: 'no-instrument-details' };
  if (instrument.marginFactor === undefined) return { basis: 'leverage', reason: 'no-margin-factor' };
  if (instrument.marginFactorUnit === 'POINTS') return { basis: 'leverage', reason: 'factor-in-points' };
  if (instrument.marginFactorUnit !== 'PERCENTAGE') return { basis: 'leverage', reason: 'factor-unit-unknown' };
  const factorPercent = positive(instrument.marginFactor, `${where} instrument.marginFactor`);
  if (factorPercent.gt(100)) throw new ExposureInputError(`${where} instrument.marginFactor is ${canonical(factorPercent)}%, more than the whole notional`);
  return { basis: 'margin-factor', factorPercent };
}

function leverageOf(value: number | DecimalInput, where: string): Decimal {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new ExposureInputError(`${where}.leverage must be greater than 0, got ${value}`);
    return toDecimal(value);
  }
  return positive(value, `${where}.leverage`);
}

function instrumentIdOf(epic: string, where: string): string {
  try {
    return instrumentId(epic);
  } catch (error) {
    if (error instanceof InstrumentIdError) throw new ExposureInputError(`${where} market.epic: ${error.message}`);
    throw error;
  }
}

/**
 * Values one position. `fxRate` null means no rate was available: the instrument-currency
 * notional is still reported, the account-currency amounts are null.
 */
export function valuePosition(input: ExposurePositionInput, instrument: ExposureInstrumentInput | undefined, fxRate: Decimal | null): PositionExposure {
  const { position, market } = input;
  if (typeof position.dealId !== 'string' || position.dealId.trim() === '') throw new ExposureInputError('a position has no dealId');
  const where = `position ${position.dealId}`;
  const direction = directionOf(position.direction, position.dealId);
  const size = positive(position.size, `${where}.size`);
  const { contractSize, source } = contractSizeOf(input, instrument, where);
  const priceSide = direction === 'BUY' ? 'bid' : 'offer';
  const price = positive(market[priceSide], `${where} market.${priceSide}`);
  const notionalInInstrumentCurrency = size.times(contractSize).times(price);

  const rule = marginRuleOf(instrument, where);
  const leverage = rule.basis === 'leverage' ? leverageOf(position.leverage, where) : null;
  const notional = fxRate === null ? null : notionalInInstrumentCurrency.times(fxRate);
  let margin: Decimal | null = null;
  if (notional !== null) margin = rule.basis === 'margin-factor' ? fractionOf(notional, rule.factorPercent) : quotient(notional, leverage as Decimal);

  return {
    dealId: position.dealId,
    instrumentId: instrumentIdOf(market.epic, where),
    epic: market.epic,
    instrumentType: market.instrumentType,
    currency: instrumentCurrencyOf(input, instrument),
    direction,
    size: canonical(size),
    contractSize: canonical(contractSize),
    contractSizeSource: source,
    price: canonical(price),
    priceSide,
    notionalInInstrumentCurrency: canonical(notionalInInstrumentCurrency),
    fxRate: fxRate === null ? null : canonical(fxRate),
    notional: notional === null ? null : canonical(notional),
    signedExposure: notional === null ? null : canonical(direction === 'BUY' ? notional : notional.negated()),
    margin: margin === null ? null : canonical(margin),
    marginBasis: rule.basis,
    marginFallbackReason: rule.basis === 'leverage' ? rule.reason : null,
    marginFactorPercent: rule.basis === 'margin-factor' ? canonical(rule.factorPercent) : null,
    leverage: leverage === null ? null : canonical(leverage),
    unrealisedPnl: canonical(decimalField(position.upl, `${where}.upl`)),
  };
}
