/**
 * A trade intent against its market's dealing rules (`GET /markets/{epic}`, REFERENCE §7.3): what
 * the broker would refuse, found before the order is sent, each with the bound it broke.
 *
 * - Sizes: at least `minDealSize`, at most `maxDealSize`, and on the `minSizeIncrement` grid counted
 *   from `minDealSize` (as the simulator does). Size rules are read as sizes whatever their unit.
 * - Stop and profit distances lie in [`minStopOrProfitDistance`, `maxStopOrProfitDistance`], bounds
 *   included; a guaranteed stop's minimum is `minGuaranteedStopDistance` instead. POINTS are price
 *   units; PERCENTAGE is a percent of the reference price: the order level for LIMIT and STOP, else
 *   `referencePrice` when given, else the offer for a BUY and the bid for a SELL.
 * - A stop or profit given as a level is measured from the reference price and must lie on its
 *   side: BUY stop below, profit above; SELL the opposite. One given as an amount (money) is left
 *   to the broker: turning it into a distance needs the account's currency conversion.
 * - A guaranteed stop needs `guaranteedStopAllowed: true`; a trailing stop a
 *   `trailingStopsPreference` other than NOT_AVAILABLE; every order a TRADEABLE market; a good-till
 *   time after `nowMs` (time passes between receipt and placing).
 */
import { type DealingRule, type MarketDetails } from '../capital/schemas/markets';
import { normaliseEpic } from '../ledger/instrument-id';
import { canonical, type Decimal, toDecimal } from '../money';
import { bracketTerm, type IntentBracket, type IntentProblem, type TradeIntent } from './intent-schema';

export interface DealingRuleOptions {
  /** Broker time, UTC epoch ms. */
  nowMs: number;
  /** The price a MARKET order is expected to fill at, when fresher than the market's snapshot. */
  referencePrice?: string | Decimal;
}

type Side = 'stop' | 'profit';

function text(amount: Decimal): string {
  return canonical(amount);
}

/** A rule's value in price units, or why it cannot be had. */
function pointsOf(rule: DealingRule, reference: Decimal): { points: Decimal; shown: string } | { unusable: string } {
  if (rule.unit === 'POINTS') return { points: rule.value, shown: text(rule.value) };
  if (rule.unit !== 'PERCENTAGE') return { unusable: `the market states it in ${rule.unit}, a unit this check does not know` };
  if (!reference.gt(0)) return { unusable: `it is a percentage and there is no positive reference price (got ${text(reference)})` };
  const points = rule.value.times(reference).dividedBy(100);
  return { points, shown: `${text(points)} (${text(rule.value)}% of ${text(reference)})` };
}

/** The distance of a stop or profit from the reference price; a level on the wrong side is a problem. */
function distanceOf(bracket: IntentBracket, side: Side, intent: TradeIntent, reference: Decimal, problems: IntentProblem[]): Decimal | undefined {
  const { kind, value } = bracketTerm(bracket);
  if (kind === 'distance') return toDecimal(value);
  if (kind === 'amount') return undefined;
  const level = toDecimal(value);
  const below = (intent.direction === 'BUY') === (side === 'stop');
  const distance = below ? reference.minus(level) : level.minus(reference);
  if (distance.gt(0)) return distance;
  const what = side === 'stop' ? 'stop' : 'take-profit';
  problems.push({ field: `${side}.level`, rule: `dealing.${side}-wrong-side`, reason: `a ${intent.direction} ${what} must be ${below ? 'below' : 'above'} the reference price ${text(reference)}, got ${text(level)}` });
  return undefined;
}

