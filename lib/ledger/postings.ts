/**
 * Turning one normalised broker transaction into a balanced double-entry ledger entry, and summing
 * entries into a trial balance. A type no rule maps is quarantined with the reason: never dropped,
 * never posted to a guessed account.
 */
import { canonical, Decimal, toDecimal } from '../money';
import { indexAccounts, type ChartOfAccounts } from './chart-of-accounts';
import { ruleFor, selectRuleSet, type PostingRuleSet } from './posting-rules';

/** A broker row as `postLedger` sees it. `amount` is the signed cash effect in `currency`. */
export interface TransactionToPost {
  key: string;
  transactionType: string;
  amount: Decimal;
  currency: string;
  bookedAtMs: number;
}

/** One side of an entry: exactly one of `debit` / `credit`, a canonical positive decimal string. */
export interface PostingLine {
  account: string;
  debit?: string;
  credit?: string;
  currency: string;
}

export interface LedgerEntry {
  /** The transaction's key: one entry per broker row, so re-posting is idempotent. */
  key: string;
  transactionType: string;
  ruleVersion: number;
  /** Empty for a zero amount: the row is mapped but moves nothing. */
  lines: PostingLine[];
}

export type PostingOutcome = { kind: 'posted'; entry: LedgerEntry } | { kind: 'quarantined'; reason: string };

/** A broken promise inside the ledger code itself (not bad input): stop, do not store. */
export class LedgerInvariantError extends Error {
  override name = 'LedgerInvariantError';
}

export interface PostingOptions {
  /** When given, an account restricted to another currency quarantines the row instead of posting. */
  chart?: ChartOfAccounts;
}

/**
 * Posts `tx` under `ruleSet` (the caller chose it, normally with `selectRuleSet`). The sign picks
 * the rule's side; the absolute amount goes on one debit and one credit line.
 */
export function postTransaction(tx: TransactionToPost, ruleSet: PostingRuleSet, options: PostingOptions = {}): PostingOutcome {
  const rule = ruleFor(ruleSet, tx.transactionType);
  if (rule === undefined) {
    return quarantine(`no posting rule maps transactionType '${tx.transactionType}' in rule set version ${ruleSet.version}`);
  }
  if (!tx.amount.isFinite()) return quarantine(`amount of ${tx.transactionType} row is not a finite decimal`);
  if (tx.currency.trim() === '') return quarantine(`${tx.transactionType} row has no currency`);

  const entry: LedgerEntry = { key: tx.key, transactionType: tx.transactionType, ruleVersion: ruleSet.version, lines: [] };
  if (tx.amount.isZero()) return { kind: 'posted', entry };

  const side = tx.amount.isPositive() ? rule.whenPositive : rule.whenNegative;
  if (options.chart !== undefined) {
    const mismatch = currencyMismatch(options.chart, [side.debit, side.credit], tx.currency);
    if (mismatch !== undefined) return quarantine(`${mismatch} (${tx.transactionType}, rule set version ${ruleSet.version})`);
  }
  const amount = canonical(tx.amount.abs());
  entry.lines = [
    { account: side.debit, debit: amount, currency: tx.currency },
    { account: side.credit, credit: amount, currency: tx.currency },
  ];
  assertBalanced(entry);
  return { kind: 'posted', entry };
}

/** Picks the rule set in force at the row's booking time, then posts; quarantines when none is. */
export function postTransactionInForce(tx: TransactionToPost, ruleSets: readonly PostingRuleSet[], options: PostingOptions = {}): PostingOutcome {
  const ruleSet = selectRuleSet(ruleSets, tx.bookedAtMs);
  if (ruleSet === undefined) {
    return quarantine(`no posting rule set is in force at ${describeInstant(tx.bookedAtMs)} for ${tx.transactionType} row`);
  }
  return postTransaction(tx, ruleSet, options);
}

