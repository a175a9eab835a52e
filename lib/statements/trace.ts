/**
 * A run's proof trace (`trace.json`): how every number in the statements was obtained. Every
 * window's query parameters and requests with their gap-detection verdicts, the references it
 * returned, counts, retries and session renewals; the balance snapshots behind the roll-forward;
 * the digests of the inputs and of every artifact. It is built from stored records only and
 * contains no secrets (the store never holds any).
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { RUNS, type RunDocument } from '../store/reconciliation';
import { WINDOW_TRACES, type WindowRequest, type WindowTraceDocument } from '../store/transactions';
import type { Artifact } from './artifact';
import { canonicalJson } from './canonical-json';
import type { Statement } from './model';

export const TRACE_FILE = 'trace.json';
/** 2: windows read the activity feed and post their rows (request paths, position rows, postings). */
export const TRACE_VERSION = 2;

export interface TraceWindow {
  index: number;
  from: string;
  to: string;
  requests: Array<{ path: string; from: string; to: string; query: WindowRequest['query']; rows: number; verdict: string }>;
  rowCount: number;
  /** POSITION rows of the activity feed the window read for the cross-check. */
  positionRows: number;
  stored: { inserted: number; updated: number; unchanged: number };
  quarantined: number;
  /** Present when the window posted its rows to the ledger. */
  posting?: { posted: number; quarantined: number; digest: string };
  retries: number;
  sessionRenewals: number;
  possiblyTruncated: string[];
  references: string[];
  digest: string;
}

export interface RunTrace {
  traceVersion: number;
  runId: string;
  temporalRunId: string;
  accountId: string;
  period: string;
  timeZone: string;
  status: string;
  startedAt: string;
  finishedAt: string;
  codeVersion: string;
  summary: Record<string, unknown>;
  windows: TraceWindow[];
  /** What was done, in order, one line per request (derived from the stored window traces). */
  log: string[];
  inputs: {
    /** SHA-256 over the period's raw broker rows' SHA-256s, in statement line order. */
    rawInputsSha256: string;
    /** SHA-256 over the window digests, in window order (the run's ingest digest). */
    ingestDigest: string;
  };
  /** SHA-256 of the canonical statement (header, totals, roll-forward, exceptions…) and of its lines. */
  statementSha256: string;
  linesSha256: string;
  artifacts: Artifact[];
  chain: { accountId: string; recordId: string; prevHash: string };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export async function traceWindows(db: Db, runId: string): Promise<TraceWindow[]> {
  const windows: TraceWindow[] = [];
  for await (const w of db.collection<WindowTraceDocument>(WINDOW_TRACES).find({ runId }).sort({ windowIndex: 1 })) {
    windows.push({
      index: w.windowIndex,
      from: iso(w.fromMs),
      to: iso(w.toMs),
      requests: w.requests.map((r) => ({ path: r.path ?? '/history/transactions', from: iso(r.fromMs), to: iso(r.toMs), query: r.query, rows: r.rows, verdict: r.verdict })),
      rowCount: w.rowCount,
      positionRows: w.positionRows ?? 0,
      stored: w.stored,
      quarantined: w.quarantined,
      ...(w.posting ? { posting: w.posting } : {}),
      retries: w.retries,
      sessionRenewals: w.sessionRenewals,
      possiblyTruncated: w.possiblyTruncated,
      references: w.references,
      digest: w.digest,
    });
  }
  return windows;
}

function logLines(windows: readonly TraceWindow[]): string[] {
  return windows.flatMap((w) => [
    ...w.requests.map((r) => `window ${w.index}: GET ${r.path} from=${r.query.from} to=${r.query.to}${r.query.type ? ` type=${r.query.type}` : ''}${r.query.filter ? ` filter=${r.query.filter}` : ''} → ${r.rows} rows, ${r.verdict}`),
    `window ${w.index}: ${w.rowCount} rows kept (${w.stored.inserted} new, ${w.stored.updated} changed, ${w.stored.unchanged} unchanged, ${w.quarantined} quarantined), ${w.positionRows} position rows; ${w.posting ? `${w.posting.posted} posted, ${w.posting.quarantined} without a posting rule; ` : ''}${w.retries} retries, ${w.sessionRenewals} session renewals`,
  ]);
}

export async function buildTrace(
  db: Db,
  input: { runId: string; temporalRunId: string; codeVersion: string; statement: Statement; linesSha256: string; artifacts: Artifact[]; chain: RunTrace['chain'] },
): Promise<RunTrace> {
  const run = await db.collection<RunDocument>(RUNS).findOne({ _id: input.runId });
  if (!run) throw new Error(`no recorded run ${input.runId}`);
  const windows = await traceWindows(db, input.runId);
  const { statements: _own, ...summary } = run.summary as Record<string, unknown>;
  return {
    traceVersion: TRACE_VERSION,
    runId: input.runId,
    temporalRunId: input.temporalRunId,
    accountId: run.accountId,
    period: run.period,
    timeZone: run.timeZone,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    codeVersion: input.codeVersion,
    summary,
    windows,
    log: logLines(windows),
    inputs: {
      rawInputsSha256: input.statement.audit.rawInputsSha256,
      ingestDigest: createHash('sha256').update(windows.map((w) => w.digest).join('\n')).digest('hex'),
    },
    statementSha256: sha256Of(input.statement),
    linesSha256: input.linesSha256,
    artifacts: input.artifacts,
    chain: input.chain,
  };
}

export function sha256Of(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
