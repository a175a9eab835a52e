/**
 * Builds a run's statement from what the database holds: one pre-pass over the run's posted
 * records for the totals and the raw inputs' digest (flat memory), then a stream of lines. The
 * records are those the run's period windows kept (the run's `window_records.<runId>` collection), in booking
 * order: no query over the month, on any database. Nothing here comes from the broker: a statement
 * can be re-rendered (and verified) from the store alone, long after the run; `books-check.ts`
 * checks that the books still agree with these records.
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { DateTime } from 'luxon';
import type { RollForwardSummary } from '../ledger/roll-forward-summary';
import type { ChartOfAccounts } from '../ledger/chart-of-accounts';
import type { PostingRuleSet } from '../ledger/posting-rules';
import { periodWindows } from '../ledger/windows';
import { Decimal, formatAmount, toDecimal } from '../money';
import { balanceSnapshot } from '../store/balances';
import { loadChartAndRules } from '../store/chart';
import { EXCEPTIONS, RUNS, type ExceptionDocument, type RunDocument } from '../store/reconciliation';
import { windowRows, type StatementRecord } from '../store/window-records';
import type { AccountTotal, MatchStatus, Statement, StatementLine, StatementRollForward, StatementSource } from './model';
import { STATEMENT_NOTES } from './notes';

export interface LoadStatementOptions {
  runId: string;
  legalEntity: string;
  temporalRunId: string;
  codeVersion: string;
  /** The account's audit chain head before this run's record. */
  chainHead: string;
}

export class StatementDataError extends Error {
  override name = 'StatementDataError';
}

const SCALE_DEFAULT = 2;
/** The account every rule debits when cash comes in: the broker cash account. */
export function brokerCashAccount(ruleSets: readonly PostingRuleSet[]): string {
  const counts = new Map<string, number>();
  for (const rule of ruleSets.flatMap((set) => set.rules)) counts.set(rule.whenPositive.debit, (counts.get(rule.whenPositive.debit) ?? 0) + 1);
  const [code] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [];
  if (!code) throw new StatementDataError('the posting rules name no cash account');
  return code;
}

function fixed(text: string, scale: number): string {
  return formatAmount(toDecimal(text), scale);
}

function referenceOf(key: string): string {
  return key.split(':')[2] ?? key;
}

function rollForwardOf(r: RollForwardSummary, scale: number): StatementRollForward {
  const m = r.movements;
  const f = (text: string) => fixed(text, scale);
  const opening = f(r.opening ?? '0');
  const computedClosing = f(r.computedClosing ?? r.opening ?? '0');
  const byType = (record: Record<string, string>) => Object.entries(record).map(([label, amount]) => ({ label, amount: f(amount), level: 1 as const }));
  const snapshotSource = (anchor: RollForwardSummary['anchors']['opening']) =>
    anchor ? `broker balance snapshot ${anchor.snapshotAt} (${f(anchor.snapshotCash)}), carried over ${anchor.bridge.rows} transactions netting ${f(anchor.bridge.net)}` : undefined;
  const openingSource = r.openingDerived ? (r.closing ? 'derived: closing balance − movements (no opening snapshot)' : 'unknown: no balance snapshot (movements shown from zero)') : (snapshotSource(r.anchors.opening) ?? '');
  const verdict =
    r.status === 'PROVEN'
      ? `Opening ${opening} + movements ${f(r.net)} = ${computedClosing} = broker closing ${f(r.closing ?? '0')}: the identity holds (difference ${f('0')}).`
      : r.status === 'DIFFERENCE'
        ? `Opening ${opening} + movements ${f(r.net)} = ${computedClosing}, but the broker's closing balance is ${f(r.closing ?? '0')}: difference ${f(r.difference ?? '0')}.`
        : `Not proved: ${r.reasons.join('; ')}.`;
  return {
    status: r.status,
    lines: [
      { label: 'Opening balance', amount: opening, level: 0 },
      { label: 'Deposits', amount: f(m.deposits), level: 0 },
      { label: 'Withdrawals', amount: f(m.withdrawals), level: 0 },
      { label: 'Realised P/L', amount: f(m.realisedPnl), level: 0 },
      { label: 'Commissions and fees', amount: f(m.commissions), level: 0 },
      ...byType(m.commissionsByType),
      { label: 'Overnight funding credits', amount: f(m.overnightFundingCredits), level: 0 },
      { label: 'Overnight funding debits', amount: f(m.overnightFundingDebits), level: 0 },
      { label: 'Other types', amount: f(m.other), level: 0 },
      ...byType(m.otherByType),
      { label: r.closing !== undefined && r.status !== 'UNPROVEN' ? 'Closing balance (broker)' : 'Closing balance (computed)', amount: r.closing !== undefined ? f(r.closing) : computedClosing, level: 0 },
    ],
    opening,
    openingSource,
    computedClosing,
    ...(r.closing !== undefined ? { closing: f(r.closing), closingSource: snapshotSource(r.anchors.closing) ?? '' } : {}),
    ...(r.difference !== undefined ? { difference: f(r.difference) } : {}),
    verdict,
    reasons: r.reasons,
  };
}

