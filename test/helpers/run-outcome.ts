/**
 * What makes two reconciliation runs of the same month "the same result": the outcome of a run
 * that was disturbed (workers killed, the database restarted, broker faults) must equal the outcome
 * of an undisturbed run of the same month.
 *
 *   const outcome = await runOutcome(db, summary);          // after the run, from its database
 *   assert.deepEqual(outcomeDifferences(baseline, outcome), []);
 *
 * Beside it, for diagnostics: `retriedActivityAttempts(client, workflowIds)` counts the activity
 * attempts a run's histories record beyond the first, by activity type.
 *
 * Each run must have its own database (prepared alike: books, balance snapshots), hold one full
 * run of one account (not a dry run, not a `types` partial run), and both runs must use the same
 * configuration (legal entity, format options) and code.
 *
 * The outcome has four parts:
 *
 * - `summary`: what the workflow returned, less what legitimately depends on the run's history:
 *   the ingest, ledger and reconciliation digests, the counts (rows, windows, posted, quarantined,
 *   possibly truncated), exceptions by kind, the cross-check and the roll-forward. Left out:
 *   inserted / updated / unchanged (a retried window finds its rows already stored), requests,
 *   retries and session renewals (faults add them).
 * - `stored`: what the run left in its database, collection by collection: the document count, the
 *   number of distinct natural keys (transaction and ledger keys, match and exception ids), counts
 *   by transaction type, and a SHA-256 over every document's content in key order. Matches and
 *   exceptions are read for the run only and compared without their run id (their `_id` is
 *   `{runId}:{matchId}`); normalisation quarantine without the run id that recorded it. A changed
 *   field in any document changes the digest. `auditLinks` counts the run's audit-chain records.
 * - `statements`: the SHA-256 of every statement file (CSV, JSON, XLSX, PDF, journal), re-rendered
 *   from the run's database with the run's identity pinned (see below).
 * - `problems`: what is wrong with the run on its own, whatever the other run says: a duplicate
 *   (distinct keys fewer than documents, a transaction or ledger entry whose key is not its `_id`,
 *   more than one audit record), something missing (a period transaction neither posted nor
 *   quarantined, or in no match and no exception; a ledger entry without its transaction; stored
 *   counts that disagree with the summary), or recorded statement hashes that the stored data no
 *   longer reproduces. `outcomeDifferences` always reports them, for either run.
 *
 * Why the statements are re-rendered rather than their recorded hashes compared: every file carries
 * the run's identity (run / workflow id, Temporal run id, generatedAt = the run's finish time, the
 * audit-chain head it follows; lib/statements/load.ts, csv.ts, json.ts, pdf-layout.ts, xlsx.ts), so
 * two runs never hash alike byte for byte, even with the same workflow id in separate databases
 * (the Temporal run id and the finish time still differ). So the statement is loaded from each
 * run's database through lib/statements (the same `loadStatement` and `STATEMENT_FORMATS` the run
 * used), its header's identity fields and the chain head are set to fixed values, and every format
 * is rendered into a temporary directory and hashed: equal hashes mean equal bytes of everything
 * but the identity. In the same pass over the lines the files are also rendered with the run's own
 * identity (from its audit record), which must give the hashes the run recorded: so the pinned
 * files stand for exactly what the run wrote, and a database changed after the run is caught.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Db, Document } from 'mongodb';
import { periodWindows } from '../../lib/ledger/windows';
import type { Artifact } from '../../lib/statements/artifact';
import { canonicalJson } from '../../lib/statements/canonical-json';
import { STATEMENT_FORMATS, type FormatOptions, type StatementFormat } from '../../lib/statements/formats';
import { loadStatement } from '../../lib/statements/load';
import type { StatementSource } from '../../lib/statements/model';
import { runDirectoryName, statementsRecordId, type StatementsRecord } from '../../lib/statements/render';
import { withSharedLines } from '../../lib/statements/tee';
import { AUDIT_CHAIN, findLink, type AuditLink } from '../../lib/store/audit-chain';
import { EXCEPTIONS, LEDGER_ENTRIES, MATCHES, POSTING_QUARANTINE } from '../../lib/store/reconciliation';
import { QUARANTINE, RAW_TRANSACTIONS, TRANSACTIONS } from '../../lib/store/transactions';
import type { ReconcileSummary } from '../../workflows/reconcile-account-period';

/** One collection's documents as the run left them. */
export interface StoredSet {
  count: number;
  /** Distinct natural keys; less than `count` means a duplicate. */
  distinct: number;
  /** SHA-256 over `key content-sha256` lines in key order (run ids left out). */
  digest: string;
  /** Documents per transaction type, where documents have one. */
  byType?: Record<string, number>;
}

