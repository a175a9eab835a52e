/**
 * The rate that takes each instrument currency into the account currency: account-currency units
 * per instrument-currency unit, so `amount in account currency = amount × rate`. The caller
 * supplies the rates (fx-rates.ts derives them from the broker's FX markets); the account's own
 * currency, demo suffix or not, is 1 whether given or not.
 *
 * A currency without a rate is never taken as 1. By default it stops the snapshot, naming the
 * currencies and the positions they affect. With `onMissingFxRate: 'unconverted'` the snapshot is
 * still taken: those positions are listed and marked, left out of every money sum, and reported
 * as a critical `fxRateAvailable` breach, because exposure that is not counted is not managed.
 */
import { normaliseCurrency, CurrencyError } from '../ledger/currency';
import { Decimal, isDecimalText, toDecimal } from '../money';
import { compareText } from './exposure-decimals';
import { ExposureInputError } from './exposure-types';

export type MissingFxRatePolicy = 'error' | 'unconverted';

export interface MissingFxRate {
  currency: string;
  /** Sorted. */
  dealIds: string[];
}

export class ExposureFxRateError extends ExposureInputError {
  override name = 'ExposureFxRateError';
  readonly missing: readonly MissingFxRate[];

  constructor(accountCurrency: string, missing: readonly MissingFxRate[]) {
    const list = missing.map(({ currency, dealIds }) => `${currency} (positions ${dealIds.join(', ')})`).join('; ');
    super(`no FX rate into ${accountCurrency} for ${list}: supply fxRates for them, or take the snapshot with onMissingFxRate 'unconverted'`);
    this.missing = missing;
  }
}

function checkedCurrency(code: string, field: string): string {
  try {
    return normaliseCurrency(code).baseCurrency;
  } catch (error) {
    if (error instanceof CurrencyError) throw new ExposureInputError(`${field}: ${error.message}`);
    throw error;
  }
}

function suppliedRate(code: string, fxRates: Readonly<Record<string, string>>): { key: string; rate: string } | undefined {
  const base = checkedCurrency(code, 'instrument currency');
  for (const key of [code, base]) {
    // Own keys only: a currency called `constructor` must not find Object.prototype.
    if (Object.hasOwn(fxRates, key)) return { key, rate: fxRates[key] as string };
  }
  return undefined;
}

function parsedRate(key: string, rate: unknown): Decimal {
  if (typeof rate !== 'string' || !isDecimalText(rate)) throw new ExposureInputError(`fxRates.${key} must be decimal text, got ${typeof rate === 'string' ? `'${rate}'` : typeof rate}`);
  const value = toDecimal(rate);
  if (!value.gt(0)) throw new ExposureInputError(`fxRates.${key} must be greater than 0, got '${rate}'`);
  return value;
}

/**
 * One rate per currency the positions are in, keyed as given; null for a missing rate when the
 * policy is 'unconverted'. `dealIdsByCurrency` names the positions for the error message.
 */
export function resolveFxRates(
  dealIdsByCurrency: ReadonlyMap<string, readonly string[]>,
  accountCurrency: string,
  fxRates: Readonly<Record<string, string>>,
  policy: MissingFxRatePolicy,
): Map<string, Decimal | null> {
  const accountBase = checkedCurrency(accountCurrency, 'accountCurrency');
  const rates = new Map<string, Decimal | null>();
  const missing: MissingFxRate[] = [];
  for (const [currency, dealIds] of dealIdsByCurrency) {
    const supplied = suppliedRate(currency, fxRates);
    const rate = supplied === undefined ? undefined : parsedRate(supplied.key, supplied.rate);
    if (checkedCurrency(currency, 'instrument currency') === accountBase) {
      if (rate !== undefined && !rate.eq(1)) throw new ExposureInputError(`fxRates.${supplied?.key} is '${supplied?.rate}', but ${currency} is the account currency ${accountCurrency}: its rate is 1`);
      rates.set(currency, new Decimal(1));
    } else if (rate !== undefined) {
      rates.set(currency, rate);
    } else {
      missing.push({ currency, dealIds: [...dealIds].sort() });
      rates.set(currency, null);
    }
  }
  missing.sort((a, b) => compareText(a.currency, b.currency));
  if (missing.length > 0 && policy === 'error') throw new ExposureFxRateError(accountCurrency, missing);
  return rates;
}
