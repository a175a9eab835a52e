import { Decimal, toDecimal } from '../lib/money';
import type { Market } from './data/markets';

export type Direction = 'BUY' | 'SELL';

export interface BracketRequest {
  stopLevel?: number | null;
  stopDistance?: number | null;
  stopAmount?: number | null;
  profitLevel?: number | null;
  profitDistance?: number | null;
  profitAmount?: number | null;
  guaranteedStop?: boolean;
  trailingStop?: boolean;
}

export interface Brackets {
  stopLevel?: Decimal;
  profitLevel?: Decimal;
  /** Kept for trailing stops, which the broker reports as a distance. */
  stopDistance?: Decimal;
}

export type RuleCheck<T> = { ok: true; value: T } | { ok: false; status: number; errorCode: string };

const reject = (errorCode: string): { ok: false; status: number; errorCode: string } => ({ ok: false, status: 400, errorCode });

/** Size against the market's grid: minimum, maximum and increment (`error.invalid.size…`). */
export function checkSize(market: Market, size: number): RuleCheck<Decimal> {
  const value = toDecimal(size);
  const min = toDecimal(market.minDealSize);
  const max = toDecimal(market.maxDealSize);
  if (value.lessThan(min)) return reject(`error.invalid.size.minvalue: ${market.minDealSize}`);
  if (value.greaterThan(max)) return reject(`error.invalid.size.maxvalue: ${market.maxDealSize}`);
  if (!value.minus(min).modulo(toDecimal(market.minSizeIncrement)).isZero()) return reject('error.invalid.size');
  return { ok: true, value };
}

/**
 * Stop loss and take profit against the dealing rules, as the broker reports violations: the
 * minimum as a distance, the maximum as an absolute level (§2.2), each after a `:`.
 */
export function checkBrackets(market: Market, direction: Direction, entry: Decimal, size: Decimal, request: BracketRequest): RuleCheck<Brackets> {
  if (request.guaranteedStop && !market.guaranteedStopAllowed) return reject('error.invalid.guaranteedstop');
  if (request.trailingStop && !market.trailingStopsAvailable) return reject('error.invalid.trailingstop');
  const sign = direction === 'BUY' ? 1 : -1;
  const round = (d: Decimal) => d.toDecimalPlaces(market.decimals, Decimal.ROUND_HALF_EVEN);
  const perPoint = size.times(market.lotSize);
  const minDistance = round(
    request.guaranteedStop
      ? entry.times(market.minGuaranteedStopDistancePct).dividedBy(100)
      : market.stopRuleUnit === 'POINTS'
        ? toDecimal(market.minStopOrProfitDistance)
        : entry.times(toDecimal(market.minStopOrProfitDistance)).dividedBy(100),
  );
  const maxDistance = round(entry.times(market.maxStopOrProfitDistancePct).dividedBy(100));

  const levelOf = (level?: number | null, distance?: number | null, amount?: number | null, side = -1): Decimal | undefined => {
    if (level != null) return toDecimal(level);
    if (distance != null) return round(entry.plus(toDecimal(distance).times(side * sign)));
    if (amount != null) return round(entry.plus(toDecimal(amount).dividedBy(perPoint).times(side * sign)));
    return undefined;
  };

  const brackets: Brackets = {};
  const stop = levelOf(request.stopLevel, request.stopDistance, request.stopAmount, -1);
  if (stop) {
    const distance = entry.minus(stop).times(sign);
    if (distance.lessThan(minDistance)) return reject(`error.invalid.stoploss.minvalue: ${minDistance.toFixed()}`);
    if (distance.greaterThan(maxDistance)) return reject(`error.invalid.stoploss.maxvalue: ${round(entry.minus(maxDistance.times(sign))).toFixed()}`);
    brackets.stopLevel = stop;
    if (request.trailingStop) brackets.stopDistance = distance;
  }
  const profit = levelOf(request.profitLevel, request.profitDistance, request.profitAmount, 1);
  if (profit) {
    const distance = profit.minus(entry).times(sign);
    if (distance.lessThan(minDistance)) return reject(`error.invalid.takeprofit.minvalue: ${minDistance.toFixed()}`);
    if (distance.greaterThan(maxDistance)) return reject(`error.invalid.takeprofit.maxvalue: ${round(entry.plus(maxDistance.times(sign))).toFixed()}`);
    brackets.profitLevel = profit;
  }
  return { ok: true, value: brackets };
}
