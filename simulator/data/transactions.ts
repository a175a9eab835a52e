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
import { Decimal, fromMinorUnits } from '../../lib/money';
import { type Seed, type SimulatedAccount } from './accounts';
import { BoundedCache } from './bounded-cache';
import { type CashEvent, type ExtraTypeOptions, extraEventsOfDay } from './cash-events';
import { DayLedger } from './day-ledger';
import { dealIdOf } from './deal-generator';
import { TRANSACTION_NOTES } from './transaction-types';
import { type GenerationContext, generationContext } from './context';
import { dayFrame, forEachIntradayDeal, LONG_DEALS_PER_DAY_MAX } from './day-plan';
import { type Deal, DEAL_ROW_KINDS, dealCashRows, LOOKBACK_DAYS } from './deal-model';
import { dayIndexOf, daysWithin, positionsWithin, RANGE_DAYS_MAX, wireLocal, wireUtc } from './time';
import { brokerAmountTextOfCents } from './wire-numbers';

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

export interface TransactionsBetweenParams {
  seed: Seed;
  account: SimulatedAccount;
  fromMs: number;
  toMs: number;
  options?: ExtraTypeOptions;
}

export { RANGE_DAYS_MAX } from './time';

const INTRADAY_ROW_KINDS = 4;
const LONG_LOCAL_BASE = 7_000_000;
const CASH_LOCAL_BASE = 8_000_000;
const EXTRA_LOCAL_BASE = 8_500_000;
const LOCAL_LIMIT = 10_000_000;

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

function addDealRows(ledger: DayLedger, deal: Deal, day: number): void {
  const ref = deal.position ? { kind: deal.kind, ownerDay: deal.ownerDay, index: deal.index } : undefined;
  for (const row of dealCashRows(deal)) {
    if (dayIndexOf(row.timeMs) !== day) continue;
    // SWAP rows carry no dealId (as observed live); TRADE and commission rows carry the position's.
    const dealRef = row.transactionType === 'SWAP' ? undefined : ref;
    ledger.add(row.timeMs, dealLocal(deal, day, row.rowKind), row.transactionType, TRANSACTION_NOTES[row.transactionType], row.amount, deal.market.epic, dealRef);
  }
}

function addCashEvent(ledger: DayLedger, event: CashEvent, local: number): void {
  ledger.add(event.timeMs, local, event.transactionType, event.note, event.amount, event.instrumentName);
}

/**
 * Days whose rows stay generated. A busy window is read in several parts, each of which used to
 * regenerate its whole day; with eight windows in flight, sixteen days cover every day being read
 * (at 1,000,000 transactions a month a day's columns take about 1-2 MB).
 */
const DAY_LEDGER_CACHE_DAYS = 16;
const dayLedgerCache = new BoundedCache<string, DayLedger>(DAY_LEDGER_CACHE_DAYS);

function optionsKey(options: ExtraTypeOptions): string {
  return JSON.stringify([options.includeLegacyTypes ?? false, options.unknownTypes ?? []]);
}

/** The day's cash rows, in columns; print them in `sortedOrder()`. Shared between callers: read only. */
export function dayLedger(ctx: GenerationContext, day: number, options: ExtraTypeOptions = {}): DayLedger {
  return dayLedgerCache.getOrCompute(`${ctx.cacheKey}|${optionsKey(options)}|${day}`, () => generateDayLedger(ctx, day, options));
}

function generateDayLedger(ctx: GenerationContext, day: number, options: ExtraTypeOptions): DayLedger {
  const frame = dayFrame(ctx, day);
  const ledger = new DayLedger();
  forEachIntradayDeal(ctx, frame, (deal) => addDealRows(ledger, deal, day));
  for (const deal of frame.long) addDealRows(ledger, deal, day);
  for (const event of frame.cash) {
    if (event.localId >= EXTRA_LOCAL_BASE - CASH_LOCAL_BASE) throw new Error('too many cash events for the reference layout');
    addCashEvent(ledger, event, CASH_LOCAL_BASE + event.localId);
  }
  for (const event of extraEventsOfDay(ctx, day, frame.target, options)) {
    if (event.localId >= LOCAL_LIMIT - EXTRA_LOCAL_BASE) throw new Error('too many extra events for the reference layout');
    addCashEvent(ledger, event, EXTRA_LOCAL_BASE + event.localId);
  }
  return ledger;
}

export function referenceOf(account: SimulatedAccount, day: number, local: number): string {
  return `${account.referencePrefix}${String(day).padStart(5, '0')}${String(local).padStart(7, '0')}`;
}

function toRow(ctx: GenerationContext, day: number, ledger: DayLedger, i: number): TransactionRow {
  const account = ctx.account;
  const timeMs = ledger.timeMs[i] ?? 0;
  const typeIndex = ledger.typeIndex[i] ?? 0;
  const epicIndex = ledger.epicIndex[i] ?? -1;
  const dealOwnerDay = ledger.dealOwnerDay[i] ?? -1;
  const date = wireLocal(timeMs, account.timezoneOffset);
  const dateUtc = wireUtc(timeMs);
  const transactionType = ledger.types[typeIndex] as string;
  const note = ledger.notes[typeIndex] as string;
  const reference = referenceOf(account, day, ledger.local[i] ?? 0);
  const size = brokerAmountTextOfCents(ledger.cents[i] ?? 0);
  // Built key by key so the JSON keeps the broker's order: instrumentName sits after dateUtc.
  const row: TransactionRow =
    epicIndex < 0
      ? { date, dateUtc, transactionType, note, reference, size, currency: account.currency, status: 'PROCESSED' }
      : { date, dateUtc, instrumentName: ledger.epics[epicIndex] as string, transactionType, note, reference, size, currency: account.currency, status: 'PROCESSED' };
  if (dealOwnerDay >= 0) row.dealId = dealIdOf(ctx, 'position', ledger.dealIsLong[i] === 1 ? 'long' : 'intraday', dealOwnerDay, ledger.dealIndex[i] ?? 0);
  return row;
}


/** Rows with `dateUtc` in [fromMs, toMs), in order, one day generated at a time. */
export function* transactionsBetween(params: TransactionsBetweenParams): Generator<TransactionRow, void, undefined> {
  if (params.toMs <= params.fromMs) return;
  const ctx = generationContext(params.seed, params.account);
  for (const day of daysWithin(params.fromMs, params.toMs, ctx.firstDay)) {
    const ledger = dayLedger(ctx, day, params.options);
    const order = ledger.sortedOrder();
    const timeAt = (position: number): number => ledger.timeMs[order[position] ?? 0] ?? 0;
    for (const position of positionsWithin(order.length, timeAt, params.fromMs, params.toMs)) yield toRow(ctx, day, ledger, order[position] ?? 0);
  }
}

const dayTotalCache = new BoundedCache<string, Decimal>(50_000);

function dayTotal(ctx: GenerationContext, day: number, options: ExtraTypeOptions): Decimal {
  const key = `${ctx.cacheKey}|${optionsKey(options)}|${day}`;
  return dayTotalCache.getOrCompute(key, () => {
    const ledger = dayLedger(ctx, day, options);
    let cents = 0n;
    for (let i = 0; i < ledger.count; i++) cents += BigInt(ledger.cents[i] ?? 0);
    return fromMinorUnits(cents, 2);
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
  const ledger = dayLedger(ctx, atDay, options);
  let cents = 0n;
  for (let i = 0; i < ledger.count; i++) if ((ledger.timeMs[i] ?? 0) < params.atMs) cents += BigInt(ledger.cents[i] ?? 0);
  balance = balance.plus(fromMinorUnits(cents, 2));
  return balance;
}