function checkDistance(side: Side, distance: Decimal, intent: TradeIntent, market: MarketDetails, reference: Decimal, problems: IntentProblem[]): void {
  const rules = market.dealingRules;
  const guaranteed = side === 'stop' && intent.guaranteedStop && rules.minGuaranteedStopDistance !== undefined;
  const bounds: [DealingRule | undefined, 'min' | 'max', string, string][] = [
    guaranteed ? [rules.minGuaranteedStopDistance, 'min', 'dealing.min-guaranteed-stop-distance', 'minGuaranteedStopDistance'] : [rules.minStopOrProfitDistance, 'min', `dealing.min-${side}-distance`, 'minStopOrProfitDistance'],
    [rules.maxStopOrProfitDistance, 'max', `dealing.max-${side}-distance`, 'maxStopOrProfitDistance'],
  ];
  for (const [rule, bound, id, name] of bounds) {
    if (rule === undefined) continue;
    const limit = pointsOf(rule, reference);
    if ('unusable' in limit) {
      problems.push({ field: side, rule: id, reason: `${name} cannot be checked: ${limit.unusable}` });
      continue;
    }
    const broken = bound === 'min' ? distance.lt(limit.points) : distance.gt(limit.points);
    if (broken) problems.push({ field: side, rule: id, reason: `${side} distance ${text(distance)} is ${bound === 'min' ? 'below the minimum' : 'above the maximum'} ${limit.shown}` });
  }
}

function checkSize(intent: TradeIntent, market: MarketDetails, problems: IntentProblem[]): void {
  const { minDealSize, maxDealSize, minSizeIncrement } = market.dealingRules;
  const size = toDecimal(intent.size);
  if (size.lt(minDealSize.value)) problems.push({ field: 'size', rule: 'dealing.min-size', reason: `${intent.size} is below the market's minimum deal size ${text(minDealSize.value)}` });
  if (maxDealSize !== undefined && size.gt(maxDealSize.value)) problems.push({ field: 'size', rule: 'dealing.max-size', reason: `${intent.size} is above the market's maximum deal size ${text(maxDealSize.value)}` });
  if (minSizeIncrement !== undefined && minSizeIncrement.value.gt(0) && !size.minus(minDealSize.value).mod(minSizeIncrement.value).isZero()) {
    problems.push({ field: 'size', rule: 'dealing.size-increment', reason: `${intent.size} is not ${text(minDealSize.value)} plus a whole number of steps of ${text(minSizeIncrement.value)}` });
  }
}

/** The price percentages and levels are measured from. */
export function referencePriceOf(intent: TradeIntent, market: MarketDetails, referencePrice?: string | Decimal): Decimal {
  if (intent.orderType !== 'MARKET' && intent.level !== undefined) return toDecimal(intent.level);
  if (referencePrice !== undefined) return toDecimal(referencePrice);
  return intent.direction === 'BUY' ? market.snapshot.offer : market.snapshot.bid;
}

/** Every dealing rule of `market` the intent breaks; `market` must be the intent's (its epic is checked). */
export function checkAgainstDealingRules(intent: TradeIntent, market: MarketDetails, options: DealingRuleOptions): IntentProblem[] {
  if (normaliseEpic(market.instrument.epic) !== normaliseEpic(intent.epic)) throw new Error(`the market details are for ${market.instrument.epic}, the intent is for ${intent.epic}`);
  const problems: IntentProblem[] = [];
  const status = market.snapshot.marketStatus;
  if (status !== 'TRADEABLE') problems.push({ field: 'instrument', rule: 'dealing.market-closed', reason: `${intent.epic} is ${status}, not TRADEABLE` });
  checkSize(intent, market, problems);
  const reference = referencePriceOf(intent, market, options.referencePrice);
  for (const side of ['stop', 'profit'] as const) {
    const bracket = intent[side];
    if (bracket === undefined) continue;
    const distance = distanceOf(bracket, side, intent, reference, problems);
    if (distance !== undefined) checkDistance(side, distance, intent, market, reference, problems);
  }
  if (intent.guaranteedStop && market.instrument.guaranteedStopAllowed !== true) problems.push({ field: 'guaranteedStop', rule: 'dealing.guaranteed-stop-not-allowed', reason: `${intent.epic} does not allow guaranteed stops` });
  if (intent.trailingStop && market.dealingRules.trailingStopsPreference === 'NOT_AVAILABLE') problems.push({ field: 'trailingStop', rule: 'dealing.trailing-stop-not-available', reason: `${intent.epic} does not offer trailing stops` });
  if (intent.goodTillMs !== undefined && intent.goodTillMs <= options.nowMs) problems.push({ field: 'goodTill', rule: 'good-till-in-future', reason: `${new Date(intent.goodTillMs).toISOString()} is not after the broker's time ${new Date(options.nowMs).toISOString()}` });
  return problems;
}