export interface RunOutcome {
  /** Who the run was; never compared. */
  identity: { runId: string; temporalRunId: string };
  summary: {
    status: ReconcileSummary['status'];
    ingest: Pick<ReconcileSummary['ingest'], 'digest' | 'windows' | 'bridgeWindows' | 'rows' | 'quarantined' | 'positionRows' | 'posted' | 'postingQuarantined' | 'possiblyTruncated'>;
    ledger: ReconcileSummary['ledger'];
    reconciliation: ReconcileSummary['reconciliation'];
    crossCheck: ReconcileSummary['crossCheck'];
    rollForward: ReconcileSummary['rollForward'];
  };
  stored: {
    transactions: StoredSet;
    rawTransactions: StoredSet;
    quarantine: StoredSet;
    ledgerEntries: StoredSet;
    postingQuarantine: StoredSet;
    matches: StoredSet;
    exceptions: StoredSet;
    /** Audit-chain records of the run's statements (exactly one). */
    auditLinks: number;
  };
  /** Statement file → SHA-256, rendered with the run's identity pinned. */
  statements: Record<string, string>;
  /** What is wrong with this run on its own (duplicates, missing records, hashes not reproduced). */
  problems: string[];
}

/** The identity every re-rendered statement is given, so two runs' files can be compared byte for byte. */
export const PINNED_IDENTITY = {
  generatedAt: '2000-01-01T00:00:00.000Z',
  runId: 'run-outcome:pinned',
  workflowId: 'run-outcome:pinned',
  temporalRunId: '00000000-0000-0000-0000-000000000000',
  chainHead: 'f'.repeat(64),
} as const;

/** Differences listed one per path, at most this many (then a count of the rest). */
const DIFFERENCES_MAX = 40;
/** Problems of one kind listed by key, at most this many. */
const EXAMPLES_MAX = 5;

