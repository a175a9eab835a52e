import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_MATCHING_RULES, matchRecords, type BookEntry, type BrokerRecord } from '../lib/ledger/matching';
import { periodWindows } from '../lib/ledger/windows';
import { splitWindow } from '../lib/capital/broker-time';
import { ACTIVITY_MAX_SPAN_MS } from '../lib/capital/client';
import { crossCheckSpan } from '../lib/ledger/activity-cross-check';
import { bookEntriesBetween } from '../lib/store/books';
import {
  saveMatching,
  saveRun,
  type ExceptionDocument,
  type MatchDocument,
} from '../lib/store/reconciliation';
import { windowRows } from '../lib/store/window-records';
import type { ActivityDeps } from './deps';
import type { WindowRead } from './ingest';
import { heartbeat } from './heartbeat';

export interface PlanPeriodInput {
  period: string;
  timeZone: string;
  windowHours?: number;
  /** Checked here (the workflow cannot): non-empty, distinct, transactionType-shaped. */
  types?: string[];
}

const TRANSACTION_TYPE_SHAPE = /^[A-Z][A-Z0-9_]*$/;

export function checkTypes(types: readonly string[] | undefined): void {
  if (types === undefined) return;
  const bad = types.filter((t) => !TRANSACTION_TYPE_SHAPE.test(t));
  if (types.length === 0 || bad.length > 0 || new Set(types).size !== types.length) {
    throw new Error(`types must be distinct transactionType values such as DEPOSIT or TRADE_COMMISSION${bad.length ? `; not: ${bad.join(', ')}` : types.length === 0 ? '; the list is empty' : '; there are duplicates'}`);
  }
}

export interface PeriodPlan {
  startMs: number;
  endMs: number;
  /** What the run reads, indexed: the period's windows, then (when TRADE is reconciled) what the cross-check needs. */
  windows: PlannedWindow[];
}

export interface PlannedWindow {
  index: number;
  fromMs: number;
  toMs: number;
  /**
   * `period`: tiles the period; `around-period`: the tolerance before and after it, for trades
   * whose close is on the other side; `activity-feed`: the feed's POSITION rows over the period,
   * its look-back and the tolerance after it, a day at most each.
   */
  purpose: 'period' | 'around-period' | 'activity-feed';
  reads: WindowRead[];
  post: boolean;
}

export interface PeriodInput {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  /** The run's windows that tile the period: their records are the period's broker records. */
  windowIndexes: number[];
  /** Compute everything, write nothing (the ledger, matches and exceptions stay as they were). */
  dryRun?: boolean;
  /** Only these transaction types (a partial reconciliation); all when absent. */
  types?: string[];
}

/** The ledger posted from the period's windows (each window posts what it ingests). */
export interface PostLedgerResult {
  posted: number;
  quarantined: number;
  ruleVersions: number[];
  digest: string;
}

export interface ReconcileResult {
  brokerRecords: number;
  bookEntries: number;
  matches: number;
  /** Broker records inside a match (each broker record is matched, an exception, or both). */
  matchedBrokerRecords: number;
  exceptions: number;
  exceptionsByKind: Record<string, number>;
  rulesVersion: string;
  digest: string;
}

const BATCH = 5_000;