type AccountSums = Map<string, { debit: Decimal; credit: Decimal }>;

function addPosting(sums: AccountSums, record: StatementRecord): void {
  for (const line of record.posting ?? []) {
    const sum = sums.get(line.account) ?? { debit: new Decimal(0), credit: new Decimal(0) };
    if (line.debit) sum.debit = sum.debit.plus(line.debit);
    if (line.credit) sum.credit = sum.credit.plus(line.credit);
    sums.set(line.account, sum);
  }
}

function accountTotals(sums: AccountSums, chart: ChartOfAccounts, scale: number): AccountTotal[] {
  const byCode = new Map(chart.accounts.map((a) => [a.code, a]));
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, { debit, credit }]) => ({
      code,
      name: byCode.get(code)?.name ?? '(not in the chart)',
      type: byCode.get(code)?.type ?? '',
      debit: formatAmount(debit, scale),
      credit: formatAmount(credit, scale),
      net: formatAmount(debit.minus(credit), scale),
    }));
}

/** A run's statement records, in booking order; the run and its period are checked first. */
export async function runRecords(db: Db, runId: string): Promise<{ run: RunDocument; fromMs: number; toMs: number; records: () => AsyncIterable<StatementRecord> }> {
  const run = await db.collection<RunDocument>(RUNS).findOne({ _id: runId });
  if (!run) throw new StatementDataError(`no recorded run ${runId}`);
  const windows = (run.summary as { periodWindows?: number[] }).periodWindows;
  if (!windows) throw new StatementDataError(`run ${runId} was recorded without its period's windows (by a version before statements were read from them): run the period again`);
  const { startMs: fromMs, endMs: toMs } = periodWindows({ period: run.period, timeZone: run.timeZone, nowMs: run.finishedAt.getTime() });
  async function* records(): AsyncIterable<StatementRecord> {
    let previous: StatementRecord | undefined;
    for await (const record of windowRows(db, runId, windows as number[], 'statement')) {
      const outOfOrder = previous && (record.bookedAtMs < previous.bookedAtMs || (record.bookedAtMs === previous.bookedAtMs && record.key <= previous.key));
      if (record.bookedAtMs < fromMs || record.bookedAtMs >= toMs || outOfOrder) throw new StatementDataError(`run ${runId}: record ${record.key} (${record.bookedAt}) is ${outOfOrder ? 'out of booking order' : 'outside the period'} in its windows' records`);
      previous = record;
      yield record;
    }
  }
  return { run, fromMs, toMs, records };
}

