/**
 * Renders a recorded run's statements into `<dir>/<run>/`: every format from one snapshot of the
 * data, then `trace.json`, then one hash-chained audit record naming every file's SHA-256.
 * Rendering the same run again gives byte-identical files (the statement prints the chain head
 * its own record follows, which does not change once appended).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from 'mongodb';
import { appendAuditRecord, findLink, headHash } from '../store/audit-chain';
import { RUNS, type RunDocument } from '../store/reconciliation';
import { writeArtifact, type Artifact } from './artifact';
import { canonicalJson } from './canonical-json';
import { STATEMENT_FORMATS, type FormatOptions, type StatementFormat } from './formats';
import { loadStatement } from './load';
import type { Statement, StatementSource } from './model';
import { withSharedLines } from './tee';
import { sha256Of, TRACE_FILE, writeTrace } from './trace';

export interface RenderOptions {
  runId: string;
  temporalRunId: string;
  legalEntity: string;
  codeVersion: string;
  /** The statements directory; the run's files go into a sub-directory named after the run. */
  dir: string;
  formats?: readonly StatementFormat[];
  /** Ignored on a re-render: the recorded choices win, so the bytes repeat. */
  formatOptions?: FormatOptions;
  /** Called between formats and every few thousand lines (activities heartbeat here). */
  onProgress?: (progress: { stage: string; lines?: number }) => void;
}

const PROGRESS_EVERY_LINES = 5_000;

/** The same source, reporting how far each pass over the lines got. */
function tracked(source: StatementSource, stage: () => string, onProgress: RenderOptions['onProgress']): StatementSource {
  if (!onProgress) return source;
  return {
    statement: source.statement,
    async *lines() {
      let count = 0;
      for await (const line of source.lines()) {
        if (++count % PROGRESS_EVERY_LINES === 0) onProgress({ stage: stage(), lines: count });
        yield line;
      }
    },
  };
}

export interface RenderedStatements {
  dir: string;
  artifacts: Artifact[];
  trace: Artifact;
  chain: { seq: number; hash: string; prevHash: string };
}

/** Audit record inputs a verifier needs to re-derive the statement from the store. */
export interface StatementsRecord extends Record<string, unknown> {
  kind: 'statements';
  runId: string;
  temporalRunId: string;
  period: string;
  legalEntity: string;
  codeVersion: string;
  formatOptions: FormatOptions;
  rawInputsSha256: string;
  statementSha256: string;
  /** Per section of the statement (header, rollForward, totalsByType, …). */
  sectionSha256: Record<string, string>;
  linesSha256: string;
  artifacts: Artifact[];
  trace: Artifact;
}

export function sectionDigests(statement: Statement): Record<string, string> {
  return Object.fromEntries(Object.entries(statement).map(([section, value]) => [section, sha256Of(value)]));
}

/** A file-system-safe directory name for a run id (`recon:123:2025-01` → `recon_123_2025-01`). */
export const AUDIT_RECORD_FILE = 'audit-record.json';

export function runDirectoryName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function statementsRecordId(runId: string): string {
  return `statements:${runId}`;
}

export async function linesDigest(source: StatementSource): Promise<string> {
  const hash = createHash('sha256');
  for await (const line of source.lines()) hash.update(`${canonicalJson(line)}\n`);
  return hash.digest('hex');
}

export class RenderMismatchError extends Error {
  override name = 'RenderMismatchError';
}

/** A re-render must reproduce the recorded files exactly; anything else is reported, not hidden. */
function assertSameBytes(rendered: readonly Artifact[], recorded: readonly Artifact[]): void {
  const expected = new Map(recorded.map((a) => [a.file, a.sha256]));
  for (const artifact of rendered) {
    const sha256 = expected.get(artifact.file);
    if (sha256 !== undefined && sha256 !== artifact.sha256) {
      throw new RenderMismatchError(`re-rendering ${artifact.file} gave sha256 ${artifact.sha256}, but the audit record says ${sha256} (different code version, or the stored records changed: run recon verify)`);
    }
  }
}

export async function renderRunStatements(db: Db, options: RenderOptions): Promise<RenderedStatements> {
  const run = await db.collection<RunDocument>(RUNS).findOne({ _id: options.runId });
  if (!run) throw new Error(`no recorded run ${options.runId}`);
  const recordId = statementsRecordId(options.runId);
  const existing = await findLink(db, run.accountId, recordId);
  // A re-render prints the head its record already follows, so its bytes do not change.
  const chainHead = existing?.prevHash ?? (await headHash(db, run.accountId));
  const recorded = existing?.record as StatementsRecord | undefined;
  const codeVersion = recorded?.codeVersion ?? options.codeVersion;
  const legalEntity = recorded?.legalEntity ?? options.legalEntity;
  const temporalRunId = recorded?.temporalRunId ?? options.temporalRunId;
  const formatOptions = recorded?.formatOptions ?? options.formatOptions ?? {};
  let stage = 'loading';
  const source = tracked(await loadStatement(db, { runId: options.runId, temporalRunId, legalEntity, codeVersion, chainHead }), () => stage, options.onProgress);

  const dir = path.join(options.dir, runDirectoryName(options.runId));
  await mkdir(dir, { recursive: true });
  const base = `statement-${runDirectoryName(`${run.accountId}-${run.period}`)}`;
  // Every format and the lines digest share one read of the lines (the expensive part).
  stage = 'rendering';
  const formats = options.formats ?? (Object.keys(STATEMENT_FORMATS) as StatementFormat[]);
  const outputs = await withSharedLines<Artifact[] | string>(source, [
    ...formats.map((format) => (view: StatementSource) => STATEMENT_FORMATS[format](view, dir, base, formatOptions)),
    (view: StatementSource) => linesDigest(view),
  ]);
  const linesSha256 = outputs.pop() as string;
  const artifacts = (outputs as Artifact[][]).flat();
  if (recorded) assertSameBytes(artifacts, recorded.artifacts);
  const traceInput = { runId: options.runId, temporalRunId, codeVersion, statement: source.statement, linesSha256, artifacts: recorded?.artifacts ?? artifacts, chain: { accountId: run.accountId, recordId, prevHash: chainHead } };
  const traceArtifact = await writeArtifact(dir, TRACE_FILE, (out) => writeTrace(db, traceInput, out));

  if (recorded) assertSameBytes([traceArtifact], [recorded.trace]);
  const record: StatementsRecord = {
    kind: 'statements',
    runId: options.runId,
    temporalRunId,
    period: run.period,
    legalEntity,
    codeVersion,
    formatOptions,
    rawInputsSha256: source.statement.audit.rawInputsSha256,
    statementSha256: sha256Of(source.statement),
    sectionSha256: sectionDigests(source.statement),
    linesSha256,
    artifacts,
    trace: traceArtifact,
  };
  const link = existing ?? (await appendAuditRecord(db, run.accountId, recordId, record, chainHead));
  // The link beside the files: they can be checked without the database (recon verify).
  await writeArtifact(dir, AUDIT_RECORD_FILE, async (out) => {
    out.end(`${JSON.stringify(link, null, 2)}\n`);
  });
  const rendered = { dir, artifacts: recorded?.artifacts ?? artifacts, trace: traceArtifact, chain: { seq: link.seq, hash: link.hash, prevHash: link.prevHash } };
  await db.collection<RunDocument>(RUNS).updateOne({ _id: options.runId }, { $set: { 'summary.statements': rendered } });
  return rendered;
}
