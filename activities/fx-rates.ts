import type { CapitalClient } from '../lib/capital';
import { CapitalRequestError } from '../lib/capital/errors';
import { fxEpicsNeeded, fxRatesInto, type FxQuote } from '../lib/trading/fx-rates';

/**
 * Rates into the account currency for these currencies, from the broker's FX markets (one
 * `/markets?epics=` request per 50 epics). Markets the broker does not have are simply absent
 * (a batch with none it knows answers 404); a currency left without a rate is in `missing`.
 */
export async function ratesIntoAccountCurrency(client: CapitalClient, accountCurrency: string, currencies: Iterable<string>): Promise<{ rates: Record<string, string>; missing: string[] }> {
  const wanted = [...currencies];
  const epics = fxEpicsNeeded(wanted, accountCurrency);
  let quotes = new Map<string, FxQuote>();
  if (epics.length > 0) {
    try {
      const details = await client.marketsByEpics(epics);
      quotes = new Map(details.map((d) => [d.instrument.epic, { bid: d.snapshot.bid, offer: d.snapshot.offer }]));
    } catch (error) {
      if (!(error instanceof CapitalRequestError && error.status === 404)) throw error;
    }
  }
  return fxRatesInto(accountCurrency, wanted, quotes);
}