/** Reads what the run left behind (its summary, its database, its statements re-rendered). */
export async function runOutcome(db: Db, summary: ReconcileSummary): Promise<RunOutcome> {
  if (summary.dryRun || summary.types) throw new Error(`runOutcome compares full runs; ${summary.runId} was ${summary.dryRun ? 'a dry run' : 'a partial run'}`);
  if (!summary.statements) throw new Error(`run ${summary.runId} recorded no statements`);
  const problems: string[] = [];
  const { startMs, endMs } = periodWindows({ period: summary.period, timeZone: summary.timeZone });

  const keyNotId: string[] = [];
  const ledgerKeys = new Set<string>();
  const ledgerEntries = await storedSet(db, LEDGER_ENTRIES, {}, (doc) => {
    ledgerKeys.add(String(doc.key));
    if (doc.key !== doc._id) keyNotId.push(`ledger entry ${String(doc._id)}`);
    return { key: String(doc._id), type: String(doc.transactionType) };
  });
  const postingQuarantineKeys = new Set<string>();
  const postingQuarantine = await storedSet(db, POSTING_QUARANTINE, {}, (doc) => {
    postingQuarantineKeys.add(String(doc._id));
    return { key: String(doc._id), type: String(doc.transactionType) };
  });
  const coveredKeys = new Set<string>();
  const cover = (doc: Document) => (doc.brokerKeys as string[] | undefined)?.forEach((key) => coveredKeys.add(key));
  const matches = await storedSet(db, MATCHES, { runId: summary.runId }, (doc) => {
    cover(doc);
    return { key: String(doc.matchId), omit: ['_id', 'runId'] };
  });
  const exceptions = await storedSet(db, EXCEPTIONS, { runId: summary.runId }, (doc) => {
    cover(doc);
    return { key: String(doc.exceptionId), omit: ['_id', 'runId'] };
  });

  const notPosted: string[] = [];
  const notReconciled: string[] = [];
  const transactionKeys = new Set<string>();
  const transactions = await storedSet(db, TRANSACTIONS, {}, (doc) => {
    const key = String(doc._id);
    transactionKeys.add(key);
    if (doc.key !== doc._id) keyNotId.push(`transaction ${key}`);
    const bookedAtMs = doc.bookedAtMs as number;
    if (bookedAtMs >= startMs && bookedAtMs < endMs) {
      if (!ledgerKeys.has(key) && !postingQuarantineKeys.has(key)) notPosted.push(key);
      if (!coveredKeys.has(key)) notReconciled.push(key);
    }
    return { key, type: String(doc.transactionType) };
  });
  const rawTransactions = await storedSet(db, RAW_TRANSACTIONS, {}, (doc) => ({ key: String(doc._id) }));
  const quarantine = await storedSet(db, QUARANTINE, {}, (doc) => ({ key: String(doc._id), omit: ['runId'] }));
  const orphans = [...ledgerKeys, ...postingQuarantineKeys].filter((key) => !transactionKeys.has(key));
  const auditLinks = await db.collection<AuditLink>(AUDIT_CHAIN).countDocuments({ accountId: summary.accountId, recordId: statementsRecordId(summary.runId) });

  const listed = (keys: readonly string[]) => `${keys.slice(0, EXAMPLES_MAX).join(', ')}${keys.length > EXAMPLES_MAX ? `, … (${keys.length} in all)` : ''}`;
  if (keyNotId.length > 0) problems.push(`${keyNotId.length} document(s) whose key is not their _id: ${listed(keyNotId)}`);
  if (notPosted.length > 0) problems.push(`${notPosted.length} period transaction(s) neither posted nor quarantined: ${listed(notPosted)}`);
  if (notReconciled.length > 0) problems.push(`${notReconciled.length} period transaction(s) in no match and no exception: ${listed(notReconciled)}`);
  if (orphans.length > 0) problems.push(`${orphans.length} ledger entr(ies) or posting quarantine record(s) without their transaction: ${listed(orphans)}`);
  const sets = { transactions, rawTransactions, quarantine, ledgerEntries, postingQuarantine, matches, exceptions };
  for (const [name, set] of Object.entries(sets)) {
    if (set.distinct !== set.count) problems.push(`${name}: ${set.count} documents but ${set.distinct} distinct keys (duplicates)`);
  }
  if (auditLinks !== 1) problems.push(`${auditLinks} audit-chain records of the run's statements (expected exactly one)`);
  const rollForwardException = summary.rollForward.status === 'PROVEN' ? 0 : 1;
  const expectedCounts: Array<[string, number, number]> = [
    ['ledger entries vs summary.ledger.posted', ledgerEntries.count, summary.ledger.posted],
    ['posting quarantine vs summary.ledger.quarantined', postingQuarantine.count, summary.ledger.quarantined],
    ['matches vs summary.reconciliation.matches', matches.count, summary.reconciliation.matches],
    ['exceptions vs matching + cross-check + roll-forward exceptions', exceptions.count, summary.reconciliation.exceptions + summary.crossCheck.exceptions + rollForwardException],
  ];
  for (const [what, stored, expected] of expectedCounts) if (stored !== expected) problems.push(`${what}: ${stored} stored, ${expected} expected`);

  const statements = await renderedStatements(db, summary, problems);
  const { ingest } = summary;
  return {
    identity: { runId: summary.runId, temporalRunId: statements.temporalRunId },
    summary: {
      status: summary.status,
      ingest: { digest: ingest.digest, windows: ingest.windows, bridgeWindows: ingest.bridgeWindows, rows: ingest.rows, quarantined: ingest.quarantined, positionRows: ingest.positionRows, posted: ingest.posted, postingQuarantined: ingest.postingQuarantined, possiblyTruncated: ingest.possiblyTruncated },
      ledger: summary.ledger,
      reconciliation: summary.reconciliation,
      crossCheck: summary.crossCheck,
      rollForward: summary.rollForward,
    },
    stored: { ...sets, auditLinks },
    statements: statements.pinned,
    problems,
  };
}

/**
 * How `actual` differs from `expected`, one sentence per difference (empty: the same result).
 * Both runs' problems are listed too: a problem in the baseline is a problem as well.
 */
export function outcomeDifferences(expected: RunOutcome, actual: RunOutcome): string[] {
  const differences = [...expected.problems.map((p) => `baseline run ${expected.identity.runId}: ${p}`), ...actual.problems.map((p) => `run ${actual.identity.runId}: ${p}`)];
  const compared = (outcome: RunOutcome) => flatten({ summary: outcome.summary, stored: outcome.stored, statements: outcome.statements });
  const before = compared(expected);
  const after = compared(actual);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed = paths.filter((p) => before.get(p) !== after.get(p));
  for (const p of changed.slice(0, DIFFERENCES_MAX)) differences.push(`${p}: expected ${before.get(p) ?? '(absent)'}, got ${after.get(p) ?? '(absent)'}`);
  if (changed.length > DIFFERENCES_MAX) differences.push(`… and ${changed.length - DIFFERENCES_MAX} more differences`);
  return differences;
}

