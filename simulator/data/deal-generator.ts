/**
 * Draws deal plans. Each deal has its own random stream, named by (seed, account, owner day, kind,
 * index), so any deal can be regenerated alone and always comes out the same.
 *
 * Levels come from the simulated quotes: a position opens at the offer (BUY) or bid (SELL) of its
 * open instant and closes at the other side at its close instant. Traders pick the winning
 * direction slightly more often than half the time, just enough to pay the spread back, so
 * realised P/L is centred near zero instead of bleeding the spread on every deal.
 */
import { Decimal } from '../../lib/money';
import { type GenerationContext } from './context';
import {
  type CloseSource,
  type Deal,
  type DealKind,
  type Direction,
  directionSign,
  LOOKBACK_DAYS,
  type OrderOutcome,
  type OrderPlan,
  type PositionPlan,
  type SwapCharge,
  oppositeDirection,
} from './deal-model';
import { conversionRate, settlementCurrency } from './fx';
import { findMarket, marketByEpic, type Market } from './markets';
import { type MinuteRun, openRuns, openRunsWithin, isOpenAt } from './opening-hours';
import { SWAP_MINUTE_OF_DAY, swapInstantOf } from './overnight-funding';
import { quotePointsAt } from './prices';
import { Prng } from './prng';
import { dayIndexOf, dayStartMs, DAY_MS, HOUR_MS, MINUTE_MS, MINUTES_PER_DAY, SECOND_MS } from './time';
import { pointsDecimal, toCents } from './wire-numbers';

const EPIC_ATTEMPTS = 6;
const FALLBACK_EPIC = 'BTCUSD';
const CLOSED_SEARCH_DAYS = 3;
const NIGHTS_MAX = 5;
const CENT = new Decimal('0.01');

/** `<account prefix>-<entity>-<owner day>-0000-<index>` in hex, like the broker's dealIds. */
export function dealIdOf(ctx: GenerationContext, entity: 'position' | 'order', kind: DealKind, ownerDay: number, index: number): string {
  const entityHex = entity === 'position' ? '0001' : '0002';
  const tail = (kind === 'long' ? 2 ** 40 : 0) + index;
  return `${ctx.account.dealIdPrefix}-${entityHex}-${ownerDay.toString(16).padStart(4, '0')}-0000-${tail.toString(16).padStart(12, '0')}`;
}

interface TimePick {
  ms: number;
  /** End of the open run containing `ms` (exclusive). */
  runEndMs: number;
}

/** A uniform instant inside the runs, at least `marginMs` before its run ends. */
function pickInstant(rng: Prng, day: number, runs: readonly MinuteRun[], marginMs: number): TimePick {
  let totalMs = 0;
  for (const [start, end] of runs) totalMs += Math.max(0, (end - start) * MINUTE_MS - marginMs);
  let target = Math.floor(rng.float() * totalMs);
  for (const [start, end] of runs) {
    const usable = Math.max(0, (end - start) * MINUTE_MS - marginMs);
    if (target < usable) {
      const runStartMs = dayStartMs(day) + start * MINUTE_MS;
      return { ms: runStartMs + target, runEndMs: dayStartMs(day) + end * MINUTE_MS };
    }
    target -= usable;
  }
  throw new Error('no usable open time in the given runs');
}

function usableMinutes(runs: readonly MinuteRun[]): number {
  let minutes = 0;
  for (const [start, end] of runs) minutes += end - start;
  return minutes;
}

/** A traded market with at least a few open minutes in [fromMinute, toMinute) of the day. */
function pickMarket(ctx: GenerationContext, rng: Prng, day: number, fromMinute: number, toMinute: number): { market: Market; runs: MinuteRun[] } {
  for (let attempt = 0; attempt < EPIC_ATTEMPTS; attempt++) {
    const market = marketByEpic(rng.pick(ctx.account.tradedEpics));
    const runs = openRunsWithin(market.sessions, day, fromMinute, toMinute);
    if (usableMinutes(runs) >= 5) return { market, runs };
  }
  const alwaysOpen = ctx.account.tradedEpics.map((e) => marketByEpic(e)).find((m) => m.sessions === 'ALWAYS') ?? findMarket(FALLBACK_EPIC);
  if (!alwaysOpen) throw new Error(`fallback market ${FALLBACK_EPIC} is missing from the catalogue`);
  return { market: alwaysOpen, runs: openRunsWithin(alwaysOpen.sessions, day, fromMinute, toMinute) };
}

