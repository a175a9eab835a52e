/**
 * Conversion rates into the account currency, from the broker's own FX markets: a rate is the mid
 * price of `FROMTO`, or one over the mid of `TOFROM`, or a cross through USD. Demo-account codes
 * (`USDd`) convert as the currency behind them. A currency no market converts has no rate: the
 * caller reports it, never assumes 1.
 */
import { normaliseCurrency } from '../ledger/currency';
import { canonical, Decimal, toDecimal } from '../money';

const CROSS_CURRENCY = 'USD';

export interface FxQuote {
  bid: string | number | Decimal;
  offer: string | number | Decimal;
}

/** The FX epics that can convert these currencies into the account's: ask the broker for these. */
export function fxEpicsNeeded(currencies: Iterable<string>, accountCurrency: string): string[] {
  const target = normaliseCurrency(accountCurrency).baseCurrency;
  const epics = new Set<string>();
  for (const code of currencies) {
    const source = normaliseCurrency(code).baseCurrency;
    if (source === target) continue;
    for (const [from, to] of [[source, target], [source, CROSS_CURRENCY], [target, CROSS_CURRENCY]]) {
      if (from === to) continue;
      epics.add(`${from}${to}`);
      epics.add(`${to}${from}`);
    }
  }
  return [...epics].sort();
}

function mid(quote: FxQuote): Decimal {
  return toDecimal(quote.bid).plus(toDecimal(quote.offer)).dividedBy(2);
}

/** Units of `to` per unit of `from` from the quotes by epic; undefined when no market links them. */
function directRate(from: string, to: string, quotes: ReadonlyMap<string, FxQuote>): Decimal | undefined {
  if (from === to) return new Decimal(1);
  const straight = quotes.get(`${from}${to}`);
  if (straight) return mid(straight);
  const inverse = quotes.get(`${to}${from}`);
  return inverse ? new Decimal(1).dividedBy(mid(inverse)) : undefined;
}

function crossRate(from: string, to: string, quotes: ReadonlyMap<string, FxQuote>): Decimal | undefined {
  const toUsd = directRate(from, CROSS_CURRENCY, quotes);
  const fromUsd = directRate(CROSS_CURRENCY, to, quotes);
  return toUsd && fromUsd ? toUsd.times(fromUsd) : undefined;
}

/**
 * Rates (canonical decimal text) into the account currency for each currency that has one, keyed
 * by the code as given. Missing currencies are left out; `missing` lists them.
 */
export function fxRatesInto(accountCurrency: string, currencies: Iterable<string>, quotes: ReadonlyMap<string, FxQuote>): { rates: Record<string, string>; missing: string[] } {
  const target = normaliseCurrency(accountCurrency).baseCurrency;
  const rates: Record<string, string> = {};
  const missing: string[] = [];
  for (const code of new Set(currencies)) {
    const source = normaliseCurrency(code).baseCurrency;
    const rate = directRate(source, target, quotes) ?? crossRate(source, target, quotes);
    if (rate) rates[code] = canonical(rate.toSignificantDigits(20));
    else missing.push(code);
  }
  return { rates, missing: missing.sort() };
}
