/**
 * `/positions` and `/workingorders` at an instant, read from the same deal plans as the activity
 * feed: a position is open from its open activity (inclusive) to its close activity (exclusive);
 * a working order is working from its placement to its fill, cancellation or expiry (exclusive).
 * Stop/limit levels show from the instant they were set (at open, or at the accepted edit).
 */
import { type Seed, type SimulatedAccount } from './accounts';
import { type GenerationContext, generationContext } from './context';
import { dayFrame, forEachIntradayDeal } from './day-plan';
import { type Deal, type Direction, directionSign } from './deal-model';
import { conversionRate } from './fx';
import { marketSummary, type MarketSummary } from './market-wire';
import { leverageOf } from './markets';
import { quotePointsAt } from './prices';
import { dayIndexOf, wireLocal, wireUtc } from './time';
import { decimalNumber, pointsDecimal, pointsNumber, toCents } from './wire-numbers';

export interface PositionWire {
  contractSize: number;
  createdDate: string;
  createdDateUTC: string;
  dealId: string;
  dealReference: string;
  workingOrderId: string;
  size: number;
  leverage: number;
  upl: number;
  direction: Direction;
  level: number;
  currency: string;
  guaranteedStop: boolean;
  stopLevel?: number;
  trailingStop?: boolean;
  stopDistance?: number;
  profitLevel?: number;
}

export interface PositionItem {
  position: PositionWire;
  market: MarketSummary;
}

export interface WorkingOrderWire {
  dealId: string;
  direction: Direction;
  epic: string;
  orderSize: number;
  leverage: number;
  orderLevel: number;
  timeInForce: 'GOOD_TILL_CANCELLED' | 'GOOD_TILL_DATE';
  goodTillDate?: string;
  goodTillDateUTC?: string;
  createdDate: string;
  createdDateUTC: string;
  guaranteedStop: boolean;
  orderType: 'LIMIT' | 'STOP';
  stopDistance?: number;
  profitDistance?: number;
  trailingStop: boolean;
  currencyCode: string;
}

export interface WorkingOrderItem {
  workingOrderData: WorkingOrderWire;
  marketData: MarketSummary;
}

export interface AtInstantParams {
  seed: Seed;
  account: SimulatedAccount;
  atMs: number;
}

/** Every deal that can be live at the instant: the day's intraday deals and the long deals around it. */
function dealsLiveAt(ctx: GenerationContext, atMs: number, isLive: (deal: Deal) => boolean): Deal[] {
  const day = dayIndexOf(atMs);
  if (day < ctx.firstDay) return [];
  const frame = dayFrame(ctx, day);
  const live: Deal[] = [];
  forEachIntradayDeal(ctx, frame, (deal) => {
    if (isLive(deal)) live.push(deal);
  });
  for (const deal of frame.long) if (isLive(deal)) live.push(deal);
  return live;
}

/** The id of the market order behind a position opened at market (same deal, order entity). */
function marketOrderIdOf(positionDealId: string): string {
  return positionDealId.replace(/^([0-9a-f]{8})-0001-/, '$1-0003-');
}

