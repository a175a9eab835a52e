/**
 * `/history/transactions` rows, generated one UTC day at a time.
 *
 * A day's rows are a pure function of (seed, account, day, options), sorted by time then by their
 * reference's local part. A range is the concatenation of its days' rows clipped to [fromMs, toMs),
 * so the rows of [a, c) are exactly those of [a, b) followed by those of [b, c) for any b.
 *
 * References are 15-digit numeric strings: the account's 3-digit prefix, the 5-digit day index and
 * a 7-digit local part that says where the row came from (an intraday deal, a long deal, a cash
 * event, an optional extra type). They are unique per account and never depend on the range asked.
 */
import { Decimal } from '../../lib/money';
import { type Seed, type SimulatedAccount } from './accounts';
import { BoundedCache } from './bounded-cache';
import { type CashEvent, type ExtraTypeOptions, extraEventsOfDay } from './cash-events';
import { type GenerationContext, generationContext } from './context';
import { dayFrame, forEachIntradayDeal, LONG_DEALS_PER_DAY_MAX } from './day-plan';
import { type Deal, DEAL_ROW_KINDS, dealCashRows, LOOKBACK_DAYS } from './deal-model';
import { dayIndexOf, dayStartMs, DAY_MS, wireLocal, wireUtc } from './time';
import { brokerAmountText } from './wire-numbers';

export type { ExtraTypeOptions as TransactionOptions } from './cash-events';

/** A `/history/transactions` row, keys in the broker's order. */
export interface TransactionRow {
  date: string;
  dateUtc: string;
  instrumentName?: string;
  transactionType: string;
  note: string;
  reference: string;
  /** Signed cash effect in the account currency, as decimal text ("-80.43", "416.0"). */
  size: string;
  currency: string;
  status: 'PROCESSED';
  /** The position's dealId on TRADE and commission rows (absent on SWAP rows, as observed live). */
  dealId?: string;
}

/**
 * One cash movement before it is printed. Kept small (the amount as its wire text) because a busy
 * day holds tens of thousands of them until they are sorted.
 */
export interface CashEntry {
  timeMs: number;
  local: number;
  transactionType: string;
  /** Signed amount as the broker prints it. */
  size: string;
  note: string;
  instrumentName?: string;
  dealId?: string;
}

export interface TransactionsBetweenParams {
  seed: Seed;
  account: SimulatedAccount;
  fromMs: number;
  toMs: number;
  options?: ExtraTypeOptions;
}

/** Longest range a single call may span (the loop over days is bounded by it). */
export const RANGE_DAYS_MAX = 3700;

const INTRADAY_ROW_KINDS = 4;
const LONG_LOCAL_BASE = 7_000_000;
const CASH_LOCAL_BASE = 8_000_000;
const EXTRA_LOCAL_BASE = 8_500_000;
const LOCAL_LIMIT = 10_000_000;

const DEAL_NOTES: Readonly<Record<string, string>> = {
  TRADE: 'Trade closed',
  SWAP: 'Overnight fee',
  TRADE_COMMISSION: 'Trade commission',
  TRADE_COMMISSION_GSL: 'Guaranteed stop loss fee',
  FX_COMMISSION: 'Currency conversion fee',
};

function dealLocal(deal: Deal, day: number, rowKind: number): number {
  if (deal.kind === 'intraday') {
    if (rowKind >= INTRADAY_ROW_KINDS) throw new Error(`intraday deals have no row kind ${rowKind}`);
    const local = deal.index * INTRADAY_ROW_KINDS + rowKind;
    if (local >= LONG_LOCAL_BASE) throw new Error(`intraday deal index ${deal.index} overflows the reference layout`);
    return local;
  }
  const age = day - deal.ownerDay;
  if (age < 0 || age > LOOKBACK_DAYS || rowKind >= DEAL_ROW_KINDS) throw new Error('long deal row outside the reference layout');
  return LONG_LOCAL_BASE + (age * LONG_DEALS_PER_DAY_MAX + deal.index) * DEAL_ROW_KINDS + rowKind;
}

function pushDealEntries(entries: CashEntry[], deal: Deal, day: number): void {
  const dealId = deal.position?.dealId;
  for (const row of dealCashRows(deal)) {
    if (dayIndexOf(row.timeMs) !== day) continue;
    const entry: CashEntry = {
      timeMs: row.timeMs,
      local: dealLocal(deal, day, row.rowKind),
      transactionType: row.transactionType,
      size: brokerAmountText(row.amount),
      note: DEAL_NOTES[row.transactionType] ?? row.transactionType,
      instrumentName: deal.market.epic,
    };
    if (row.transactionType !== 'SWAP' && dealId) entry.dealId = dealId;
    entries.push(entry);
  }
}

function cashEntryOf(event: CashEvent, local: number): CashEntry {
  const entry: CashEntry = { timeMs: event.timeMs, local, transactionType: event.transactionType, size: brokerAmountText(event.amount), note: event.note };
  if (event.instrumentName !== undefined) entry.instrumentName = event.instrumentName;
  return entry;
}

