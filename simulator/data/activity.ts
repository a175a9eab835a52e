/**
 * `/history/activity` rows: the life of every deal, from the same plans as the transactions.
 *
 * Per deal, in order: working order placed (WORKING_ORDER, USER, ACCEPTED), amended (USER,
 * MODIFIED), then filled (SYSTEM, EXECUTED) into a position (POSITION, SYSTEM, ACCEPTED, with
 * `details.workingOrderId`), or cancelled (USER, CANCELLED), or expired at its good-till date
 * (SYSTEM, EXPIRED). A position opened at market is one POSITION row (USER, ACCEPTED). Stop/limit
 * edits are EDIT_STOP_AND_LIMIT rows (USER ACCEPTED, or SYSTEM REJECTED), overnight funding SWAP
 * rows (SYSTEM, ACCEPTED) at the same instants as the SWAP transactions, and the close is a POSITION
 * row with the close source (USER, SL, TP, CLOSE_OUT, DEALER) at the same instant, dealId and epic
 * as its TRADE transaction. Detailed close rows carry the closing direction (opposite to the
 * position's) and the close level, as in the official example.
 *
 * Rows are in ascending `dateUTC` order (the REST layer may reverse them); splitting invariance
 * holds as for transactions.
 */
import { type Seed, type SimulatedAccount } from './accounts';
import { BoundedCache } from './bounded-cache';
import { type GenerationContext, generationContext } from './context';
import { dayFrame, forEachIntradayDeal, LONG_DEALS_PER_DAY_MAX } from './day-plan';
import { type Deal, type Direction, oppositeDirection } from './deal-model';
import { dayIndexOf, daysWithin, positionsWithin, wireLocal, wireUtc } from './time';
import { pointsNumber } from './wire-numbers';

export type ActivitySource = 'CLOSE_OUT' | 'DEALER' | 'SL' | 'SYSTEM' | 'TP' | 'USER';
export type ActivityType = 'POSITION' | 'WORKING_ORDER' | 'EDIT_STOP_AND_LIMIT' | 'SWAP' | 'SYSTEM';
export type ActivityStatus = 'ACCEPTED' | 'EXECUTED' | 'EXPIRED' | 'REJECTED' | 'MODIFIED' | 'CANCELLED';

export interface ActivityDetails {
  dealReference: string;
  marketName: string;
  currency: string;
  size: number;
  direction: Direction;
  level: number;
  guaranteedStop: boolean;
  workingOrderId?: string;
  stopLevel?: number;
  profitLevel?: number;
  trailingStop?: boolean;
  stopDistance?: number;
}

export interface ActivityRow {
  date: string;
  dateUTC: string;
  epic: string;
  dealId: string;
  source: ActivitySource;
  type: ActivityType;
  status: ActivityStatus;
  details?: ActivityDetails;
}

export interface ActivityBetweenParams {
  seed: Seed;
  account: SimulatedAccount;
  fromMs: number;
  toMs: number;
  /** Adds `details`, as `detailed=true` does. */
  detailed?: boolean;
}

/** An activity event before printing; `order` breaks ties between events at the same instant. */
interface ActivityEvent {
  timeMs: number;
  order: number;
  epic: string;
  dealId: string;
  source: ActivitySource;
  type: ActivityType;
  status: ActivityStatus;
  details: () => ActivityDetails;
}

const EVENT_SLOTS = 64;
const LONG_ORDER_BASE = 10_000_000;

function dealOrder(deal: Deal, day: number): number {
  return deal.kind === 'intraday' ? deal.index : LONG_ORDER_BASE + (day - deal.ownerDay) * LONG_DEALS_PER_DAY_MAX + deal.index;
}

