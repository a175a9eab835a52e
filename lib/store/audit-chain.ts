/**
 * The append-only audit chain, one per broker account:
 *
 *   hash(n) = SHA-256( hash(n−1) ‖ canonicalJson(record(n)) ),  hash(0) = 64 zeros (genesis)
 *
 * Appends are serialised per chain without transactions: each link's `_id` is `{account}:{seq}`,
 * so two writers racing for the same sequence number cannot both succeed; the loser re-reads the
 * head and tries again. A record is appended once per `recordId` (an activity retry finds its link).
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { canonicalJson } from '../statements/canonical-json';

export const AUDIT_CHAIN = 'audit_chain';
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditLink {
  _id: string;
  accountId: string;
  seq: number;
  /** Identifies what the record is about (e.g. `statements:{runId}`); unique per chain. */
  recordId: string;
  prevHash: string;
  hash: string;
  record: Record<string, unknown>;
}

export class AuditChainError extends Error {
  override name = 'AuditChainError';
}

const APPEND_ATTEMPTS = 20;

export function linkHash(prevHash: string, record: Record<string, unknown>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(record)).digest('hex');
}

export async function ensureAuditChainIndexes(db: Db): Promise<void> {
  await db.collection<AuditLink>(AUDIT_CHAIN).createIndex({ accountId: 1, seq: 1 });
  await db.collection<AuditLink>(AUDIT_CHAIN).createIndex({ accountId: 1, recordId: 1 });
}

/** The chain's last link, or none for a new chain. */
export async function chainHead(db: Db, accountId: string): Promise<AuditLink | undefined> {
  return (await db.collection<AuditLink>(AUDIT_CHAIN).find({ accountId }).sort({ seq: -1 }).limit(1).next()) ?? undefined;
}

export async function findLink(db: Db, accountId: string, recordId: string): Promise<AuditLink | undefined> {
  return (await db.collection<AuditLink>(AUDIT_CHAIN).findOne({ accountId, recordId })) ?? undefined;
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** The head a new record would follow (for printing it before appending). */
export async function headHash(db: Db, accountId: string): Promise<string> {
  return (await chainHead(db, accountId))?.hash ?? GENESIS_HASH;
}

/** Another record was appended after the caller read the head; re-read it and redo the work. */
export class ChainMovedError extends AuditChainError {
  override name = 'ChainMovedError';
}

/**
 * Appends `record` (once per recordId) and returns its link. With `expectedPrevHash`, the append
 * only happens right after that head: a caller that printed the head into its artifacts gets a
 * ChainMovedError instead of a link that contradicts them.
 */
export async function appendAuditRecord(db: Db, accountId: string, recordId: string, record: Record<string, unknown>, expectedPrevHash?: string): Promise<AuditLink> {
  const links = db.collection<AuditLink>(AUDIT_CHAIN);
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const existing = await findLink(db, accountId, recordId);
    if (existing) return existing;
    const head = await chainHead(db, accountId);
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    if (expectedPrevHash !== undefined && prevHash !== expectedPrevHash) throw new ChainMovedError(`the audit chain of ${accountId} moved from ${expectedPrevHash} to ${prevHash} while ${recordId} was prepared`);
    const link: AuditLink = { _id: `${accountId}:${seq}`, accountId, seq, recordId, prevHash, hash: linkHash(prevHash, record), record };
    try {
      await links.insertOne(link);
      return link;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  throw new AuditChainError(`could not append to the audit chain of ${accountId} after ${APPEND_ATTEMPTS} attempts (too many concurrent writers?)`);
}

export interface ChainCheck {
  links: number;
  head: string;
  /** The first broken link, in words; undefined when the chain holds. */
  problem?: string;
}

/** Walks the whole chain from genesis, recomputing every hash. */
export async function verifyChain(db: Db, accountId: string): Promise<ChainCheck> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for await (const link of db.collection<AuditLink>(AUDIT_CHAIN).find({ accountId }).sort({ seq: 1 })) {
    if (link.seq !== expectedSeq) return { links: expectedSeq - 1, head: prevHash, problem: `link ${expectedSeq} of ${accountId} is missing (found ${link.seq} next)` };
    if (link.prevHash !== prevHash) return { links: expectedSeq - 1, head: prevHash, problem: `link ${link.seq} (${link.recordId}) does not point at link ${link.seq - 1}'s hash` };
    const recomputed = linkHash(prevHash, link.record);
    if (recomputed !== link.hash) return { links: expectedSeq - 1, head: prevHash, problem: `link ${link.seq} (${link.recordId}) was changed: its record hashes to ${recomputed}, not the stored ${link.hash}` };
    prevHash = link.hash;
    expectedSeq++;
  }
  return { links: expectedSeq - 1, head: prevHash };
}
