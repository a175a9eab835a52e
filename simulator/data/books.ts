/**
 * The company's internal books for one account and period, derived from the broker's transactions
 * with the differences a real back office produces, so reconciliation has real work to do.
 *
 * Structural differences (expected matches, not exceptions):
 * - overnight funding is booked as one OVERNIGHT_FUNDING line per day (N broker SWAP rows : 1 line),
 *   without broker references;
 * - about a third of the trades whose commission was charged the same day are booked as one
 *   REALISED_PNL_NET_OF_COMMISSION line carrying both references (1 line : 2 broker rows).
 *
 * Injected exceptions (each reported by `booksDifferences`, at most one of each per period):
 * - MISSING_IN_BOOKS: the period's first DEPOSIT is not booked;
 * - AMOUNT_MISMATCH: the period's first WITHDRAWAL is booked without the broker's payout fee;
 * - TIMING: the last plain TRADE of the first day that has one is booked the next day (still inside
 *   the period), after midnight UTC;
 * - DUPLICATE_IN_BOOKS: the first plain TRADE (not the timing one) is booked twice.
 *
 * Books are produced day by day (memory bounded by one day's rows). The same period always gives
 * the same entries; books for different period boundaries are independent ledgers.
 */
import { Decimal, formatFixed } from '../../lib/money';
import { type Seed, type SimulatedAccount } from './accounts';
import { hashKey, hashUnit } from './prng';
import { type TransactionRow, transactionsBetween } from './transactions';
import { compactDate, dayIndexOf, dayRange, dayStartMs, DAY_MS, HOUR_MS, isoDate, isoUtc, MINUTE_MS } from './time';

export { writeBooksCsv, writeBooksJson, BOOKS_CSV_COLUMNS, csvField } from './books-export';

export type BooksCategory =
  | 'CLIENT_DEPOSIT'
  | 'CLIENT_WITHDRAWAL'
  | 'REALISED_PNL'
  | 'REALISED_PNL_NET_OF_COMMISSION'
  | 'COMMISSION'
  | 'OVERNIGHT_FUNDING'
  | 'ACCOUNT_FEE'
  | 'OTHER';

/** One line of the internal ledger. */
export interface BooksEntry {
  /** `BK-<last 6 digits of the account>-<YYYYMMDD>-<5-digit sequence of the booking day>`. */
  entryId: string;
  accountId: string;
  /** When the back office booked it: ISO-8601 UTC with `Z`. */
  bookedAt: string;
  category: BooksCategory;
  /** Signed cash effect in the account currency, always two decimals ("-80.43", "416.00"). */
  amount: string;
  currency: string;
  /** Broker transaction references the line covers: one, two (trade + commission), or none (daily funding). */
  brokerReferences: string[];
  description: string;
}

export type BooksDifference =
  | { kind: 'MISSING_IN_BOOKS'; brokerReference: string; transactionType: string; brokerAmount: string; brokerDateUtc: string }
  | { kind: 'AMOUNT_MISMATCH'; brokerReference: string; entryId: string; brokerAmount: string; booksAmount: string; difference: string; reason: string }
  | { kind: 'TIMING'; brokerReference: string; entryId: string; brokerDateUtc: string; bookedAt: string }
  | { kind: 'DUPLICATE_IN_BOOKS'; brokerReference: string; entryIds: [string, string] };

export interface BooksParams {
  seed: Seed;
  account: SimulatedAccount;
  fromMs: number;
  toMs: number;
}

const CATEGORY_BY_TYPE: Readonly<Record<string, BooksCategory>> = {
  DEPOSIT: 'CLIENT_DEPOSIT',
  WITHDRAWAL: 'CLIENT_WITHDRAWAL',
  TRADE: 'REALISED_PNL',
  TRADE_COMMISSION: 'COMMISSION',
  TRADE_COMMISSION_GSL: 'COMMISSION',
  FX_COMMISSION: 'COMMISSION',
  SWAP: 'OVERNIGHT_FUNDING',
  INACTIVITY_FEE: 'ACCOUNT_FEE',
};

/** Share of same-day trade + commission pairs booked as one line. */
const NET_OF_COMMISSION_SHARE = 0.3;
const CENT = new Decimal('0.01');
const FUNDING_BOOKED_AT_MS = 23 * HOUR_MS + 59 * MINUTE_MS;

function utcMsOf(dateUtc: string): number {
  return Date.parse(`${dateUtc}Z`);
}

function money(amount: Decimal): string {
  return formatFixed(amount, 2);
}

