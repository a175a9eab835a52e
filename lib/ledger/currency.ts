/**
 * Account currencies as the broker writes them, and how many minor-unit decimals each one has.
 *
 * The broker's code is kept as it is (`USDd` on demo accounts) because it identifies the account's
 * money; the ISO 4217 code behind it (`USD`) is exposed separately for scale, FX and reporting.
 */

export class CurrencyError extends Error {
  override name = 'CurrencyError';
}

export interface NormalisedCurrency {
  /** The broker's code, unchanged: `USD`, `USDd`. */
  code: string;
  /** The ISO 4217 code behind it: `USD` for both. */
  baseCurrency: string;
  /** True for demo-account codes (`USDd`). */
  demo: boolean;
  /** Minor-unit decimals of the base currency. */
  scale: number;
}

/** Three upper-case letters, optionally followed by the demo suffix `d`. */
const BROKER_CURRENCY = /^([A-Z]{3})(d?)$/;

/** The default minor-unit decimals: most ISO 4217 currencies have cents. */
const DEFAULT_SCALE = 2;

/**
 * ISO 4217 currencies whose minor unit is not 2 decimals. HUF stays at 2: ISO 4217 still lists
 * fillér although no coin uses it, and card processors that say 0 round for cash, not for books.
 */
const SCALE_BY_CURRENCY: ReadonlyMap<string, number> = new Map([
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map(
    (code) => [code, 0] as const,
  ),
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((code) => [code, 3] as const),
  ...['CLF', 'UYW'].map((code) => [code, 4] as const),
]);

export function normaliseCurrency(code: string): NormalisedCurrency {
  const match = BROKER_CURRENCY.exec(typeof code === 'string' ? code : '');
  if (!match) throw new CurrencyError(`currency must be an ISO 4217 code, optionally with the demo suffix 'd' (USD, USDd), got '${String(code)}'`);
  const baseCurrency = match[1] as string;
  return { code, baseCurrency, demo: match[2] === 'd', scale: SCALE_BY_CURRENCY.get(baseCurrency) ?? DEFAULT_SCALE };
}

/** Minor-unit decimals for a broker currency code: 2 for USD and USDd, 0 for JPY, 3 for KWD. */
export function currencyScale(code: string): number {
  return normaliseCurrency(code).scale;
}
