/**
 * How exposure rounds: every figure is exact except a quotient (margin by leverage, leverage,
 * percentages), which is rounded half-even to QUOTIENT_DECIMALS places. Sums are taken over the
 * published (already rounded) figures, so each aggregate is exactly the sum of what it lists.
 */
import { Decimal, toDecimal } from '../money';
import { ExposureInputError } from './exposure-types';

export const QUOTIENT_DECIMALS = 8;

/** An amount as the schemas give it (Decimal) or as stored text; never a JS number. */
export type DecimalInput = Decimal | string;

export const ZERO = new Decimal(0);
const HUNDRED = new Decimal(100);

export function quotient(dividend: Decimal, divisor: Decimal): Decimal {
  return dividend.dividedBy(divisor).toDecimalPlaces(QUOTIENT_DECIMALS, Decimal.ROUND_HALF_EVEN);
}

/** part ÷ whole × 100, rounded like every quotient. */
export function percentOf(part: Decimal, whole: Decimal): Decimal {
  return quotient(part.times(HUNDRED), whole);
}

/** `whole × percent ÷ 100`, exact (dividing by 100 terminates). */
export function fractionOf(whole: Decimal, percent: Decimal): Decimal {
  return whole.times(percent).dividedBy(HUNDRED);
}

/** Reads an input amount, naming the field when it is not a decimal. */
export function decimalField(value: DecimalInput | undefined, field: string): Decimal {
  if (value === undefined) throw new ExposureInputError(`${field} is missing`);
  if (typeof value !== 'string' && !(value instanceof Decimal)) throw new ExposureInputError(`${field} must be a decimal or decimal text, got ${typeof value}`);
  try {
    return toDecimal(value);
  } catch {
    throw new ExposureInputError(`${field} is not a decimal amount: '${String(value)}'`);
  }
}

/** Code-unit order: the same in every locale, so the same input sorts the same everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
