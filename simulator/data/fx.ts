/**
 * Currency conversion for P/L, fees and funding: instrument currency → account currency at the
 * simulated mid price of the FX markets in the catalogue, crossing through USD.
 */
import { Decimal } from '../../lib/money';
import { findMarket } from './markets';
import { quotePointsAt } from './prices';
import { pointsText } from './wire-numbers';

/** Demo accounts report "USDd"-style codes; they behave as their real currency. */
export function settlementCurrency(code: string): string {
  return code.length === 4 && code.endsWith('d') ? code.slice(0, 3) : code;
}

function midPrice(epic: string, atMs: number): Decimal | undefined {
  const market = findMarket(epic);
  if (!market) return undefined;
  const { bidPoints, ofrPoints } = quotePointsAt(market, atMs);
  return new Decimal(pointsText(bidPoints + ofrPoints, market.decimals)).dividedBy(2);
}

/** USD per one unit of `currency`. */
function usdValue(currency: string, atMs: number): Decimal {
  if (currency === 'USD') return new Decimal(1);
  const direct = midPrice(`${currency}USD`, atMs);
  if (direct) return direct;
  const inverse = midPrice(`USD${currency}`, atMs);
  if (inverse) return new Decimal(1).dividedBy(inverse);
  throw new RangeError(`no FX market converts ${currency}`);
}

/** Units of `to` per one unit of `from` at the instant (1 when they settle in the same currency). */
export function conversionRate(from: string, to: string, atMs: number): Decimal {
  const source = settlementCurrency(from);
  const target = settlementCurrency(to);
  if (source === target) return new Decimal(1);
  return usdValue(source, atMs).dividedBy(usdValue(target, atMs));
}
