/**
 * After an order POST whose response was lost: the deal that POST made, if the broker shows one.
 * Nothing is sent again until this says `none`, so a wrong `none` places an order twice; anything
 * unclear is `several`, which stops for a person.
 *
 * A candidate has the intent's epic, direction and size (by value), was created at or after
 * `placedAfterMs − PLACEMENT_CLOCK_SKEW_MS`, and is not claimed by another intent (its dealId, or
 * for a position the working order that opened it). Further:
 * - a MARKET intent matches open positions only (it fills straight into one);
 * - a LIMIT or STOP intent matches working orders of its type at its level, and positions that
 *   order could have filled into meanwhile: a LIMIT fills at its level or better (BUY at or below,
 *   SELL at or above), a STOP at its level or worse (BUY at or above, SELL at or below). A fill
 *   must not read as `none`.
 * A candidate whose creation time cannot be read cannot be ruled out, so it stays a candidate.
 *
 * Claims are only as complete as the confirmations stored: a concurrent intent on the same terms
 * whose confirm is not stored yet is indistinguishable, so both together read as `several`.
 */
import { type PositionWithMarket } from '../capital/schemas/positions';
import { type WorkingOrder } from '../capital/schemas/working-orders';
import { normaliseEpic } from '../ledger/instrument-id';
import { type Decimal, toDecimal } from '../money';
import { type TradeIntent } from './intent-schema';
import { brokerUtcMs } from './order-snapshot';

/**
 * `placedAfterMs` is the broker's time read just before the POST; the deal's creation time is the
 * broker's too, but at whole milliseconds from another server. 5 s covers that and more.
 */
export const PLACEMENT_CLOCK_SKEW_MS = 5_000;
/** Far above what one account holds open; a longer list is a bug upstream. */
export const PLACED_DEAL_ITEMS_MAX = 10_000;

export interface PlacedDealSearch {
  /** Broker time just before the POST, UTC epoch ms. */
  placedAfterMs: number;
  /** Parsed `GET /positions`. */
  positions: readonly PositionWithMarket[];
  /** Parsed `GET /workingorders`. */
  workingOrders: readonly WorkingOrder[];
  /** Deal ids other intents hold (their deals, affected deals and orders). */
  claimedDealIds: ReadonlySet<string>;
}

export type PlacedDeal = { kind: 'found'; dealId: string; source: 'position' | 'working-order' } | { kind: 'none' } | { kind: 'several'; dealIds: string[] };

interface Candidate {
  dealId: string;
  source: 'position' | 'working-order';
}

function createdInTime(createdDateUTC: string, earliestMs: number): boolean {
  const createdMs = brokerUtcMs(createdDateUTC);
  return createdMs === undefined || createdMs >= earliestMs;
}

/** Whether an order at `orderLevel` could have filled at `fillLevel`. */
function couldFillAt(intent: TradeIntent, orderLevel: Decimal, fillLevel: Decimal): boolean {
  const atOrBelow = (intent.orderType === 'LIMIT') === (intent.direction === 'BUY');
  return atOrBelow ? fillLevel.lte(orderLevel) : fillLevel.gte(orderLevel);
}

export function findPlacedDeal(intent: TradeIntent, search: PlacedDealSearch): PlacedDeal {
  const { positions, workingOrders, claimedDealIds } = search;
  if (positions.length > PLACED_DEAL_ITEMS_MAX || workingOrders.length > PLACED_DEAL_ITEMS_MAX) throw new Error(`refusing to search ${positions.length} positions and ${workingOrders.length} working orders (at most ${PLACED_DEAL_ITEMS_MAX} each)`);
  const epic = normaliseEpic(intent.epic);
  const size = toDecimal(intent.size);
  const earliestMs = search.placedAfterMs - PLACEMENT_CLOCK_SKEW_MS;
  const level = intent.orderType === 'MARKET' || intent.level === undefined ? undefined : toDecimal(intent.level);
  const candidates: Candidate[] = [];

  if (level !== undefined) {
    for (const { workingOrderData: order } of workingOrders) {
      const matches =
        normaliseEpic(order.epic) === epic &&
        order.direction === intent.direction &&
        order.orderType === intent.orderType &&
        order.orderSize.eq(size) &&
        order.orderLevel.eq(level) &&
        createdInTime(order.createdDateUTC, earliestMs) &&
        !claimedDealIds.has(order.dealId);
      if (matches) candidates.push({ dealId: order.dealId, source: 'working-order' });
    }
  }
  for (const { position, market } of positions) {
    const matches =
      normaliseEpic(market.epic) === epic &&
      position.direction === intent.direction &&
      position.size.eq(size) &&
      (level === undefined || couldFillAt(intent, level, position.level)) &&
      createdInTime(position.createdDateUTC, earliestMs) &&
      !claimedDealIds.has(position.dealId) &&
      !claimedDealIds.has(position.workingOrderId);
    if (matches) candidates.push({ dealId: position.dealId, source: 'position' });
  }

  const [only] = candidates;
  if (only === undefined) return { kind: 'none' };
  if (candidates.length === 1) return { kind: 'found', dealId: only.dealId, source: only.source };
  return { kind: 'several', dealIds: [...new Set(candidates.map((c) => c.dealId))].sort() };
}