function dealEvents(ctx: GenerationContext, deal: Deal, day: number): ActivityEvent[] {
  const { market } = deal;
  const events: ActivityEvent[] = [];
  const base = dealOrder(deal, day) * EVENT_SLOTS;
  const level = (points: number): number => pointsNumber(points, market.decimals);
  const size = Number(deal.size);
  const currency = ctx.account.currency;
  const guaranteedStop = deal.guaranteedStop;
  let slot = 0;
  const add = (timeMs: number, dealId: string, source: ActivitySource, type: ActivityType, status: ActivityStatus, details: () => ActivityDetails): void => {
    if (dayIndexOf(timeMs) === day) events.push({ timeMs, order: base + slot, epic: market.epic, dealId, source, type, status, details });
    slot++;
  };

  const order = deal.order;
  if (order) {
    const orderDetails = (points: number) => (): ActivityDetails => ({ dealReference: `o_${order.dealId}`, marketName: market.name, currency, size, direction: deal.direction, level: level(points), guaranteedStop });
    add(order.createdMs, order.dealId, 'USER', 'WORKING_ORDER', 'ACCEPTED', orderDetails(order.initialLevelPoints));
    if (order.amendedMs !== undefined) add(order.amendedMs, order.dealId, 'USER', 'WORKING_ORDER', 'MODIFIED', orderDetails(order.levelPoints));
    if (order.outcome === 'FILLED') add(order.endMs, order.dealId, 'SYSTEM', 'WORKING_ORDER', 'EXECUTED', orderDetails(order.levelPoints));
    else if (order.outcome === 'CANCELLED') add(order.endMs, order.dealId, 'USER', 'WORKING_ORDER', 'CANCELLED', orderDetails(order.levelPoints));
    else add(order.endMs, order.dealId, 'SYSTEM', 'WORKING_ORDER', 'EXPIRED', orderDetails(order.levelPoints));
  }

  const position = deal.position;
  if (position) {
    const reference = `p_${position.dealId}`;
    const bracket = (): Partial<ActivityDetails> => {
      const extra: Partial<ActivityDetails> = {};
      if (position.stopPoints !== undefined) extra.stopLevel = level(position.stopPoints);
      if (position.profitPoints !== undefined) extra.profitLevel = level(position.profitPoints);
      if (position.trailingStopDistancePoints !== undefined) {
        extra.trailingStop = true;
        extra.stopDistance = level(position.trailingStopDistancePoints);
      }
      return extra;
    };
    const opened = (): ActivityDetails => ({
      dealReference: reference,
      marketName: market.name,
      currency,
      size,
      direction: deal.direction,
      level: level(position.openPoints),
      guaranteedStop,
      ...(order ? { workingOrderId: order.dealId } : {}),
      ...(position.bracketFromMs === position.openMs ? bracket() : {}),
    });
    add(position.openMs, position.dealId, order ? 'SYSTEM' : 'USER', 'POSITION', 'ACCEPTED', opened);
    for (const edit of position.edits) {
      const edited = (): ActivityDetails => ({
        dealReference: reference,
        marketName: market.name,
        currency,
        size: 0,
        direction: deal.direction,
        level: level(position.openPoints),
        guaranteedStop,
        ...(edit.accepted ? bracket() : {}),
      });
      add(edit.timeMs, position.dealId, edit.accepted ? 'USER' : 'SYSTEM', 'EDIT_STOP_AND_LIMIT', edit.accepted ? 'ACCEPTED' : 'REJECTED', edited);
    }
    for (const swap of position.swaps) {
      add(swap.timeMs, position.dealId, 'SYSTEM', 'SWAP', 'ACCEPTED', () => ({ dealReference: reference, marketName: market.name, currency, size, direction: deal.direction, level: level(position.openPoints), guaranteedStop }));
    }
    const closed = (): ActivityDetails => ({
      dealReference: reference,
      marketName: market.name,
      currency,
      size,
      direction: oppositeDirection(deal.direction),
      level: level(position.closePoints),
      guaranteedStop,
    });
    add(position.closeMs, position.dealId, position.closeSource, 'POSITION', 'ACCEPTED', closed);
  }
  if (slot > EVENT_SLOTS) throw new Error(`deal has ${slot} activity events; the ordering has room for ${EVENT_SLOTS}`);
  return events;
}

/**
 * A day read in several parts (a busy day's activity is split until each answer is small enough)
 * would otherwise regenerate the day for each part. A client reads several days at once (a
 * reconciliation has 8 windows in flight), so the cache holds more days than that: with fewer,
 * concurrent readers evict each other's days and every page regenerates one.
 */
const EVENT_CACHE_DAYS = 12;
const eventsCache = new BoundedCache<string, readonly ActivityEvent[]>(EVENT_CACHE_DAYS);

function eventsOfDay(ctx: GenerationContext, day: number): readonly ActivityEvent[] {
  return eventsCache.getOrCompute(`${ctx.cacheKey}|${day}`, () => generateEventsOfDay(ctx, day));
}

function generateEventsOfDay(ctx: GenerationContext, day: number): ActivityEvent[] {
  const frame = dayFrame(ctx, day);
  const events: ActivityEvent[] = [];
  forEachIntradayDeal(ctx, frame, (deal) => events.push(...dealEvents(ctx, deal, day)));
  for (const deal of frame.long) events.push(...dealEvents(ctx, deal, day));
  events.sort((a, b) => a.timeMs - b.timeMs || a.order - b.order);
  return events;
}

function toRow(ctx: GenerationContext, event: ActivityEvent, detailed: boolean): ActivityRow {
  const row: ActivityRow = {
    date: wireLocal(event.timeMs, ctx.account.timezoneOffset),
    dateUTC: wireUtc(event.timeMs),
    epic: event.epic,
    dealId: event.dealId,
    source: event.source,
    type: event.type,
    status: event.status,
  };
  if (detailed) row.details = event.details();
  return row;
}

/** Activity rows with `dateUTC` in [fromMs, toMs), in order, one day generated at a time. */
export function* activityBetween(params: ActivityBetweenParams): Generator<ActivityRow, void, undefined> {
  if (params.toMs <= params.fromMs) return;
  const ctx = generationContext(params.seed, params.account);
  for (const day of daysWithin(params.fromMs, params.toMs, ctx.firstDay)) {
    const events = eventsOfDay(ctx, day);
    for (const i of positionsWithin(events.length, (j) => (events[j] as ActivityEvent).timeMs, params.fromMs, params.toMs)) {
      yield toRow(ctx, events[i] as ActivityEvent, params.detailed ?? false);
    }
  }
}
