/**
 * A run's proof trace (`trace.json`): how every number in the statements was obtained. Every
 * window's query parameters and requests with their gap-detection verdicts, the references it
 * returned, counts, retries and session renewals; the balance snapshots behind the roll-forward;
 * the digests of the inputs and of every artifact. It is built from stored records only and
 * contains no secrets (the store never holds any).
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Db } from 'mongodb';
import { RUNS, type RunDocument } from '../store/reconciliation';
import { WINDOW_TRACES, type WindowRequest, type WindowTraceDocument } from '../store/transactions';
import type { Artifact } from './artifact';
import { canonicalJson } from './canonical-json';
import type { Statement } from './model';
import { ChunkedTextWriter } from './text';

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

/** The run's window traces in window order, one at a time (a window lists every reference it read). */
async function* traceWindows(db: Db, runId: string): AsyncGenerator<TraceWindow> {
  const cursor = db.collection<WindowTraceDocument>(WINDOW_TRACES).find({ runId }, { batchSize: WINDOW_BATCH }).sort({ windowIndex: 1 });
  for await (const w of cursor) {
    yield {
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
    };
  }
}

/** Window traces per cursor batch: each holds its window's references (thousands on a busy day). */
const WINDOW_BATCH = 8;
const INDENT = 2;

function logLines(w: TraceWindow): string[] {
  return [
    ...w.requests.map((r) => `window ${w.index}: GET ${r.path} from=${r.query.from} to=${r.query.to}${r.query.type ? ` type=${r.query.type}` : ''}${r.query.filter ? ` filter=${r.query.filter}` : ''} → ${r.rows} rows, ${r.verdict}`),
    `window ${w.index}: ${w.rowCount} rows kept (${w.stored.inserted} new, ${w.stored.updated} changed, ${w.stored.unchanged} unchanged, ${w.quarantined} quarantined), ${w.positionRows} position rows${w.posting ? `; ${w.posting.posted} posted, ${w.posting.quarantined} without a posting rule` : ''}; ${w.retries} retries, ${w.sessionRenewals} session renewals`,
  ];
}

/** `value` as JSON.stringify(…, null, 2) writes it one level down (strings never hold a raw newline). */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, INDENT).replace(/\n/g, `\n${' '.repeat(INDENT * depth)}`);
}

export interface TraceInput {
  runId: string;
  temporalRunId: string;
  codeVersion: string;
  statement: Statement;
  linesSha256: string;
  artifacts: Artifact[];
  chain: RunTrace['chain'];
}

/**
 * Writes `trace.json`: exactly `JSON.stringify(trace, null, 2)` and a newline for the `RunTrace`
 * it describes, but streamed, a window at a time: the windows' references (every record of the
 * month) never sit in memory at once. The log (a line per request) and the window digests are
 * small and are kept until their place in the document.
 */
export async function writeTrace(db: Db, input: TraceInput, out: Writable): Promise<void> {
  const run = await db.collection<RunDocument>(RUNS).findOne({ _id: input.runId });
  if (!run) throw new Error(`no recorded run ${input.runId}`);
  const { statements: _own, ...summary } = run.summary as Record<string, unknown>;
  const sink = new ChunkedTextWriter(out);
  const field = (key: keyof RunTrace, value: unknown, last = false) => sink.write(`  ${JSON.stringify(key)}: ${nested(value, 1)}${last ? '\n' : ',\n'}`);
  const list = async (key: keyof RunTrace, items: AsyncIterable<unknown> | Iterable<unknown>) => {
    let first = true;
    for await (const item of items) {
      await sink.write(`${first ? `  ${JSON.stringify(key)}: [` : ','}\n    ${nested(item, 2)}`);
      first = false;
    }
    await sink.write(first ? `  ${JSON.stringify(key)}: [],\n` : '\n  ],\n');
  };

  await sink.write('{\n');
  await field('traceVersion', TRACE_VERSION);
  await field('runId', input.runId);
  await field('temporalRunId', input.temporalRunId);
  await field('accountId', run.accountId);
  await field('period', run.period);
  await field('timeZone', run.timeZone);
  await field('status', run.status);
  await field('startedAt', run.startedAt.toISOString());
  await field('finishedAt', run.finishedAt.toISOString());
  await field('codeVersion', input.codeVersion);
  await field('summary', summary);
  const digests: string[] = [];
  const log: string[] = [];
  await list(
    'windows',
    (async function* () {
      for await (const w of traceWindows(db, input.runId)) {
        digests.push(w.digest);
        log.push(...logLines(w));
        yield w;
      }
    })(),
  );
  await list('log', log);
  await field('inputs', { rawInputsSha256: input.statement.audit.rawInputsSha256, ingestDigest: createHash('sha256').update(digests.join('\n')).digest('hex') });
  await field('statementSha256', sha256Of(input.statement));
  await field('linesSha256', input.linesSha256);
  await field('artifacts', input.artifacts);
  await field('chain', input.chain, true);
  await sink.write('}\n');
  await sink.flush();
}

export function sha256Of(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