function describe(row: TransactionRow, account: SimulatedAccount): string {
  const epic = row.instrumentName ?? '';
  const deal = row.dealId ? `, deal ${row.dealId}` : '';
  switch (row.transactionType) {
    case 'DEPOSIT':
      return `Client deposit, card "VISA ****${row.reference.slice(-4)}"`;
    case 'WITHDRAWAL':
      return `Client withdrawal to bank, account "${account.accountName}"`;
    case 'TRADE':
      return `Realised P/L ${epic}${deal}`;
    case 'TRADE_COMMISSION':
      return `Commission ${epic}${deal}`;
    case 'TRADE_COMMISSION_GSL':
      return `Guaranteed stop premium ${epic}${deal}`;
    case 'FX_COMMISSION':
      return `FX conversion fee ${epic}${deal}`;
    case 'INACTIVITY_FEE':
      return 'Inactivity fee';
    case 'ADJUSTMENT':
      return `Balance adjustment per broker statement\r\nbroker note: "${row.note}"`;
    default:
      return `Broker ${row.transactionType}: ${row.note}${epic ? `, ${epic}` : ''}`;
  }
}

interface Pending {
  bookedMs: number;
  /** Keeps lines booked at the same instant in broker order. */
  order: number;
  category: BooksCategory;
  amount: Decimal;
  brokerReferences: string[];
  description: string;
  /** Filled in once the entry id is known. */
  onEntryId?: (entryId: string) => void;
}

interface InjectionState {
  missingDone: boolean;
  feeDone: boolean;
  timingDone: boolean;
  duplicateDone: boolean;
}

function single(row: TransactionRow, account: SimulatedAccount, order: number): Pending {
  return {
    bookedMs: utcMsOf(row.dateUtc),
    order,
    category: CATEGORY_BY_TYPE[row.transactionType] ?? 'OTHER',
    amount: new Decimal(row.size),
    brokerReferences: [row.reference],
    description: describe(row, account),
  };
}

/** Books one day of broker rows; delayed lines go to `carried` for the next day. */
function bookDay(
  params: BooksParams,
  day: number,
  rows: readonly TransactionRow[],
  state: InjectionState,
  carried: Pending[],
  report: (difference: BooksDifference) => void,
): Pending[] {
  const { account } = params;
  const key = hashKey('books', String(params.seed), account.accountId);
  const pending: Pending[] = carried.splice(0, carried.length);
  const lastPeriodDay = dayIndexOf(params.toMs - 1);

  const commissionByDeal = new Map<string, TransactionRow>();
  for (const row of rows) if (row.transactionType === 'TRADE_COMMISSION' && row.dealId) commissionByDeal.set(row.dealId, row);
  const netOfCommission = new Set<string>();
  for (const row of rows) {
    if (row.transactionType !== 'TRADE' || !row.dealId || !commissionByDeal.has(row.dealId)) continue;
    if (hashUnit(hashKey('books-net', String(params.seed), row.dealId), 0) < NET_OF_COMMISSION_SHARE) netOfCommission.add(row.dealId);
  }
  const plainTrades = rows.filter((r) => r.transactionType === 'TRADE' && !(r.dealId && netOfCommission.has(r.dealId)));
  const nextDayStart = dayStartMs(day + 1);
  const delayMs = 15 * MINUTE_MS + Math.floor(hashUnit(key, day, 1) * 6 * HOUR_MS);
  const timingTarget = !state.timingDone && day < lastPeriodDay && nextDayStart + delayMs < params.toMs ? plainTrades[plainTrades.length - 1] : undefined;
  const duplicateTarget = state.duplicateDone ? undefined : plainTrades.find((r) => r !== timingTarget);

  let fundingTotal = new Decimal(0);
  let fundingCount = 0;
  rows.forEach((row, order) => {
    const type = row.transactionType;
    if (type === 'SWAP') {
      fundingTotal = fundingTotal.plus(row.size);
      fundingCount++;
      return;
    }
    if (type === 'TRADE_COMMISSION' && row.dealId && netOfCommission.has(row.dealId)) return;
    if (type === 'TRADE' && row.dealId && netOfCommission.has(row.dealId)) {
      const commission = commissionByDeal.get(row.dealId) as TransactionRow;
      pending.push({
        bookedMs: utcMsOf(row.dateUtc),
        order,
        category: 'REALISED_PNL_NET_OF_COMMISSION',
        amount: new Decimal(row.size).plus(commission.size),
        brokerReferences: [row.reference, commission.reference],
        description: `Realised P/L ${row.instrumentName ?? ''} net of commission, deal ${row.dealId}`,
      });
      return;
    }
    if (type === 'DEPOSIT' && !state.missingDone) {
      state.missingDone = true;
      report({ kind: 'MISSING_IN_BOOKS', brokerReference: row.reference, transactionType: type, brokerAmount: row.size, brokerDateUtc: row.dateUtc });
      return;
    }
    const entry = single(row, account, order);
    if (type === 'WITHDRAWAL' && !state.feeDone) {
      state.feeDone = true;
      const broker = new Decimal(row.size);
      // A payout fee of 1.00–4.99, never the whole withdrawal.
      const wanted = new Decimal(100 + Math.floor(hashUnit(key, day, 2) * 400)).dividedBy(100);
      const fee = Decimal.max(CENT, Decimal.min(wanted, broker.abs().minus(CENT)));
      entry.amount = broker.plus(fee);
      entry.description = `${entry.description} (payout fee not booked)`;
      entry.onEntryId = (entryId) =>
        report({
          kind: 'AMOUNT_MISMATCH',
          brokerReference: row.reference,
          entryId,
          brokerAmount: row.size,
          booksAmount: money(entry.amount),
          difference: money(fee),
          reason: 'broker deducted a payout fee the books did not record',
        });
    }
    if (row === timingTarget) {
      state.timingDone = true;
      entry.bookedMs = nextDayStart + delayMs;
      entry.onEntryId = (entryId) => report({ kind: 'TIMING', brokerReference: row.reference, entryId, brokerDateUtc: row.dateUtc, bookedAt: isoUtc(entry.bookedMs) });
      carried.push(entry);
      return;
    }
    pending.push(entry);
    if (row === duplicateTarget) {
      state.duplicateDone = true;
      const copy: Pending = { ...single(row, account, order), bookedMs: entry.bookedMs };
      pending.push(copy);
      const ids: string[] = [];
      const collect = (entryId: string): void => {
        ids.push(entryId);
        if (ids.length === 2) report({ kind: 'DUPLICATE_IN_BOOKS', brokerReference: row.reference, entryIds: [ids[0] as string, ids[1] as string] });
      };
      entry.onEntryId = collect;
      copy.onEntryId = collect;
    }
  });
  if (fundingCount > 0) {
    pending.push({
      bookedMs: dayStartMs(day) + FUNDING_BOOKED_AT_MS,
      order: rows.length,
      category: 'OVERNIGHT_FUNDING',
      amount: fundingTotal,
      brokerReferences: [],
      description: `Overnight funding ${isoDate(day)}, ${fundingCount} position charges`,
    });
  }
  return pending;
}