/** The first instant at or after `ms` inside a session (searching a few days ahead). */
function nextOpenInstant(market: Market, ms: number): number {
  if (isOpenAt(market.sessions, ms)) return ms;
  const firstDay = dayIndexOf(ms);
  for (let day = firstDay; day <= firstDay + CLOSED_SEARCH_DAYS; day++) {
    for (const [start] of openRuns(market.sessions, day)) {
      const runStart = dayStartMs(day) + start * MINUTE_MS;
      if (runStart >= ms) return runStart + SECOND_MS;
    }
  }
  throw new Error(`${market.epic} has no session within ${CLOSED_SEARCH_DAYS} days of ${ms}`);
}

function sizeOf(rng: Prng, market: Market): string {
  const multiplier = rng.pick(market.sizeMultipliers);
  return new Decimal(market.minDealSize).times(multiplier).toFixed();
}

/** A stop/limit distance in points: a fraction of a day's typical move, never under the minimum. */
function bracketDistance(rng: Prng, market: Market, levelPoints: number): number {
  const typical = (levelPoints * market.dailyVolatilityPct) / 100;
  return Math.max(market.spreadPoints * 3, Math.round(typical * (0.3 + 1.2 * rng.float())));
}

interface Levels {
  direction: Direction;
  openPoints: number;
  closePoints: number;
}

/** Chooses the direction (with a spread-sized edge towards the winning side) and the fill levels. */
function chooseLevels(rng: Prng, market: Market, openMs: number, closeMs: number): Levels {
  const atOpen = quotePointsAt(market, openMs);
  const atClose = quotePointsAt(market, closeMs);
  const move = atClose.bidPoints - atOpen.bidPoints;
  const winner: Direction = move >= 0 ? 'BUY' : 'SELL';
  const edge = move === 0 ? 0.5 : Math.min(0.8, 0.5 + market.spreadPoints / (2 * Math.abs(move)));
  const direction = rng.chance(edge) ? winner : oppositeDirection(winner);
  return direction === 'BUY'
    ? { direction, openPoints: atOpen.ofrPoints, closePoints: atClose.bidPoints }
    : { direction, openPoints: atOpen.bidPoints, closePoints: atClose.ofrPoints };
}

interface Bracket {
  closeSource: CloseSource;
  stopPoints?: number;
  profitPoints?: number;
  trailingStopDistancePoints?: number;
  guaranteedStop: boolean;
}

