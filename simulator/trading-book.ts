import { canonical, Decimal, toDecimal } from '../lib/money';
import type { SimulatedAccount } from './data/accounts';
import { conversionRate } from './data/fx';
import { leverageOf, marketByEpic } from './data/markets';
import { marketSummary } from './data/market-wire';
import { openPositionsAt, workingOrdersAt, type PositionItem, type PositionWire, type WorkingOrderItem, type WorkingOrderWire } from './data/positions';
import { quoteAt } from './data/prices';
import { wireLocal, wireUtc } from './data/time';

export interface Confirm {
  availableAtMs: number;
  body: Record<string, unknown>;
}

const CONFIRMS_KEPT_MAX = 10_000;

/**
 * One account's positions and working orders as the API sees them: the generated ones, minus those
 * closed or deleted through the API, plus those opened through it (amended ones are copied in).
 * Also the deal confirmations of every API call.
 */
export class TradingBook {
  private readonly positions = new Map<string, PositionWire & { epic: string }>();
  private readonly orders = new Map<string, WorkingOrderWire>();
  private readonly hiddenGenerated = new Set<string>();
  private readonly confirms = new Map<string, Confirm>();
  private counter = 0;

  constructor(
    private readonly seed: number,
    readonly account: SimulatedAccount,
    private readonly confirmDelayMs: number,
  ) {}

  /** A deal id in the broker's format, distinct from generated ones (segment `0a91`). */
  nextDealId(): string {
    this.counter++;
    return `${this.account.dealIdPrefix}-0a91-54c4-0000-${this.counter.toString(16).padStart(12, '0')}`;
  }

  /** An order reference `o_<uuid>`-shaped, deterministic. */
  nextOrderReference(): string {
    this.counter++;
    const hex = this.counter.toString(16).padStart(12, '0');
    return `o_${this.account.dealIdPrefix}-c150-48aa-bf66-${hex}`;
  }

  positionsAt(now: number): PositionItem[] {
    const generated = openPositionsAt({ seed: this.seed, account: this.account, atMs: now }).filter((item) => !this.hiddenGenerated.has(item.position.dealId));
    const opened = [...this.positions.values()].map((position) => this.render(position, now));
    return [...generated, ...opened];
  }

  position(dealId: string, now: number): PositionItem | undefined {
    return this.positionsAt(now).find((item) => item.position.dealId === dealId);
  }

  ordersAt(now: number): WorkingOrderItem[] {
    const generated = workingOrdersAt({ seed: this.seed, account: this.account, atMs: now }).filter((item) => !this.hiddenGenerated.has(item.workingOrderData.dealId));
    const placed = [...this.orders.values()].map((order) => ({ workingOrderData: order, marketData: marketSummary(order.epic, now, this.account.timezoneOffset) }));
    return [...generated, ...placed];
  }

  order(dealId: string, now: number): WorkingOrderItem | undefined {
    return this.ordersAt(now).find((item) => item.workingOrderData.dealId === dealId);
  }

  open(position: PositionWire & { epic: string }): void {
    this.positions.set(position.dealId, position);
  }

  /** Replaces a position (an amendment); a generated one is hidden and copied in. */
  replacePosition(position: PositionWire & { epic: string }): void {
    this.hiddenGenerated.add(position.dealId);
    this.positions.set(position.dealId, position);
  }

  close(dealId: string): void {
    this.hiddenGenerated.add(dealId);
    this.positions.delete(dealId);
  }

  place(order: WorkingOrderWire): void {
    this.hiddenGenerated.add(order.dealId);
    this.orders.set(order.dealId, order);
  }

  removeOrder(dealId: string): void {
    this.hiddenGenerated.add(dealId);
    this.orders.delete(dealId);
  }

  confirm(dealReference: string, now: number, body: Record<string, unknown>): void {
    if (this.confirms.size >= CONFIRMS_KEPT_MAX) this.confirms.delete(this.confirms.keys().next().value as string);
    this.confirms.set(dealReference, { availableAtMs: now + this.confirmDelayMs, body: { date: wireLocal(now, this.account.timezoneOffset), dealReference, ...body } });
  }

  /** The confirmation once it is visible; shortly after the POST the broker may not know it yet. */
  findConfirm(dealReference: string, now: number): Record<string, unknown> | undefined {
    const confirm = this.confirms.get(dealReference);
    return confirm && now >= confirm.availableAtMs ? confirm.body : undefined;
  }

  /** The wire position with its unrealised P/L at `now`, in the account currency. */
  private render(position: PositionWire & { epic: string }, now: number): PositionItem {
    const { epic, ...wire } = position;
    const market = marketByEpic(epic);
    const quote = quoteAt(epic, now);
    const exit = toDecimal(position.direction === 'BUY' ? quote.bid : quote.ofr);
    const move = exit.minus(toDecimal(position.level)).times(position.direction === 'BUY' ? 1 : -1);
    const upl = move.times(toDecimal(position.size)).times(market.lotSize).times(conversionRate(market.currency, this.account.currency, now));
    return { position: { ...wire, upl: Number(canonical(upl.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN))) }, market: marketSummary(epic, now, this.account.timezoneOffset) };
  }
}

/** Wire fields of a position opened at `now`. */
export function newPositionWire(book: TradingBook, args: { epic: string; direction: 'BUY' | 'SELL'; size: Decimal; level: Decimal; now: number; workingOrderId: string; guaranteedStop: boolean; trailingStop: boolean; stopLevel?: Decimal; profitLevel?: Decimal; stopDistance?: Decimal }): PositionWire & { epic: string } {
  const market = marketByEpic(args.epic);
  const dealId = book.nextDealId();
  const number = (d: Decimal) => Number(canonical(d));
  return {
    epic: args.epic,
    contractSize: market.lotSize,
    createdDate: wireLocal(args.now, book.account.timezoneOffset),
    createdDateUTC: wireUtc(args.now),
    dealId,
    dealReference: `p_${dealId}`,
    workingOrderId: args.workingOrderId,
    size: number(args.size),
    leverage: leverageOf(market),
    upl: 0,
    direction: args.direction,
    level: number(args.level),
    currency: market.currency,
    guaranteedStop: args.guaranteedStop,
    ...(args.stopLevel ? { stopLevel: number(args.stopLevel) } : {}),
    ...(args.profitLevel ? { profitLevel: number(args.profitLevel) } : {}),
    ...(args.trailingStop ? { trailingStop: true, stopDistance: number(args.stopDistance as Decimal) } : {}),
  };
}