function* bookPeriod(params: BooksParams, report: (difference: BooksDifference) => void): Generator<BooksEntry, void, undefined> {
  const { account, fromMs, toMs } = params;
  if (toMs <= fromMs) return;
  const { firstDay, lastDay } = dayRange(fromMs, toMs);
  const state: InjectionState = { missingDone: false, feeDone: false, timingDone: false, duplicateDone: false };
  const carried: Pending[] = [];
  const accountTag = account.accountId.slice(-6);
  for (let day = firstDay; day <= lastDay; day++) {
    const dayFrom = Math.max(fromMs, dayStartMs(day));
    const dayTo = Math.min(toMs, dayStartMs(day) + DAY_MS);
    const rows = [...transactionsBetween({ seed: params.seed, account, fromMs: dayFrom, toMs: dayTo })];
    const pending = bookDay(params, day, rows, state, carried, report);
    pending.sort((a, b) => a.bookedMs - b.bookedMs || a.order - b.order);
    let sequence = 0;
    for (const line of pending) {
      sequence++;
      const entryId = `BK-${accountTag}-${compactDate(day)}-${String(sequence).padStart(5, '0')}`;
      line.onEntryId?.(entryId);
      yield {
        entryId,
        accountId: account.accountId,
        bookedAt: isoUtc(line.bookedMs),
        category: line.category,
        amount: money(line.amount),
        currency: account.currency,
        brokerReferences: line.brokerReferences,
        description: line.description,
      };
    }
  }
  if (carried.length > 0) throw new Error('a delayed books line fell outside the period');
}

/** The internal books for [fromMs, toMs), in booking order, one day at a time. */
export function* booksBetween(params: BooksParams): Generator<BooksEntry, void, undefined> {
  yield* bookPeriod(params, () => undefined);
}

/** The exceptions injected into the books of this period (what reconciliation should find). */
export function booksDifferences(params: BooksParams): BooksDifference[] {
  const differences: BooksDifference[] = [];
  for (const entry of bookPeriod(params, (difference) => differences.push(difference))) void entry;
  return differences;
}
