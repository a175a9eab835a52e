import { defineQuery, executeChild, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities, CrossCheckSummary, PostLedgerResult, ReconcileResult, RollForwardSummary, StatementsResult } from '../activities';
import { addTotals, ingestWindows, NO_TOTALS, type IngestTotals } from './ingest-windows';
import { ReconAccountId, ReconExceptionCount, ReconPeriod, ReconStatus } from './search-attributes';

const { planPeriod, recordRun, captureBalanceSnapshot, planRollForward } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });
const { renderStatements } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});
const { reconcilePeriod, crossCheckActivity, proveRollForward } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Windows per child workflow: a child's history stays in the hundreds of events. */
const WINDOWS_PER_CHILD = 100;

function partition<T>(items: readonly T[], isFirst: (item: T) => boolean): [T[], T[]] {
  return [items.filter(isFirst), items.filter((item) => !isFirst(item))];
}

export interface ReconcileInput {
  accountId: string;
  /** `YYYY-MM`, a calendar month in `timeZone`. */
  period: string;
  timeZone: string;
  windowHours?: number;
  /** Compute everything without writing the ledger, matches or exceptions. */
  dryRun?: boolean;
  /** Reconcile only these transaction types (a partial run: no roll-forward proof, no statements). */
  types?: string[];
}

/** Ingesting includes posting: each window posts what it reads. */
export type ReconcileStage = 'planning' | 'ingesting' | 'reconciling' | 'rendering' | 'done' | 'failed';

export interface ReconcileProgress {
  stage: ReconcileStage;
  /** Windows of finished slices (the slices report their own windows: `ingestChildren`). */
  windowsDone: number;
  windowsTotal: number;
  records: number;
  exceptions: number;
  /** Workflow ids of the ingestion slices, each answering the `ingestProgress` query. */
  ingestChildren: string[];
}

export interface ReconcileSummary {
  runId: string;
  accountId: string;
  period: string;
  timeZone: string;
  status: 'COMPLETED' | 'COMPLETED_WITH_EXCEPTIONS';
  dryRun: boolean;
  /** Present for a partial run. */
  types?: string[];
  /**
   * `windows` includes `bridgeWindows` (broker time outside the period read for the roll-forward's
   * snapshots) and the activity feed read around the period for the cross-check.
   */
  ingest: Omit<IngestTotals, 'digests' | 'ledgerDigests' | 'ruleVersions'> & { bridgeWindows: number; digest: string };
  /** The windows that tile the period, in time order: their posted records are the statement's lines. */
  periodWindows: number[];
  ledger: PostLedgerResult;
  reconciliation: ReconcileResult;
  crossCheck: CrossCheckSummary;
  rollForward: RollForwardSummary;
  /** Where the statements were written, with every file's SHA-256 (absent for dry runs). */
  statements?: StatementsResult;
}

export const progressQuery = defineQuery<ReconcileProgress>('progress');

/** The workflow id of a period's run: re-runs are deduplicated; an explicit re-run adds an attempt. */
export function reconcileWorkflowId(accountId: string, period: string, attempt?: number): string {
  return attempt ? `recon:${accountId}:${period}:rerun-${attempt}` : `recon:${accountId}:${period}`;
}

/**
 * The monthly reconciliation of one account: plan the period's windows in its time zone, ingest
 * them (children, bounded concurrency), post the ledger, match against the company's books, and
 * record the result. Ids, counts and digests pass between steps; the data stays in MongoDB.
 */
