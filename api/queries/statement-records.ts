/**
 * The statements a run produced, as its audit record names them (`audit_chain`, kind
 * `statements`): every file with the SHA-256 and size `recon verify` checks, plus trace.json.
 */
import type { Db } from 'mongodb';
import { AUDIT_CHAIN, findLink, type AuditLink } from '../../lib/store/audit-chain';
import type { StatementsRecord } from '../../lib/statements/render';
import { statementsRecordId } from '../../lib/statements/render';
import { recordedRun } from './runs';

export interface StatementsLink extends AuditLink {
  record: StatementsRecord;
}

/** An account's statements records, newest link first; only `period`'s when given. */
export async function listStatementsRecords(db: Db, filter: { accountId: string; period?: string }, limit: number): Promise<StatementsLink[]> {
  const query = { accountId: filter.accountId, 'record.kind': 'statements', ...(filter.period ? { 'record.period': filter.period } : {}) };
  const links = await db.collection<AuditLink>(AUDIT_CHAIN).find(query).sort({ seq: -1 }).limit(limit).toArray();
  return links as StatementsLink[];
}

/** The statements record of one run, or undefined (no such run, or it rendered none: dry, partial or unfinished). */
export async function statementsRecordOfRun(db: Db, workflowId: string): Promise<StatementsLink | undefined> {
  const run = await recordedRun(db, workflowId);
  if (!run) return undefined;
  const link = await findLink(db, run.accountId, statementsRecordId(workflowId));
  return link?.record.kind === 'statements' ? (link as StatementsLink) : undefined;
}
