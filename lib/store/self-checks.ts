import type { Db } from 'mongodb';

/** A document written and read back by the stack self-check: proof that storage round-trips. */
export interface SelfCheckRecord {
  _id: string;
  workflowId: string;
  runId: string;
  writtenAt: Date;
}

const COLLECTION = 'self_checks';

/** Idempotent: a retried activity writes the same document again, never a second one. */
export async function saveSelfCheck(db: Db, record: SelfCheckRecord): Promise<void> {
  const { _id, ...fields } = record;
  await db.collection<SelfCheckRecord>(COLLECTION).updateOne({ _id }, { $set: fields }, { upsert: true });
}

export async function findSelfCheck(db: Db, checkId: string): Promise<SelfCheckRecord | null> {
  return db.collection<SelfCheckRecord>(COLLECTION).findOne({ _id: checkId });
}