export async function loadStatement(db: Db, options: LoadStatementOptions): Promise<StatementSource> {
  const { run, fromMs, toMs, records } = await runRecords(db, options.runId);
  const summary = run.summary as { rollForward?: RollForwardSummary; reconciliation?: Record<string, unknown>; dryRun?: boolean };
  if (!summary.rollForward || !summary.reconciliation) throw new StatementDataError(`run ${options.runId} was recorded without a roll-forward (recorded by an older version?)`);
  if (summary.dryRun) throw new StatementDataError(`run ${options.runId} was a dry run: it wrote no ledger or matches to state`);
  const { chart, ruleSets } = await loadChartAndRules(db);
  const cashCode = brokerCashAccount(ruleSets);
  const cashName = chart.accounts.find((a) => a.code === cashCode)?.name ?? cashCode;

  // Pre-pass: totals by type and by account, the raw inputs' digest, the currency.
  const rawDigest = createHash('sha256');
  const byType = new Map<string, { count: number; amount: Decimal }>();
  const byAccount: AccountSums = new Map();
  let lineCount = 0;
  let currency: string | undefined;
  let scale = SCALE_DEFAULT;
  for await (const record of records()) {
    lineCount++;
    rawDigest.update(`${record.rawSha256}\n`);
    currency ??= record.baseCurrency;
    scale = Math.max(scale, record.scale);
    const total = byType.get(record.transactionType) ?? { count: 0, amount: new Decimal(0) };
    byType.set(record.transactionType, { count: total.count + 1, amount: total.amount.plus(record.amount) });
    addPosting(byAccount, record);
  }
  const rollForward = rollForwardOf(summary.rollForward, scale);
  const exceptions = await db.collection<ExceptionDocument>(EXCEPTIONS).find({ runId: options.runId }).sort({ _id: 1 }).toArray();
  const reconciliation = summary.reconciliation as { brokerRecords: number; bookEntries: number; matches: number; matchedBrokerRecords: number; exceptionsByKind: Record<string, number>; rulesVersion: string };
  // Matching leaves every broker record in a match or an exception (its leftovers are
  // MISSING_INTERNAL), so a posted record is MATCHED unless an exception names it.
  const exceptionKeys = new Set(exceptions.flatMap((e) => e.brokerKeys));
  const zone = (ms: number) => DateTime.fromMillis(ms, { zone: run.timeZone }).toISO({ includeOffset: true }) as string;

  const statement: Statement = {
    header: {
      legalEntity: options.legalEntity,
      broker: 'Capital.com',
      brokerAccountId: run.accountId,
      internalAccount: { code: cashCode, name: cashName },
      baseCurrency: currency ?? '',
      scale,
      period: run.period,
      periodStart: zone(fromMs),
      periodEnd: zone(toMs),
      timeZone: run.timeZone,
      cutOffRule: `Transactions whose broker booking time (dateUtc) is at or after ${zone(fromMs)} and before ${zone(toMs)} (${run.timeZone}).`,
      generatedAt: run.finishedAt.toISOString(),
      runId: options.runId,
      workflowId: options.runId,
      temporalRunId: options.temporalRunId,
      codeVersion: options.codeVersion,
    },
    rollForward,
    totalsByType: [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([transactionType, t]) => ({ transactionType, count: t.count, amount: formatAmount(t.amount, scale) })),
    totalsByAccount: accountTotals(byAccount, chart, scale),
    reconciliation: {
      brokerRecords: reconciliation.brokerRecords,
      bookEntries: reconciliation.bookEntries,
      matches: reconciliation.matches,
      matchedBrokerRecords: reconciliation.matchedBrokerRecords,
      exceptionsByKind: Object.fromEntries(Object.entries(countKinds(exceptions)).sort(([a], [b]) => a.localeCompare(b))),
      rulesVersion: reconciliation.rulesVersion,
    },
    ...(await positionsAtClose(db, summary.rollForward)),
    exceptions: exceptions.map((e) => ({ kind: e.kind, reason: e.reason, rule: e.rule, brokerReferences: e.brokerKeys.map(referenceOf), bookEntryIds: e.bookEntryIds })),
    notes: STATEMENT_NOTES,
    audit: { rawInputsSha256: rawDigest.digest('hex'), chainHead: options.chainHead, codeVersion: options.codeVersion },
    lineCount,
  };

  async function* lines(): AsyncIterable<StatementLine> {
    let running = toDecimal(rollForward.opening);
    let line = 0;
    for await (const record of records()) {
      running = running.plus(record.amount);
      const status: MatchStatus = !record.posting ? 'QUARANTINED' : exceptionKeys.has(record.key) ? 'EXCEPTION' : 'MATCHED';
      yield {
        line: ++line,
        key: record.key,
        bookedAtUtc: record.bookedAt,
        bookedAtLocal: zone(record.bookedAtMs),
        reference: record.reference,
        transactionType: record.transactionType,
        instrument: record.epic ?? '',
        note: record.note,
        amount: fixed(record.amount, scale),
        currency: record.currency,
        runningBalance: formatAmount(running, scale),
        debitAccount: record.posting?.find((l) => l.debit)?.account ?? '',
        creditAccount: record.posting?.find((l) => l.credit)?.account ?? '',
        matchStatus: status,
      };
    }
  }

  return { statement, lines };
}

/** Positions and working orders read with the closing balance snapshot, when there is one. */
async function positionsAtClose(db: Db, rollForward: RollForwardSummary): Promise<Pick<Statement, 'positions' | 'workingOrders' | 'positionsAt'>> {
  const snapshotId = rollForward.anchors.closing?.snapshotId;
  const snapshot = snapshotId ? await balanceSnapshot(db, snapshotId) : undefined;
  if (!snapshot?.positions || !snapshot.workingOrders) return {};
  return { positions: snapshot.positions, workingOrders: snapshot.workingOrders, positionsAt: snapshot.at.toISOString() };
}

function countKinds(exceptions: readonly ExceptionDocument[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of exceptions) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  return counts;
}