function* mapLazily<T, U>(items: readonly T[], map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

/** SHA-256 of `{"m":[…match ids],"e":[…exception ids]}` as JSON, fed piece by piece (no month-sized string). */
function decisionsDigest(matchIds: readonly string[], exceptionIds: readonly string[]): string {
  const hash = createHash('sha256');
  const list = (ids: readonly string[]) => ids.forEach((id, i) => hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(id)}`));
  hash.update('{"m":[');
  list(matchIds);
  hash.update('],"e":[');
  list(exceptionIds);
  hash.update(']}');
  return hash.digest('hex');
}

/**
 * With a `types` filter, the book entries that belong to it: those that reference one of the
 * selected broker records, and unreferenced funding lines when SWAP is selected (they match daily
 * funding N:1). Other unreferenced lines cannot be attributed to a type and are left out.
 */
function bookEntryInScope(broker: readonly BrokerRecord[], types: readonly string[] | undefined): (entry: { brokerReferences: string[]; category: string }) => boolean {
  if (!types) return () => true;
  const references = new Set(broker.map((b) => b.reference));
  const funding = types.includes('SWAP') ? new Set(DEFAULT_MATCHING_RULES.fundingCategories) : new Set<string>();
  return (entry) => (entry.brokerReferences.length > 0 ? entry.brokerReferences.some((r) => references.has(r)) : funding.has(entry.category));
}

export function createReconcileActivities(deps: ActivityDeps) {
  /** The period's broker records matched against its book lines; both lists are released on return. */
  async function matchPeriod(input: PeriodInput) {
    const broker: BrokerRecord[] = [];
    for await (const tx of windowRows(deps.db, input.runId, input.windowIndexes, 'records')) {
      if (broker.length % BATCH === 0) heartbeat({ brokerRecords: broker.length });
      broker.push({ key: tx.key, reference: tx.reference, transactionType: tx.transactionType, bookedAtMs: tx.bookedAtMs, amountMinor: BigInt(tx.amountMinor), currency: tx.currency, ...(tx.dealId ? { dealId: tx.dealId } : {}) });
    }
    const book: BookEntry[] = [];
    const inScope = bookEntryInScope(broker, input.types);
    for await (const entry of bookEntriesBetween(deps.db, input.accountId, input.fromMs, input.toMs)) {
      if (book.length % BATCH === 0) heartbeat({ bookEntries: book.length });
      if (!inScope(entry)) continue;
      book.push({ entryId: entry.entryId, bookedAtMs: entry.bookedAt.getTime(), category: entry.category, amountMinor: BigInt(entry.amountMinor), currency: entry.currency, brokerReferences: entry.brokerReferences });
    }
    heartbeat({ brokerRecords: broker.length, bookEntries: book.length });
    return { result: matchRecords(broker, book, DEFAULT_MATCHING_RULES), brokerRecords: broker.length, bookEntries: book.length };
  }

  return {
    /** The period's windows in the account's time zone (luxon cannot run inside workflows). */
    async planPeriod(input: PlanPeriodInput): Promise<PeriodPlan> {
      try {
        checkTypes(input.types);
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, 'InvalidTypes');
      }
      const plan = periodWindows({ period: input.period, timeZone: input.timeZone, windowHours: input.windowHours, nowMs: Date.now() });
      // The cross-check pairs TRADE rows with the feed's closes: without TRADE it has nothing to read.
      const crossChecked = !input.types || input.types.includes('TRADE');
      const span = crossCheckSpan({ fromMs: plan.startMs, toMs: plan.endMs });
      const toleranceMs = span.toMs - plan.endMs;
      const windows: Array<Omit<PlannedWindow, 'index'>> = [
        ...plan.windows.map(({ fromMs, toMs }) => ({ fromMs, toMs, purpose: 'period' as const, reads: ['transactions'] as WindowRead[], post: true })),
        ...(crossChecked
          ? [
              // Pairs straddle the period's ends by up to the tolerance: the trades there are read too.
              ...[{ fromMs: plan.startMs - toleranceMs, toMs: plan.startMs }, { fromMs: plan.endMs, toMs: span.toMs }].map((w) => ({ ...w, purpose: 'around-period' as const, reads: ['transactions'] as WindowRead[], post: false })),
              ...splitWindow(span, ACTIVITY_MAX_SPAN_MS).map((w) => ({ ...w, purpose: 'activity-feed' as const, reads: ['positions'] as WindowRead[], post: false })),
            ]
          : []),
      ];
      return { startMs: plan.startMs, endMs: plan.endMs, windows: windows.map((w, index) => ({ index, ...w })) };
    },

    /** Matches the period's broker records against the company's books and stores every match and exception. */
    async reconcilePeriod(input: PeriodInput): Promise<ReconcileResult> {
      const { result, brokerRecords, bookEntries } = await matchPeriod(input);
      const tag = { runId: input.runId, accountId: input.accountId };
      // Documents are made as they are written, a batch at a time: the month's matches are not held twice.
      const matches = mapLazily(result.matches, (m): MatchDocument => ({ ...m, ...tag, _id: `${input.runId}:${m.matchId}`, differenceMinor: m.differenceMinor.toString() }));
      const exceptions = mapLazily(result.exceptions, (e): ExceptionDocument => ({ ...e, ...tag, _id: `${input.runId}:${e.exceptionId}`, differenceMinor: e.differenceMinor?.toString() }));
      if (!input.dryRun) await saveMatching(deps.db, matches, exceptions);

      const exceptionsByKind: Record<string, number> = {};
      for (const e of result.exceptions) exceptionsByKind[e.kind] = (exceptionsByKind[e.kind] ?? 0) + 1;
      return {
        brokerRecords,
        bookEntries,
        matches: result.matches.length,
        matchedBrokerRecords: result.stats.matchedBrokerRecords,
        exceptions: result.exceptions.length,
        exceptionsByKind,
        rulesVersion: result.rulesVersion,
        // Over what was decided, not where it is stored: equal for re-runs of the same data.
        digest: decisionsDigest(result.matches.map((m) => m.matchId), result.exceptions.map((e) => e.exceptionId)),
      };
    },

    /**
     * Stores the run's summary (for `recon status` and the API); returns the SHA-256 over its
     * windows' digests and over its posted windows' ledger digests, each in window order.
     */
    async recordRun(run: { runId: string; accountId: string; period: string; timeZone: string; status: string; startedAtMs: number; windowDigests: string[]; ledgerDigests: string[]; summary: Record<string, unknown> }): Promise<{ ingestDigest: string; ledgerDigest: string }> {
      const ingestDigest = createHash('sha256').update(run.windowDigests.join('\n')).digest('hex');
      const ledgerDigest = createHash('sha256').update(run.ledgerDigests.join('\n')).digest('hex');
      const summary = { ...run.summary, ingest: { ...(run.summary.ingest as object), digest: ingestDigest }, ledger: { ...(run.summary.ledger as object), digest: ledgerDigest } };
      await saveRun(deps.db, { _id: run.runId, accountId: run.accountId, period: run.period, timeZone: run.timeZone, status: run.status, startedAt: new Date(run.startedAtMs), finishedAt: new Date(), summary });
      return { ingestDigest, ledgerDigest };
    },
  };
}