function positionWire(ctx: GenerationContext, deal: Deal, atMs: number): PositionWire {
  const position = deal.position;
  if (!position) throw new Error('deal has no position');
  const { market } = deal;
  const quote = quotePointsAt(market, atMs);
  const exitPoints = deal.direction === 'BUY' ? quote.bidPoints : quote.ofrPoints;
  const rate = conversionRate(market.currency, ctx.account.currency, atMs);
  const upl = toCents(pointsDecimal(directionSign(deal.direction) * (exitPoints - position.openPoints), market.decimals).times(deal.size).times(rate));
  const wire: PositionWire = {
    contractSize: 1,
    createdDate: wireLocal(position.openMs, ctx.account.timezoneOffset),
    createdDateUTC: wireUtc(position.openMs),
    dealId: position.dealId,
    dealReference: `p_${position.dealId}`,
    workingOrderId: deal.order?.dealId ?? marketOrderIdOf(position.dealId),
    size: Number(deal.size),
    leverage: leverageOf(market),
    upl: decimalNumber(upl),
    direction: deal.direction,
    level: pointsNumber(position.openPoints, market.decimals),
    currency: ctx.account.currency,
    guaranteedStop: deal.guaranteedStop,
  };
  if (position.bracketFromMs !== undefined && atMs >= position.bracketFromMs) {
    if (position.stopPoints !== undefined) wire.stopLevel = pointsNumber(position.stopPoints, market.decimals);
    if (position.trailingStopDistancePoints !== undefined) {
      wire.trailingStop = true;
      wire.stopDistance = pointsNumber(position.trailingStopDistancePoints, market.decimals);
    }
    if (position.profitPoints !== undefined) wire.profitLevel = pointsNumber(position.profitPoints, market.decimals);
  }
  return wire;
}

/** `GET /positions` items at the instant, oldest first. */
export function openPositionsAt(params: AtInstantParams): PositionItem[] {
  const ctx = generationContext(params.seed, params.account);
  const { atMs } = params;
  const deals = dealsLiveAt(ctx, atMs, (deal) => deal.position !== undefined && deal.position.openMs <= atMs && atMs < deal.position.closeMs);
  deals.sort((a, b) => (a.position?.openMs ?? 0) - (b.position?.openMs ?? 0));
  return deals.map((deal) => ({ position: positionWire(ctx, deal, atMs), market: marketSummary(deal.market.epic, atMs, ctx.account.timezoneOffset) }));
}

function workingOrderWire(ctx: GenerationContext, deal: Deal, atMs: number): WorkingOrderWire {
  const order = deal.order;
  if (!order) throw new Error('deal has no working order');
  const { market } = deal;
  const offset = ctx.account.timezoneOffset;
  const price = (points: number): number => pointsNumber(points, market.decimals);
  const levelPoints = order.amendedMs !== undefined && atMs >= order.amendedMs ? order.levelPoints : order.initialLevelPoints;
  // Spread in this order so the JSON keys follow the official example.
  return {
    dealId: order.dealId,
    direction: deal.direction,
    epic: market.epic,
    orderSize: Number(deal.size),
    leverage: leverageOf(market),
    orderLevel: price(levelPoints),
    timeInForce: order.goodTillMs === undefined ? 'GOOD_TILL_CANCELLED' : 'GOOD_TILL_DATE',
    ...(order.goodTillMs !== undefined ? { goodTillDate: wireLocal(order.goodTillMs, offset), goodTillDateUTC: wireUtc(order.goodTillMs) } : {}),
    createdDate: wireLocal(order.createdMs, offset),
    createdDateUTC: wireUtc(order.createdMs),
    guaranteedStop: deal.guaranteedStop && order.stopDistancePoints !== undefined,
    orderType: order.orderType,
    ...(order.stopDistancePoints !== undefined ? { stopDistance: price(order.stopDistancePoints) } : {}),
    ...(order.profitDistancePoints !== undefined ? { profitDistance: price(order.profitDistancePoints) } : {}),
    trailingStop: false,
    currencyCode: ctx.account.currency,
  };
}

/** `GET /workingorders` items at the instant, oldest first. */
export function workingOrdersAt(params: AtInstantParams): WorkingOrderItem[] {
  const ctx = generationContext(params.seed, params.account);
  const { atMs } = params;
  const deals = dealsLiveAt(ctx, atMs, (deal) => deal.order !== undefined && deal.order.createdMs <= atMs && atMs < deal.order.endMs);
  deals.sort((a, b) => (a.order?.createdMs ?? 0) - (b.order?.createdMs ?? 0));
  return deals.map((deal) => ({ workingOrderData: workingOrderWire(ctx, deal, atMs), marketData: marketSummary(deal.market.epic, atMs, ctx.account.timezoneOffset) }));
}
