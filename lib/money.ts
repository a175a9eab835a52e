import DecimalJs from 'decimal.js';

/**
 * The one place for money. Every amount is an exact decimal; JS numbers never carry money past
 * the JSON parser. Stored as canonical decimal strings plus integer minor units with an explicit
 * scale (no Decimal128: the embedded database lacks it).
 */
export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Decimal = InstanceType<typeof Decimal>;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/**
 * Amounts beyond 10^±400 are refused: every double fits (its range ends near 10^308 and 10^-324),
 * while "1e999999999" would print as a billion digits and exhaust the heap when made canonical.
 */
export const AMOUNT_EXPONENT_MAX = 400;
const EXPONENT_TOO_LONG = /[eE][+-]?0*\d{7,}$/;

/**
 * Parses an amount from the wire: a decimal string ("-80.43") or a JSON number (124.95). A number
 * is read through its shortest round-trip text, which is the decimal the sender wrote.
 */
export function toDecimal(value: string | number | Decimal): Decimal {
  if (value instanceof Decimal) return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MoneyError(`not a finite amount: ${value}`);
    return new Decimal(String(value));
  }
  const text = value.trim();
  if (!DECIMAL_TEXT.test(text)) throw new MoneyError(`not a decimal amount: '${value}'`);
  // An exponent of seven digits or more is out of range whatever the digits before it (and would
  // overflow or underflow decimal.js silently); a shorter one is judged by the value it gives.
  const amount = EXPONENT_TOO_LONG.test(text) ? undefined : new Decimal(text);
  if (amount === undefined || (!amount.isZero() && Math.abs(amount.e) > AMOUNT_EXPONENT_MAX)) {
    throw new MoneyError(`amount out of range (at most 1e±${AMOUNT_EXPONENT_MAX}): '${text.length <= 40 ? text : `${text.slice(0, 40)}…`}'`);
  }
  return amount;
}

export function isDecimalText(value: string): boolean {
  return DECIMAL_TEXT.test(value.trim());
}

/** Canonical text: no exponent, no trailing zeros, "-0" folded to "0" ("416.0" → "416"). */
export function canonical(amount: Decimal): string {
  const text = amount.toFixed();
  if (!text.includes('.')) return text === '-0' ? '0' : text;
  const trimmed = text.replace(/\.?0+$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

const CANONICAL_TEXT = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

/** Whether `text` is what `canonical` writes: no sign on zero, no leading or trailing zeros, no exponent. */
export function isCanonicalText(text: string): boolean {
  return CANONICAL_TEXT.test(text) && text !== '-0';
}

/**
 * Orders two canonical decimal texts by value (-1, 0, 1), exactly, without building decimals: for
 * hot paths that compare many prices. Text that is not canonical is refused (`MoneyError`).
 */
export function compareCanonical(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (!isCanonicalText(a) || !isCanonicalText(b)) throw new MoneyError(`not canonical decimal text: '${isCanonicalText(a) ? b : a}'`);
  const aNegative = a.startsWith('-');
  if (aNegative !== b.startsWith('-')) return aNegative ? -1 : 1;
  const order = compareMagnitudes(aNegative ? a.slice(1) : a, aNegative ? b.slice(1) : b);
  return (aNegative ? -order : order) as -1 | 0 | 1;
}

function compareMagnitudes(a: string, b: string): -1 | 0 | 1 {
  const [aWhole = '', aFraction = ''] = a.split('.');
  const [bWhole = '', bFraction = ''] = b.split('.');
  // Canonical wholes have no leading zeros, so a longer whole part is a bigger number.
  if (aWhole.length !== bWhole.length) return aWhole.length < bWhole.length ? -1 : 1;
  if (aWhole !== bWhole) return aWhole < bWhole ? -1 : 1;
  // Equal wholes: the fractions compare digit by digit, a missing digit being a zero.
  if (aFraction === bFraction) return 0;
  return aFraction.padEnd(bFraction.length, '0') < bFraction.padEnd(aFraction.length, '0') ? -1 : 1;
}

/** Fixed-scale text for statements: `-123.45`, always `scale` decimals, half-even rounding. */
export function formatFixed(amount: Decimal, scale: number): string {
  assertScale(scale);
  const text = amount.toDecimalPlaces(scale, Decimal.ROUND_HALF_EVEN).toFixed(scale);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Text for people: at least `minScale` decimals ("13000" → "13000.00"), never rounded. */
export function formatAmount(amount: Decimal, minScale = 2): string {
  // At its own scale or more, toFixed cannot round; any scale is fine here.
  const text = amount.toFixed(Math.max(minScale, amount.decimalPlaces()));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Integer minor units at `scale` (2 for cents). Throws when the amount has more decimals. */
export function toMinorUnits(amount: Decimal, scale: number): bigint {
  assertScale(scale);
  const scaled = amount.times(new Decimal(10).pow(scale));
  if (!scaled.isInteger()) throw new MoneyError(`${canonical(amount)} has more than ${scale} decimal places`);
  return BigInt(scaled.toFixed(0));
}

export function fromMinorUnits(minor: bigint, scale: number): Decimal {
  assertScale(scale);
  return new Decimal(minor.toString()).dividedBy(new Decimal(10).pow(scale));
}

export function sum(amounts: Iterable<Decimal>): Decimal {
  let total = new Decimal(0);
  for (const amount of amounts) total = total.plus(amount);
  return total;
}

/** How many decimal places the amount actually uses ("1.050" → 2). */
export function decimalPlaces(amount: Decimal): number {
  return amount.decimalPlaces();
}

function assertScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > 18) throw new MoneyError(`invalid scale ${scale}`);
}
