/**
 * The plan of one deal: an optional working order and an optional position, with every event time,
 * level and cash amount fixed up front. Transactions, activity, positions and working orders are
 * all views of these plans, which is what keeps them consistent with each other.
 *
 * Ownership: a deal belongs to the UTC day of its first event. Intraday deals live entirely inside
 * that day; long deals (overnight positions, multi-day orders) end within `LOOKBACK_DAYS` days, so
 * any day's events come from deals owned by that day or the `LOOKBACK_DAYS` days before it.
 */
import { type Decimal } from '../../lib/money';
import { type Market } from './markets';

export const LOOKBACK_DAYS = 12;

export type Direction = 'BUY' | 'SELL';
export type CloseSource = 'USER' | 'SL' | 'TP' | 'CLOSE_OUT' | 'DEALER';
export type OrderOutcome = 'FILLED' | 'CANCELLED' | 'EXPIRED';
export type DealKind = 'intraday' | 'long';

export interface OrderPlan {
  dealId: string;
  orderType: 'LIMIT' | 'STOP';
  createdMs: number;
  /** Level when created; differs from `levelPoints` when the order was amended. */
  initialLevelPoints: number;
  levelPoints: number;
  amendedMs?: number;
  /** Good-till-date orders only, on a whole minute. */
  goodTillMs?: number;
  outcome: OrderOutcome;
  /** When the order stopped working: filled, cancelled or expired. */
  endMs: number;
  /** Attached stop/limit distances in points (signed like the broker's example: stop negative). */
  stopDistancePoints?: number;
  profitDistancePoints?: number;
}

export interface EditPlan {
  timeMs: number;
  accepted: boolean;
}

export interface SwapCharge {
  timeMs: number;
  /** Account currency, signed cash effect. */
  amount: Decimal;
}

export interface PositionPlan {
  dealId: string;
  openMs: number;
  openPoints: number;
  closeMs: number;
  closePoints: number;
  closeSource: CloseSource;
  stopPoints?: number;
  profitPoints?: number;
  trailingStopDistancePoints?: number;
  /** When the stop/limit became part of the position (its open, or the accepted edit). */
  bracketFromMs?: number;
  edits: EditPlan[];
  swaps: SwapCharge[];
  /** Realised P/L in the account currency. */
  pnl: Decimal;
  /** Charged at open; negative. */
  commission?: Decimal;
  /** Guaranteed-stop premium, charged at open; negative. */
  guaranteedStopFee?: Decimal;
  /** Conversion fee on the realised P/L, charged at close; negative. */
  fxFee?: Decimal;
}

export interface Deal {
  kind: DealKind;
  ownerDay: number;
  /** Index among the owner day's deals of this kind. */
  index: number;
  market: Market;
  direction: Direction;
  /** Decimal text in instrument units. */
  size: string;
  guaranteedStop: boolean;
  order?: OrderPlan;
  position?: PositionPlan;
}

/** Cash rows a deal produces, by kind: the kind is part of each row's reference. */
export const DEAL_ROW = { COMMISSION: 0, GUARANTEED_STOP_FEE: 1, TRADE: 2, FX_FEE: 3, FIRST_SWAP: 4 } as const;
/** Room reserved for swap rows of one deal in the reference layout. */
export const DEAL_ROW_KINDS = 16;

export interface DealCashRow {
  timeMs: number;
  rowKind: number;
  transactionType: 'TRADE' | 'SWAP' | 'TRADE_COMMISSION' | 'TRADE_COMMISSION_GSL' | 'FX_COMMISSION';
  amount: Decimal;
}

/** Every cash row of the deal, in time order (ties: by row kind). */
export function dealCashRows(deal: Deal): DealCashRow[] {
  const position = deal.position;
  if (!position) return [];
  const rows: DealCashRow[] = [];
  if (position.commission) rows.push({ timeMs: position.openMs, rowKind: DEAL_ROW.COMMISSION, transactionType: 'TRADE_COMMISSION', amount: position.commission });
  if (position.guaranteedStopFee) {
    rows.push({ timeMs: position.openMs, rowKind: DEAL_ROW.GUARANTEED_STOP_FEE, transactionType: 'TRADE_COMMISSION_GSL', amount: position.guaranteedStopFee });
  }
  position.swaps.forEach((swap, night) => rows.push({ timeMs: swap.timeMs, rowKind: DEAL_ROW.FIRST_SWAP + night, transactionType: 'SWAP', amount: swap.amount }));
  rows.push({ timeMs: position.closeMs, rowKind: DEAL_ROW.TRADE, transactionType: 'TRADE', amount: position.pnl });
  if (position.fxFee) rows.push({ timeMs: position.closeMs, rowKind: DEAL_ROW.FX_FEE, transactionType: 'FX_COMMISSION', amount: position.fxFee });
  return rows;
}

export function dealCashRowCount(deal: Deal): number {
  const position = deal.position;
  if (!position) return 0;
  return 1 + position.swaps.length + (position.commission ? 1 : 0) + (position.guaranteedStopFee ? 1 : 0) + (position.fxFee ? 1 : 0);
}

/** Last instant any event of the deal happens. */
export function dealEndMs(deal: Deal): number {
  return Math.max(deal.position?.closeMs ?? 0, deal.order?.endMs ?? 0);
}

export function directionSign(direction: Direction): 1 | -1 {
  return direction === 'BUY' ? 1 : -1;
}

export function oppositeDirection(direction: Direction): Direction {
  return direction === 'BUY' ? 'SELL' : 'BUY';
}