/** Stop/limit levels consistent with how the position closed: an SL close closes at its stop, a TP close at its limit. */
function chooseBracket(rng: Prng, market: Market, levels: Levels): Bracket {
  const sign = directionSign(levels.direction);
  const won = sign * (levels.closePoints - levels.openPoints) > 0;
  const lost = sign * (levels.closePoints - levels.openPoints) < 0;
  if (!rng.chance(0.35)) {
    const closeSource: CloseSource = lost && rng.chance(0.02) ? 'CLOSE_OUT' : rng.chance(0.005) ? 'DEALER' : 'USER';
    return { closeSource, guaranteedStop: false };
  }
  const distance = bracketDistance(rng, market, levels.openPoints);
  const low = Math.min(levels.openPoints, levels.closePoints);
  const high = Math.max(levels.openPoints, levels.closePoints);
  let bracket: Bracket;
  if (won && rng.chance(0.5)) {
    bracket = { closeSource: 'TP', profitPoints: levels.closePoints, stopPoints: levels.openPoints - sign * distance, guaranteedStop: false };
  } else if (lost && rng.chance(0.5)) {
    bracket = { closeSource: 'SL', stopPoints: levels.closePoints, profitPoints: levels.openPoints + sign * distance, guaranteedStop: false };
  } else {
    bracket = sign > 0
      ? { closeSource: 'USER', stopPoints: low - distance, profitPoints: high + distance, guaranteedStop: false }
      : { closeSource: 'USER', stopPoints: high + distance, profitPoints: low - distance, guaranteedStop: false };
  }
  if (bracket.stopPoints !== undefined && bracket.stopPoints < 1) bracket.stopPoints = 1;
  if (bracket.profitPoints !== undefined && bracket.profitPoints < 1) bracket.profitPoints = 1;
  if (market.trailingStopsAvailable && rng.chance(0.15) && bracket.stopPoints !== undefined) {
    bracket.trailingStopDistancePoints = Math.max(1, Math.abs(levels.openPoints - bracket.stopPoints));
    delete bracket.stopPoints;
  } else if (market.guaranteedStopAllowed && bracket.stopPoints !== undefined && rng.chance(0.2)) {
    bracket.guaranteedStop = true;
  }
  return bracket;
}

function nonZeroCents(amount: Decimal, signIfZero: 1 | -1): Decimal {
  const cents = toCents(amount);
  return cents.isZero() ? CENT.times(signIfZero) : cents;
}

function notional(market: Market, points: number, size: string, rate: Decimal): Decimal {
  return pointsDecimal(points, market.decimals).times(size).times(rate);
}

/** Overnight funding for every swap instant strictly inside (openMs, closeMs). */
function swapCharges(ctx: GenerationContext, market: Market, direction: Direction, size: string, openMs: number, closeMs: number): SwapCharge[] {
  const charges: SwapCharge[] = [];
  const rateText = direction === 'BUY' ? market.overnightLongRate : market.overnightShortRate;
  const ratePct = new Decimal(rateText);
  const lastDay = dayIndexOf(closeMs);
  for (let day = dayIndexOf(openMs); day <= lastDay; day++) {
    const at = swapInstantOf(day);
    if (at <= openMs || at >= closeMs) continue;
    const bid = quotePointsAt(market, at).bidPoints;
    const value = notional(market, bid, size, conversionRate(market.currency, ctx.account.currency, at));
    charges.push({ timeMs: at, amount: nonZeroCents(value.times(ratePct).dividedBy(100), ratePct.isNegative() ? -1 : 1) });
  }
  return charges;
}

interface Timing {
  openMs: number;
  closeMs: number;
}

function orderOutcome(rng: Prng): OrderOutcome {
  return rng.weighted<OrderOutcome>([
    ['FILLED', 0.58],
    ['CANCELLED', 0.27],
    ['EXPIRED', 0.15],
  ]);
}

function roundUpToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

function buildOrder(
  ctx: GenerationContext,
  rng: Prng,
  deal: { kind: DealKind; ownerDay: number; index: number; market: Market; direction: Direction },
  createdMs: number,
  endMs: number,
  outcome: OrderOutcome,
  levelPoints: number,
): OrderPlan {
  const { market, direction } = deal;
  const atCreation = quotePointsAt(market, createdMs);
  const isLimit = direction === 'BUY' ? levelPoints <= atCreation.ofrPoints : levelPoints >= atCreation.bidPoints;
  const order: OrderPlan = {
    dealId: dealIdOf(ctx, 'order', deal.kind, deal.ownerDay, deal.index),
    orderType: isLimit ? 'LIMIT' : 'STOP',
    createdMs,
    initialLevelPoints: levelPoints,
    levelPoints,
    outcome,
    endMs,
  };
  if (outcome === 'EXPIRED') order.goodTillMs = endMs;
  else if (rng.chance(0.5)) order.goodTillMs = roundUpToMinute(endMs + MINUTE_MS + Math.floor(rng.float() * 3 * DAY_MS));
  if (endMs - createdMs > 2 && rng.chance(0.3)) {
    order.amendedMs = createdMs + 1 + Math.floor(rng.float() * (endMs - createdMs - 2));
    const offset = market.spreadPoints * rng.int(2, 8) * (rng.chance(0.5) ? 1 : -1);
    order.initialLevelPoints = Math.max(1, levelPoints + offset);
  }
  return order;
}