/** Throws unless, per currency, the entry's debits equal its credits and every line is well formed. */
export function assertBalanced(entry: LedgerEntry): void {
  const netByCurrency = new Map<string, Decimal>();
  for (const line of entry.lines) {
    const { debit, credit } = lineAmounts(entry, line);
    netByCurrency.set(line.currency, (netByCurrency.get(line.currency) ?? new Decimal(0)).plus(debit).minus(credit));
  }
  for (const [currency, net] of netByCurrency) {
    if (!net.isZero()) throw new LedgerInvariantError(`entry ${entry.key} is unbalanced in ${currency}: debits - credits = ${canonical(net)}`);
  }
}

export interface TrialBalanceRow {
  account: string;
  currency: string;
  debit: Decimal;
  credit: Decimal;
  /** debit - credit: positive is a debit balance. */
  net: Decimal;
}

export interface CurrencyTotals {
  currency: string;
  debit: Decimal;
  credit: Decimal;
  balanced: boolean;
}

export interface TrialBalance {
  /** Sorted by account code, then currency. */
  rows: TrialBalanceRow[];
  /** One per currency: amounts in different currencies are never added together. */
  totals: CurrencyTotals[];
  /** Total debits equal total credits in every currency. */
  balanced: boolean;
}

/** Debit and credit totals per account and currency, and whether the books balance. */
export function trialBalance(entries: Iterable<LedgerEntry>): TrialBalance {
  const rowsByKey = new Map<string, { account: string; currency: string; debit: Decimal; credit: Decimal }>();
  for (const entry of entries) {
    for (const line of entry.lines) {
      const { debit, credit } = lineAmounts(entry, line);
      const rowKey = `${line.account}\u0000${line.currency}`;
      const row = rowsByKey.get(rowKey) ?? { account: line.account, currency: line.currency, debit: new Decimal(0), credit: new Decimal(0) };
      row.debit = row.debit.plus(debit);
      row.credit = row.credit.plus(credit);
      rowsByKey.set(rowKey, row);
    }
  }
  const rows = [...rowsByKey.values()]
    .sort((a, b) => compareText(a.account, b.account) || compareText(a.currency, b.currency))
    .map((row) => ({ ...row, net: row.debit.minus(row.credit) }));

  const totalsByCurrency = new Map<string, { debit: Decimal; credit: Decimal }>();
  for (const row of rows) {
    const totals = totalsByCurrency.get(row.currency) ?? { debit: new Decimal(0), credit: new Decimal(0) };
    totalsByCurrency.set(row.currency, { debit: totals.debit.plus(row.debit), credit: totals.credit.plus(row.credit) });
  }
  const totals = [...totalsByCurrency.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([currency, { debit, credit }]) => ({ currency, debit, credit, balanced: debit.equals(credit) }));
  return { rows, totals, balanced: totals.every((t) => t.balanced) };
}

/** A line's amounts as decimals; a line with both sides, neither, or a negative amount is corrupt. */
function lineAmounts(entry: LedgerEntry, line: PostingLine): { debit: Decimal; credit: Decimal } {
  if ((line.debit === undefined) === (line.credit === undefined)) {
    throw new LedgerInvariantError(`entry ${entry.key}: line on ${line.account} must have exactly one of debit or credit`);
  }
  const debit = toDecimal(line.debit ?? '0');
  const credit = toDecimal(line.credit ?? '0');
  if (debit.isNegative() || credit.isNegative()) {
    throw new LedgerInvariantError(`entry ${entry.key}: line on ${line.account} has a negative amount; the side carries the sign`);
  }
  return { debit, credit };
}

function currencyMismatch(chart: ChartOfAccounts, codes: readonly string[], currency: string): string | undefined {
  const accounts = indexAccounts(chart);
  for (const code of codes) {
    const account = accounts.get(code);
    if (account === undefined) return `account '${code}' is not in chart version ${chart.version}`;
    if (account.currency !== undefined && account.currency !== currency) {
      return `account '${code}' holds ${account.currency} only, the row is in ${currency}`;
    }
  }
  return undefined;
}

/** The largest instant a JS Date can hold (ECMA-262 time values). */
const MAX_DATE_MS = 8.64e15;

function quarantine(reason: string): PostingOutcome {
  return { kind: 'quarantined', reason };
}

function describeInstant(ms: number): string {
  const representable = Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
  return representable ? new Date(ms).toISOString() : `bookedAtMs ${String(ms)}`;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
