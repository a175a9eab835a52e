/**
 * `recon verify`: are these statements what the run produced, and does the store still say so?
 *
 * From the files alone: `audit-record.json` hashes to its link hash, and `trace.json` and every
 * artifact hash to what that record says. With the database as well:
 * 1. the account's audit chain holds from genesis (every hash recomputed) and contains that link;
 * 2. the statement re-derived from the run's stored records (the records its period windows kept
 *    as posted, its exceptions, its summary) gives the recorded digests of each section and lines;
 * 3. the books (the period's stored transactions and ledger entries) still agree with those
 *    records, each difference named.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from 'mongodb';
import { findLink, linkHash, verifyChain, type AuditLink } from '../store/audit-chain';
import type { Artifact } from './artifact';
import { checkBooksAgainstRun } from './books-check';
import { loadStatement, StatementDataError } from './load';
import type { Statement } from './model';
import { AUDIT_RECORD_FILE, linesDigest, sectionDigests, type StatementsRecord } from './render';
import { sha256Of } from './trace';

export interface VerifyCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  runId?: string;
  /** The link hash the files claim: compare it with the run's memo in Temporal when checking offline. */
  linkHash?: string;
  /** Whether the store and the chain were checked too. */
  againstStore: boolean;
  checks: VerifyCheck[];
}

async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return hash.digest('hex');
}

async function checkFile(dir: string, artifact: Artifact): Promise<VerifyCheck> {
  const actual = await fileSha256(path.join(dir, artifact.file));
  if (actual === undefined) return { check: artifact.file, ok: false, detail: `missing from ${dir}` };
  return actual === artifact.sha256
    ? { check: artifact.file, ok: true, detail: `sha256 ${actual}` }
    : { check: artifact.file, ok: false, detail: `was changed: sha256 ${actual}, the audit record says ${artifact.sha256}` };
}

/** Which sections of the statement no longer agree with the store (more useful than "digest differs"). */
function differingSections(statement: Statement, recorded: Record<string, string>): string {
  const now = sectionDigests(statement);
  const differing = Object.keys({ ...now, ...recorded }).filter((key) => now[key] !== recorded[key]);
  return `the stored records no longer give the printed statement: ${differing.join(', ') || 'its digest'} differ`;
}

async function checkAgainstStore(db: Db, link: AuditLink, checks: VerifyCheck[]): Promise<void> {
  const chain = await verifyChain(db, link.accountId);
  checks.push(chain.problem ? { check: 'audit chain', ok: false, detail: chain.problem } : { check: 'audit chain', ok: true, detail: `${chain.links} links from genesis to ${chain.head}` });
  const stored = await findLink(db, link.accountId, link.recordId);
  if (!stored || stored.hash !== link.hash) {
    checks.push({ check: 'audit record in the chain', ok: false, detail: stored ? `the chain holds ${stored.hash} for ${link.recordId}, the files ${link.hash}` : `no ${link.recordId} in the chain of ${link.accountId}` });
    return;
  }
  checks.push({ check: 'audit record in the chain', ok: true, detail: `link ${stored.seq}` });
  try {
    await checkRunRecords(db, stored, checks);
  } catch (error) {
    if (!(error instanceof StatementDataError)) throw error;
    checks.push({ check: 'statement from stored records', ok: false, detail: error.message });
  }
}

/** The statement re-derived from the run's records, and the books against those records. */
async function checkRunRecords(db: Db, stored: AuditLink, checks: VerifyCheck[]): Promise<void> {
  const record = stored.record as StatementsRecord;
  const source = await loadStatement(db, { runId: record.runId, temporalRunId: record.temporalRunId, legalEntity: record.legalEntity, codeVersion: record.codeVersion, chainHead: stored.prevHash });
  const statementSha256 = sha256Of(source.statement);
  checks.push(
    statementSha256 === record.statementSha256
      ? { check: 'statement from stored records', ok: true, detail: `totals, roll-forward and exceptions re-derived: sha256 ${statementSha256}` }
      : { check: 'statement from stored records', ok: false, detail: differingSections(source.statement, record.sectionSha256) },
  );
  const lines = await linesDigest(source);
  checks.push(
    lines === record.linesSha256
      ? { check: 'lines from stored records', ok: true, detail: `${source.statement.lineCount} lines re-derived: sha256 ${lines}` }
      : { check: 'lines from stored records', ok: false, detail: `the run's stored records or exceptions no longer give the statement's lines (sha256 ${lines}, recorded ${record.linesSha256})` },
  );
  const books = await checkBooksAgainstRun(db, record.runId);
  checks.push(
    books.differenceCount === 0
      ? { check: 'books agree with the statement', ok: true, detail: `the period's stored transactions and ledger entries are the ${books.records} records the statement was printed from` }
      : { check: 'books agree with the statement', ok: false, detail: `${books.differenceCount} difference(s) between the books and the ${books.records} records the statement was printed from: ${books.differences.join('; ')}${books.differenceCount > books.differences.length ? '; …' : ''}` },
  );
}

export async function verifyStatements(dir: string, db?: Db): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  let link: AuditLink;
  try {
    link = JSON.parse(await readFile(path.join(dir, AUDIT_RECORD_FILE), 'utf8')) as AuditLink;
  } catch (error) {
    return { ok: false, againstStore: false, checks: [{ check: AUDIT_RECORD_FILE, ok: false, detail: `cannot read ${path.join(dir, AUDIT_RECORD_FILE)}: ${(error as Error).message}` }] };
  }
  const record = link.record as StatementsRecord | undefined;
  if (!record?.trace || !Array.isArray(record.artifacts)) return { ok: false, againstStore: false, checks: [{ check: AUDIT_RECORD_FILE, ok: false, detail: 'not a capital-recon statements record' }] };
  const recomputed = linkHash(link.prevHash, link.record);
  checks.push(recomputed === link.hash ? { check: AUDIT_RECORD_FILE, ok: true, detail: `link ${link.seq} of ${link.accountId}: ${link.hash}` } : { check: AUDIT_RECORD_FILE, ok: false, detail: `was changed: its record hashes to ${recomputed}, not ${link.hash}` });
  checks.push(await checkFile(dir, record.trace));
  for (const artifact of record.artifacts) checks.push(await checkFile(dir, artifact));
  if (db) await checkAgainstStore(db, link, checks);
  return { ok: checks.every((c) => c.ok), runId: record.runId, linkHash: link.hash, againstStore: db !== undefined, checks };
}