/** A working order that never fills: level some way off the market, on the side its type implies. */
function unfilledOrderLevel(rng: Prng, market: Market, direction: Direction, createdMs: number): number {
  const quote = quotePointsAt(market, createdMs);
  const away = (market.dailyVolatilityPct / 100) * (0.2 + 1.3 * rng.float());
  const limit = rng.chance(0.6);
  const reference = direction === 'BUY' ? quote.ofrPoints : quote.bidPoints;
  const below = direction === 'BUY' ? limit : !limit;
  return Math.max(1, Math.round(reference * (below ? 1 - away : 1 + away)));
}

function buildPosition(ctx: GenerationContext, rng: Prng, deal: Deal, timing: Timing, levels: Levels, chargeSwaps: boolean): PositionPlan {
  const { market, size } = deal;
  const bracket = chooseBracket(rng, market, levels);
  deal.guaranteedStop = bracket.guaranteedStop;
  const sign = directionSign(levels.direction);
  const closeRate = conversionRate(market.currency, ctx.account.currency, timing.closeMs);
  const pnl = toCents(pointsDecimal(sign * (levels.closePoints - levels.openPoints), market.decimals).times(size).times(closeRate));
  const position: PositionPlan = {
    dealId: dealIdOf(ctx, 'position', deal.kind, deal.ownerDay, deal.index),
    openMs: timing.openMs,
    openPoints: levels.openPoints,
    closeMs: timing.closeMs,
    closePoints: levels.closePoints,
    closeSource: bracket.closeSource,
    edits: [],
    swaps: chargeSwaps ? swapCharges(ctx, market, levels.direction, size, timing.openMs, timing.closeMs) : [],
    pnl,
  };
  if (bracket.stopPoints !== undefined) position.stopPoints = bracket.stopPoints;
  if (bracket.profitPoints !== undefined) position.profitPoints = bracket.profitPoints;
  if (bracket.trailingStopDistancePoints !== undefined) position.trailingStopDistancePoints = bracket.trailingStopDistancePoints;
  const hasBracket = bracket.stopPoints !== undefined || bracket.profitPoints !== undefined || bracket.trailingStopDistancePoints !== undefined;
  const span = timing.closeMs - timing.openMs;
  if (hasBracket) {
    // A guaranteed stop must be placed with the deal; other brackets are sometimes added later by an edit.
    if (!bracket.guaranteedStop && span > 2 && rng.chance(0.3)) {
      const editMs = timing.openMs + 1 + Math.floor(rng.float() * (span - 2));
      position.bracketFromMs = editMs;
      position.edits.push({ timeMs: editMs, accepted: true });
    } else {
      position.bracketFromMs = timing.openMs;
    }
  }
  if (span > 2 && rng.chance(0.04)) position.edits.push({ timeMs: timing.openMs + 1 + Math.floor(rng.float() * (span - 2)), accepted: false });
  position.edits.sort((a, b) => a.timeMs - b.timeMs);

  const openRate = conversionRate(market.currency, ctx.account.currency, timing.openMs);
  const openValue = notional(market, levels.openPoints, size, openRate);
  const commissionChance = market.type === 'SHARES' || market.type === 'CRYPTOCURRENCIES' ? 0.6 : 0.1;
  if (rng.chance(commissionChance)) position.commission = nonZeroCents(openValue.times('-0.0005'), -1);
  if (bracket.guaranteedStop) position.guaranteedStopFee = nonZeroCents(openValue.times('-0.0003'), -1);
  const converts = settlementCurrency(market.currency) !== settlementCurrency(ctx.account.currency);
  if (converts && rng.chance(0.8)) position.fxFee = nonZeroCents(pnl.abs().times('-0.007'), -1);
  return position;
}