/** The day's cash movements in row order. */
export function cashEntriesOfDay(ctx: GenerationContext, day: number, options: ExtraTypeOptions = {}): CashEntry[] {
  const frame = dayFrame(ctx, day);
  const entries: CashEntry[] = [];
  forEachIntradayDeal(ctx, frame, (deal) => pushDealEntries(entries, deal, day));
  for (const deal of frame.long) pushDealEntries(entries, deal, day);
  for (const event of frame.cash) {
    if (event.localId >= EXTRA_LOCAL_BASE - CASH_LOCAL_BASE) throw new Error('too many cash events for the reference layout');
    entries.push(cashEntryOf(event, CASH_LOCAL_BASE + event.localId));
  }
  for (const event of extraEventsOfDay(ctx, day, frame.target, options)) {
    if (event.localId >= LOCAL_LIMIT - EXTRA_LOCAL_BASE) throw new Error('too many extra events for the reference layout');
    entries.push(cashEntryOf(event, EXTRA_LOCAL_BASE + event.localId));
  }
  entries.sort((a, b) => a.timeMs - b.timeMs || a.local - b.local);
  return entries;
}

export function referenceOf(account: SimulatedAccount, day: number, local: number): string {
  return `${account.referencePrefix}${String(day).padStart(5, '0')}${String(local).padStart(7, '0')}`;
}

function toRow(ctx: GenerationContext, day: number, entry: CashEntry): TransactionRow {
  const account = ctx.account;
  const date = wireLocal(entry.timeMs, account.timezoneOffset);
  const dateUtc = wireUtc(entry.timeMs);
  const reference = referenceOf(account, day, entry.local);
  const size = entry.size;
  // Built key by key so the JSON keeps the broker's order: instrumentName sits after dateUtc.
  const row: TransactionRow =
    entry.instrumentName === undefined
      ? { date, dateUtc, transactionType: entry.transactionType, note: entry.note, reference, size, currency: account.currency, status: 'PROCESSED' }
      : { date, dateUtc, instrumentName: entry.instrumentName, transactionType: entry.transactionType, note: entry.note, reference, size, currency: account.currency, status: 'PROCESSED' };
  if (entry.dealId !== undefined) row.dealId = entry.dealId;
  return row;
}

export function dayRange(fromMs: number, toMs: number): { firstDay: number; lastDay: number } {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) throw new RangeError('range bounds must be integer epoch milliseconds');
  const firstDay = dayIndexOf(fromMs);
  const lastDay = dayIndexOf(toMs - 1);
  if (lastDay - firstDay + 1 > RANGE_DAYS_MAX) throw new RangeError(`range spans more than ${RANGE_DAYS_MAX} days`);
  return { firstDay, lastDay };
}

/** Rows with `dateUtc` in [fromMs, toMs), in order, one day generated at a time. */
export function* transactionsBetween(params: TransactionsBetweenParams): Generator<TransactionRow, void, undefined> {
  const { fromMs, toMs } = params;
  if (toMs <= fromMs) return;
  const ctx = generationContext(params.seed, params.account);
  const { firstDay, lastDay } = dayRange(fromMs, toMs);
  for (let day = Math.max(firstDay, ctx.firstDay); day <= lastDay; day++) {
    const whole = dayStartMs(day) >= fromMs && dayStartMs(day) + DAY_MS <= toMs;
    for (const entry of cashEntriesOfDay(ctx, day, params.options)) {
      if (whole || (entry.timeMs >= fromMs && entry.timeMs < toMs)) yield toRow(ctx, day, entry);
    }
  }
}

const dayTotalCache = new BoundedCache<string, Decimal>(50_000);

function dayTotal(ctx: GenerationContext, day: number, options: ExtraTypeOptions): Decimal {
  const key = `${ctx.cacheKey}|${JSON.stringify([options.includeLegacyTypes ?? false, options.unknownTypes ?? []])}|${day}`;
  return dayTotalCache.getOrCompute(key, () => {
    let total = new Decimal(0);
    for (const entry of cashEntriesOfDay(ctx, day, options)) total = total.plus(entry.size);
    return total;
  });
}

export interface BalanceAtParams {
  seed: Seed;
  account: SimulatedAccount;
  atMs: number;
  options?: ExtraTypeOptions;
}

/** Cash balance at an instant: the opening balance plus every row strictly before it. */
export function balanceAt(params: BalanceAtParams): Decimal {
  const ctx = generationContext(params.seed, params.account);
  const options = params.options ?? {};
  let balance = new Decimal(ctx.account.openingBalance);
  const atDay = dayIndexOf(params.atMs);
  if (atDay < ctx.firstDay) return balance;
  if (atDay - ctx.firstDay > RANGE_DAYS_MAX) throw new RangeError(`balance requested more than ${RANGE_DAYS_MAX} days after the account opened`);
  for (let day = ctx.firstDay; day < atDay; day++) balance = balance.plus(dayTotal(ctx, day, options));
  for (const entry of cashEntriesOfDay(ctx, atDay, options)) {
    if (entry.timeMs >= params.atMs) break;
    balance = balance.plus(entry.size);
  }
  return balance;
}
