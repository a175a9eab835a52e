/**
 * Exact conversions between the simulator's internal numbers and the wire's. Prices live as integer
 * points (multiples of 10^-decimals); amounts as `Decimal`. JSON numbers are produced from exact
 * decimal text, so a JSON number always means the decimal it prints as.
 */
import { canonical, Decimal } from '../../lib/money';

/** `24356` points at 3 decimals → `"24.356"`. */
export function pointsText(points: number, decimals: number): string {
  if (!Number.isSafeInteger(points)) throw new RangeError(`points must be a safe integer, got ${points}`);
  if (decimals === 0) return String(points);
  const negative = points < 0;
  const digits = String(Math.abs(points)).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative ? `-${text}` : text;
}

/** The JSON number for a price in points. */
export function pointsNumber(points: number, decimals: number): number {
  return Number(pointsText(points, decimals));
}

export function pointsDecimal(points: number, decimals: number): Decimal {
  return new Decimal(pointsText(points, decimals));
}

/** A JSON number for an exact decimal (sizes, levels, balances). */
export function decimalNumber(value: Decimal): number {
  return Number(canonical(value));
}

/**
 * The broker's amount text on transaction rows, from whole cents: the shortest decimal with at
 * least one fraction digit, like Java's `Double.toString` ("416.0", "1.05", "-80.43").
 */
export function brokerAmountTextOfCents(cents: number): string {
  const text = pointsText(cents, 2);
  return text.includes('.') ? text : `${text}.0`;
}

/** Rounds an amount to cents, half-even, as the account ledger does. */
export function toCents(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
}

/** Amount from whole cents without float arithmetic: 12345 → 123.45. */
export function centsDecimal(cents: number): Decimal {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer, got ${cents}`);
  return new Decimal(pointsText(cents, 2));
}