/** Attaches the position's bracket distances to the order that opened it (when placed with the order). */
function attachBracketToOrder(order: OrderPlan, position: PositionPlan): void {
  if (position.bracketFromMs !== position.openMs) return;
  if (position.stopPoints !== undefined) order.stopDistancePoints = -Math.abs(position.openPoints - position.stopPoints);
  if (position.profitPoints !== undefined) order.profitDistancePoints = Math.abs(position.profitPoints - position.openPoints);
}

function newDeal(kind: DealKind, ownerDay: number, index: number, market: Market, rng: Prng): Deal {
  return { kind, ownerDay, index, market, direction: 'BUY', size: sizeOf(rng, market), guaranteedStop: false };
}

/**
 * Holding time is exponential (mean 45 min); a hold that would run past `latestMs` is redrawn
 * uniformly inside the time left, so closes do not pile up at session ends.
 */
function closeWithin(rng: Prng, openMs: number, latestMs: number): number {
  const wanted = openMs + 2 * SECOND_MS + Math.floor(rng.exponential(45 * MINUTE_MS));
  if (wanted <= latestMs) return wanted;
  return openMs + 1 + Math.floor(rng.float() * Math.max(1, latestMs - openMs - 1));
}

/**
 * An intraday deal: every event inside the owner day, in the 22 h before the daily swap instant or
 * the 2 h after it, so no intraday position is ever charged overnight funding.
 */
export function intradayDeal(ctx: GenerationContext, ownerDay: number, index: number): Deal {
  const rng = Prng.fromKey('deal', ctx.seed, ctx.account.accountId, ownerDay, 'intraday', index);
  const late = rng.chance(0.08);
  const fromMinute = late ? SWAP_MINUTE_OF_DAY : 0;
  const toMinute = late ? MINUTES_PER_DAY : SWAP_MINUTE_OF_DAY;
  const windowStartMs = dayStartMs(ownerDay) + fromMinute * MINUTE_MS;
  const windowEndMs = dayStartMs(ownerDay) + toMinute * MINUTE_MS;
  const { market, runs } = pickMarket(ctx, rng, ownerDay, fromMinute, toMinute);
  const deal = newDeal('intraday', ownerDay, index, market, rng);
  const start = pickInstant(rng, ownerDay, runs, 3 * SECOND_MS);

  const orderFirst = rng.chance(0.22);
  const outcome = orderFirst ? orderOutcome(rng) : 'FILLED';
  if (orderFirst && outcome !== 'FILLED') {
    deal.direction = rng.chance(0.5) ? 'BUY' : 'SELL';
    const createdMs = start.ms;
    let endMs = createdMs + SECOND_MS + Math.floor(rng.exponential(60 * MINUTE_MS));
    if (endMs >= windowEndMs) endMs = createdMs + 1 + Math.floor(rng.float() * Math.max(1, windowEndMs - createdMs - 2));
    let finalOutcome = outcome;
    if (outcome === 'EXPIRED') {
      endMs = roundUpToMinute(endMs);
      if (endMs >= windowEndMs || endMs <= createdMs) {
        finalOutcome = 'CANCELLED';
        endMs = Math.min(windowEndMs - 1, createdMs + SECOND_MS);
      }
    }
    deal.order = buildOrder(ctx, rng, deal, createdMs, endMs, finalOutcome, unfilledOrderLevel(rng, market, deal.direction, createdMs));
    return deal;
  }

  const openMs = start.ms;
  const closeMs = closeWithin(rng, openMs, Math.min(start.runEndMs, windowEndMs) - SECOND_MS);
  const levels = chooseLevels(rng, market, openMs, closeMs);
  deal.direction = levels.direction;
  const timing: Timing = { openMs, closeMs };
  deal.position = buildPosition(ctx, rng, deal, timing, levels, false);
  if (orderFirst) {
    const createdMs = Math.max(windowStartMs, openMs - SECOND_MS - Math.floor(rng.exponential(20 * MINUTE_MS)));
    deal.order = buildOrder(ctx, rng, deal, createdMs, openMs, 'FILLED', levels.openPoints);
    attachBracketToOrder(deal.order, deal.position);
  }
  return deal;
}

