import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_MATCHING_RULES, matchRecords, type BookEntry, type BrokerRecord } from '../lib/ledger/matching';
import { postTransactionInForce } from '../lib/ledger/postings';
import { periodWindows } from '../lib/ledger/windows';
import { toDecimal } from '../lib/money';
import { bookEntriesBetween } from '../lib/store/books';
import { loadChartAndRules } from '../lib/store/chart';
import {
  saveLedgerEntries,
  saveMatching,
  saveRun,
  type ExceptionDocument,
  type LedgerEntryDocument,
  type MatchDocument,
  type PostingQuarantineDocument,
} from '../lib/store/reconciliation';
import { transactionsBetween } from '../lib/store/transactions';
import type { ActivityDeps } from './deps';
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
  windows: Array<{ index: number; fromMs: number; toMs: number }>;
}

export interface PeriodInput {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  /** Compute everything, write nothing (the ledger, matches and exceptions stay as they were). */
  dryRun?: boolean;
  /** Only these transaction types (a partial reconciliation); all when absent. */
  types?: string[];
}

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
  return {
    /** The period's windows in the account's time zone (luxon cannot run inside workflows). */
    async planPeriod(input: PlanPeriodInput): Promise<PeriodPlan> {
      try {
        checkTypes(input.types);
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, 'InvalidTypes');
      }
      const plan = periodWindows({ period: input.period, timeZone: input.timeZone, windowHours: input.windowHours, nowMs: Date.now() });
      return { startMs: plan.startMs, endMs: plan.endMs, windows: plan.windows.map(({ index, fromMs, toMs }) => ({ index, fromMs, toMs })) };
    },

    /** Posts every stored broker record of the period through the rules in force (idempotent by key). */
    async postLedger(input: PeriodInput): Promise<PostLedgerResult> {
      const { chart, ruleSets } = await loadChartAndRules(deps.db);
      const digest = createHash('sha256');
      const versions = new Set<number>();
      let posted = 0;
      let quarantined = 0;
      let entries: LedgerEntryDocument[] = [];
      let quarantine: PostingQuarantineDocument[] = [];
      const flush = async () => {
        if (!input.dryRun) await saveLedgerEntries(deps.db, entries, quarantine);
        entries = [];
        quarantine = [];
        heartbeat({ posted, quarantined });
      };
      for await (const tx of transactionsBetween(deps.db, input.accountId, input.fromMs, input.toMs, input.types)) {
        const outcome = postTransactionInForce({ key: tx.key, transactionType: tx.transactionType, amount: toDecimal(tx.amount), currency: tx.currency, bookedAtMs: tx.bookedAtMs }, ruleSets, { chart });
        if (outcome.kind === 'posted') {
          posted++;
          versions.add(outcome.entry.ruleVersion);
          entries.push({ _id: tx.key, accountId: input.accountId, bookedAtMs: tx.bookedAtMs, ...outcome.entry });
          digest.update(`${tx.key}:${outcome.entry.ruleVersion}\n`);
        } else {
          quarantined++;
          quarantine.push({ _id: tx.key, accountId: input.accountId, key: tx.key, transactionType: tx.transactionType, reason: outcome.reason });
          digest.update(`${tx.key}:quarantined\n`);
        }
        if (entries.length + quarantine.length >= BATCH) await flush();
      }
      await flush();
      return { posted, quarantined, ruleVersions: [...versions].sort((a, b) => a - b), digest: digest.digest('hex') };
    },

    /** Matches the period's broker records against the company's books and stores every match and exception. */
    async reconcilePeriod(input: PeriodInput): Promise<ReconcileResult> {
      const broker: BrokerRecord[] = [];
      for await (const tx of transactionsBetween(deps.db, input.accountId, input.fromMs, input.toMs, input.types)) {
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
      const result = matchRecords(broker, book, DEFAULT_MATCHING_RULES);

      const tag = { runId: input.runId, accountId: input.accountId };
      const matches: MatchDocument[] = result.matches.map((m) => ({ ...m, ...tag, _id: `${input.runId}:${m.matchId}`, differenceMinor: m.differenceMinor.toString() }));
      const exceptions: ExceptionDocument[] = result.exceptions.map((e) => ({ ...e, ...tag, _id: `${input.runId}:${e.exceptionId}`, differenceMinor: e.differenceMinor?.toString() }));
      if (!input.dryRun) await saveMatching(deps.db, matches, exceptions);

      const exceptionsByKind: Record<string, number> = {};
      for (const e of result.exceptions) exceptionsByKind[e.kind] = (exceptionsByKind[e.kind] ?? 0) + 1;
      return {
        brokerRecords: broker.length,
        bookEntries: book.length,
        matches: result.matches.length,
        matchedBrokerRecords: result.stats.matchedBrokerRecords,
        exceptions: result.exceptions.length,
        exceptionsByKind,
        rulesVersion: result.rulesVersion,
        // Over what was decided, not where it is stored: equal for re-runs of the same data.
        digest: createHash('sha256').update(JSON.stringify({ m: result.matches.map((m) => m.matchId), e: result.exceptions.map((e) => e.exceptionId) })).digest('hex'),
      };
    },

    /** Stores the run's summary (for `recon status` and the API); returns the SHA-256 over its windows' digests. */
    async recordRun(run: { runId: string; accountId: string; period: string; timeZone: string; status: string; startedAtMs: number; windowDigests: string[]; summary: Record<string, unknown> }): Promise<{ ingestDigest: string }> {
      const ingestDigest = createHash('sha256').update(run.windowDigests.join('\n')).digest('hex');
      const summary = { ...run.summary, ingest: { ...(run.summary.ingest as object), digest: ingestDigest } };
      await saveRun(deps.db, { _id: run.runId, accountId: run.accountId, period: run.period, timeZone: run.timeZone, status: run.status, startedAt: new Date(run.startedAtMs), finishedAt: new Date(), summary });
      return { ingestDigest };
    },
  };
}