export async function reconcileAccountPeriod(input: ReconcileInput): Promise<ReconcileSummary> {
  const { workflowId, startTime } = workflowInfo();
  const progress: ReconcileProgress = { stage: 'planning', windowsDone: 0, windowsTotal: 0, records: 0, exceptions: 0, ingestChildren: [] };
  setHandler(progressQuery, () => progress);
  upsertSearchAttributes([
    { key: ReconAccountId, value: input.accountId },
    { key: ReconPeriod, value: input.period },
    { key: ReconStatus, value: 'RUNNING' },
    { key: ReconExceptionCount, value: 0 },
  ]);

  try {
    const plan = await planPeriod({ period: input.period, timeZone: input.timeZone, windowHours: input.windowHours, types: input.types });
    // The broker reports balances only "now": each run keeps one, for this and later periods' proofs.
    await captureBalanceSnapshot({ accountId: input.accountId, takenBy: workflowId });
    const rollPlan = await planRollForward({ accountId: input.accountId, fromMs: plan.startMs, toMs: plan.endMs });
    // A partial run cannot prove the roll-forward, so it reads no bridges for it.
    const bridgeWindows = input.types ? [] : rollPlan.bridgeWindows.map((w, i) => ({ index: plan.windows.length + i, ...w, reads: ['transactions' as const], post: false }));
    // Transactions first (posting needs them, and matching needs them all); the activity feed is
    // read while matching runs: the broker's rate limit paces one, the database the other.
    const [feedWindows, transactionWindows] = partition([...plan.windows, ...bridgeWindows], (w) => !w.reads.includes('transactions'));
    progress.stage = 'ingesting';
    progress.windowsTotal = transactionWindows.length + feedWindows.length;
    const ingestSlices = async (windows: typeof transactionWindows, firstSlice: number): Promise<IngestTotals> => {
      const slices: Array<typeof windows> = [];
      for (let i = 0; i < windows.length; i += WINDOWS_PER_CHILD) slices.push(windows.slice(i, i + WINDOWS_PER_CHILD));
      const ids = slices.map((_, i) => `${workflowId}:ingest:${firstSlice + i}`);
      progress.ingestChildren.push(...ids);
      const totals = await Promise.all(
        slices.map(async (windows, i) => {
          const totals = await executeChild(ingestWindows, { workflowId: ids[i] as string, args: [{ runId: workflowId, accountId: input.accountId, windows, dryRun: input.dryRun ?? false, ...(input.types ? { types: input.types } : {}) }] });
          progress.windowsDone += totals.windows;
          progress.records += totals.rows;
          return totals;
        }),
      );
      return totals.reduce(addTotals, NO_TOTALS);
    };
    const transactionTotals = await ingestSlices(transactionWindows, 0);

    const indexesOf = (windows: ReadonlyArray<{ index: number; reads: readonly string[] }>, read: string) => windows.filter((w) => w.reads.includes(read)).map((w) => w.index);
    const period = { runId: workflowId, accountId: input.accountId, fromMs: plan.startMs, toMs: plan.endMs, windowIndexes: plan.windows.filter((w) => w.purpose === 'period').map((w) => w.index), dryRun: input.dryRun ?? false, ...(input.types ? { types: input.types } : {}) };
    const ledger: PostLedgerResult = { posted: transactionTotals.posted, quarantined: transactionTotals.postingQuarantined, ruleVersions: transactionTotals.ruleVersions, digest: '' };
    progress.stage = 'reconciling';
    const [reconciliation, rollForward, [feedTotals, crossCheck]] = await Promise.all([
      reconcilePeriod(period),
      proveRollForward({ ...period, plan: rollPlan }),
      (async () => {
        const feedTotals = await ingestSlices(feedWindows, Math.ceil(transactionWindows.length / WINDOWS_PER_CHILD));
        return [feedTotals, await crossCheckActivity({ ...period, tradeWindowIndexes: indexesOf(plan.windows, 'transactions'), feedWindowIndexes: indexesOf(plan.windows, 'positions') })] as const;
      })(),
    ]);
    // The windows' digests in window order (the trace recomputes the ingest digest that way).
    const byIndex = [...transactionWindows.map((w, i) => ({ index: w.index, digest: transactionTotals.digests[i] as string })), ...feedWindows.map((w, i) => ({ index: w.index, digest: feedTotals.digests[i] as string }))];
    const ingest = { ...addTotals(transactionTotals, feedTotals), digests: byIndex.sort((a, b) => a.index - b.index).map((w) => w.digest) };

    const rollForwardExceptions = rollForward.status === 'PROVEN' ? 0 : 1;
    const exceptionCount =
      reconciliation.exceptions + crossCheck.exceptions + rollForwardExceptions + ledger.quarantined + ingest.quarantined + ingest.possiblyTruncated;
    const status = exceptionCount > 0 ? 'COMPLETED_WITH_EXCEPTIONS' : 'COMPLETED';
    progress.exceptions = exceptionCount;
    const { digests, ledgerDigests, ruleVersions: _versions, ...ingestCounts } = ingest;
    const summary: ReconcileSummary = {
      runId: workflowId,
      accountId: input.accountId,
      period: input.period,
      timeZone: input.timeZone,
      status,
      dryRun: input.dryRun ?? false,
      ...(input.types ? { types: input.types } : {}),
      ingest: { ...ingestCounts, bridgeWindows: bridgeWindows.length, digest: '' },
      periodWindows: period.windowIndexes,
      ledger,
      reconciliation,
      crossCheck,
      rollForward,
    };
    const recorded = await recordRun({ runId: workflowId, accountId: input.accountId, period: input.period, timeZone: input.timeZone, status, startedAtMs: startTime.getTime(), windowDigests: digests, ledgerDigests, summary: summary as unknown as Record<string, unknown> });
    summary.ingest.digest = recorded.ingestDigest;
    summary.ledger.digest = recorded.ledgerDigest;
    // Statements describe a whole period as reconciled; dry and partial runs write none.
    if (!summary.dryRun && !input.types) {
      progress.stage = 'rendering';
      summary.statements = await renderStatements({ runId: workflowId, temporalRunId: workflowInfo().runId });
    }
    progress.stage = 'done';
    upsertSearchAttributes([
      { key: ReconStatus, value: status },
      { key: ReconExceptionCount, value: exceptionCount },
    ]);
    upsertMemo({
      ingestDigest: recorded.ingestDigest,
      ledgerDigest: ledger.digest,
      reconciliationDigest: reconciliation.digest,
      ...(summary.statements ? { traceSha256: summary.statements.trace.sha256, auditChainHash: summary.statements.chainHash } : {}),
    });
    return summary;
  } catch (error) {
    progress.stage = 'failed';
    upsertSearchAttributes([{ key: ReconStatus, value: 'FAILED' }]);
    throw error;
  }
}