/** A long deal: opens (or places its order) on the owner day and ends within `LOOKBACK_DAYS` days. */
export function longDeal(ctx: GenerationContext, ownerDay: number, index: number): Deal {
  const rng = Prng.fromKey('deal', ctx.seed, ctx.account.accountId, ownerDay, 'long', index);
  const { market, runs } = pickMarket(ctx, rng, ownerDay, 0, MINUTES_PER_DAY);
  const deal = newDeal('long', ownerDay, index, market, rng);
  const first = pickInstant(rng, ownerDay, runs, 3 * SECOND_MS).ms;

  const orderFirst = rng.chance(0.25);
  const outcome = orderFirst ? orderOutcome(rng) : 'FILLED';
  if (orderFirst && outcome !== 'FILLED') {
    deal.direction = rng.chance(0.5) ? 'BUY' : 'SELL';
    const life = MINUTE_MS + Math.min(5 * DAY_MS, Math.floor(rng.exponential(1.5 * DAY_MS)));
    const endMs = outcome === 'EXPIRED' ? roundUpToMinute(first + life) : first + life;
    deal.order = buildOrder(ctx, rng, deal, first, endMs, outcome, unfilledOrderLevel(rng, market, deal.direction, first));
    return assertWithinLookback(deal);
  }

  const openMs = orderFirst ? nextOpenInstant(market, first + MINUTE_MS + Math.min(DAY_MS, Math.floor(rng.exponential(8 * HOUR_MS)))) : first;
  const nights = Math.min(NIGHTS_MAX, 1 + Math.floor(rng.exponential(1.2)));
  let closeDay = dayIndexOf(openMs) + nights;
  for (let step = 0; step < CLOSED_SEARCH_DAYS && openRuns(market.sessions, closeDay).length === 0; step++) closeDay++;
  const closeRuns = openRuns(market.sessions, closeDay);
  const closeMs = closeRuns.length > 0 ? pickInstant(rng, closeDay, closeRuns, 3 * SECOND_MS).ms : dayStartMs(closeDay) + 12 * HOUR_MS;
  const levels = chooseLevels(rng, market, openMs, closeMs);
  deal.direction = levels.direction;
  deal.position = buildPosition(ctx, rng, deal, { openMs, closeMs }, levels, true);
  if (orderFirst) {
    deal.order = buildOrder(ctx, rng, deal, first, openMs, 'FILLED', levels.openPoints);
    attachBracketToOrder(deal.order, deal.position);
  }
  return assertWithinLookback(deal);
}

function assertWithinLookback(deal: Deal): Deal {
  const lastDay = dayIndexOf(Math.max(deal.position?.closeMs ?? 0, deal.order?.endMs ?? 0));
  if (lastDay - deal.ownerDay > LOOKBACK_DAYS) throw new Error(`deal ${deal.ownerDay}/${deal.index} outlives the ${LOOKBACK_DAYS}-day lookback`);
  return deal;
}

/** Drops optional fee rows until the deal produces at most `rowsMax` cash rows (never below its TRADE row). */
export function trimDealRows(deal: Deal, rowsMax: number): void {
  const position = deal.position;
  if (!position) return;
  const count = (): number => 1 + position.swaps.length + (position.commission ? 1 : 0) + (position.guaranteedStopFee ? 1 : 0) + (position.fxFee ? 1 : 0);
  if (count() > rowsMax) delete position.fxFee;
  if (count() > rowsMax) delete position.commission;
  if (count() > rowsMax && position.guaranteedStopFee) {
    delete position.guaranteedStopFee;
    deal.guaranteedStop = false;
  }
}