/** Leaf values by dotted path (`stored.ledgerEntries.digest`), as canonical JSON text. */
function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, member]) => member !== undefined);
    if (entries.length === 0) into.set(prefix, '{}');
    for (const [key, member] of entries) flatten(member, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, canonicalJson(value));
  }
  return into;
}

/**
 * Reads a collection (with `filter`) once: `describe` names each document's natural key, its
 * transaction type if it has one, and the fields left out of its content (run-specific).
 */
async function storedSet(db: Db, collection: string, filter: Document, describe: (doc: Document) => { key: string; type?: string; omit?: readonly string[] }): Promise<StoredSet> {
  const lines: string[] = [];
  const keys = new Set<string>();
  const byType: Record<string, number> = {};
  let typed = false;
  for await (const doc of db.collection(collection).find(filter, { batchSize: 1_000 })) {
    const { key, type, omit = [] } = describe(doc);
    const content = Object.fromEntries(Object.entries(doc).filter(([field]) => !omit.includes(field)));
    lines.push(`${key} ${createHash('sha256').update(canonicalJson(content)).digest('hex')}\n`);
    keys.add(key);
    if (type !== undefined) {
      typed = true;
      byType[type] = (byType[type] ?? 0) + 1;
    }
  }
  lines.sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  const sortedTypes = Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)));
  return { count: lines.length, distinct: keys.size, digest: hash.digest('hex'), ...(typed ? { byType: sortedTypes } : {}) };
}

/**
 * Renders every format twice in one pass over the lines: with the run's own identity (must give
 * the recorded hashes) and with the identity pinned (what two runs are compared on).
 */
async function renderedStatements(db: Db, summary: ReconcileSummary, problems: string[]): Promise<{ pinned: Record<string, string>; temporalRunId: string }> {
  const link = await findLink(db, summary.accountId, statementsRecordId(summary.runId));
  if (!link) throw new Error(`run ${summary.runId} has no audit record of its statements`);
  const record = link.record as StatementsRecord;
  const source = await loadStatement(db, { runId: summary.runId, temporalRunId: record.temporalRunId, legalEntity: record.legalEntity, codeVersion: record.codeVersion, chainHead: link.prevHash });
  const { chainHead, ...identity } = PINNED_IDENTITY;
  const pinnedStatement = { ...source.statement, header: { ...source.statement.header, ...identity }, audit: { ...source.statement.audit, chainHead } };
  const formatOptions: FormatOptions = record.formatOptions ?? {};
  const formats = Object.keys(STATEMENT_FORMATS) as StatementFormat[];
  const base = `statement-${runDirectoryName(`${summary.accountId}-${summary.period}`)}`;
  const root = await mkdtemp(path.join(tmpdir(), 'recon-run-outcome-'));
  try {
    const own = path.join(root, 'own');
    const pinned = path.join(root, 'pinned');
    await mkdir(own);
    await mkdir(pinned);
    const render = (dir: string, pin: boolean) => (format: StatementFormat) => (view: StatementSource) =>
      STATEMENT_FORMATS[format](pin ? { statement: pinnedStatement, lines: view.lines } : view, dir, base, formatOptions);
    const outputs = await withSharedLines<Artifact[]>(source, [...formats.map(render(own, false)), ...formats.map(render(pinned, true))]);
    const ownArtifacts = outputs.slice(0, formats.length).flat();
    const pinnedArtifacts = outputs.slice(formats.length).flat();
    const recorded = new Map((summary.statements?.artifacts ?? []).map((a) => [a.file, a.sha256]));
    const reproduced = new Map(ownArtifacts.map((a) => [a.file, a.sha256]));
    for (const file of new Set([...recorded.keys(), ...reproduced.keys()])) {
      if (recorded.get(file) !== reproduced.get(file)) problems.push(`statement ${file}: recorded sha256 ${recorded.get(file) ?? '(none)'}, the stored data renders ${reproduced.get(file) ?? '(no such file)'}`);
    }
    return { pinned: Object.fromEntries(pinnedArtifacts.map((a) => [a.file, a.sha256]).sort(([a], [b]) => (a as string).localeCompare(b as string))), temporalRunId: record.temporalRunId };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Activity attempts beyond the first, by activity type, in the histories of `workflowIds` (a run
 * and its ingest slices, `{runId}:ingest:{n}`). A history records an activity's started event
 * only with the attempt that finished it, so its attempt number minus one is what was retried.
 */
export async function retriedActivityAttempts(client: Client, workflowIds: readonly string[]): Promise<Record<string, number>> {
  const retried: Record<string, number> = {};
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const typeOf = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
        retried[type] = (retried[type] ?? 0) + (started.attempt ?? 1) - 1;
      }
    }
  }
  return retried;
}
