import { MongoServerError, type Db } from 'mongodb';

/**
 * Trade intents and what became of them, one document per intent (`_id` = its workflow id,
 * `intent:{source}:{idempotency key}`), plus the signed webhook deliveries already accepted (so a
 * replayed one is refused). The intent's normalised terms are stored when they parse; a refused
 * delivery keeps the start of its body and every problem found, never the credentials it came with.
 */
export const TRADE_INTENTS = 'trade_intents';
export const WEBHOOK_DELIVERIES = 'webhook_deliveries';

export const INTENT_STATUSES = ['RECEIVED', 'REJECTED', 'PLACING', 'PLACED', 'CONFIRMED', 'NEEDS_REVIEW', 'FAILED'] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

export interface IntentProblem {
  field: string;
  rule: string;
  reason: string;
}

export interface IntentEvent {
  atMs: number;
  status: IntentStatus;
  note: string;
}

export interface TradeIntentDocument<Intent = unknown> {
  _id: string;
  source: string;
  accountId: string;
  receivedAtMs: number;
  status: IntentStatus;
  /** The normalised intent, when the payload parsed. */
  intent?: Intent;
  /** The first bytes of a payload that did not parse, for the reviewer. */
  bodyStart?: string;
  problems: IntentProblem[];
  /** Set just before the order POST: a deal created before this is not ours. */
  placedAfterMs?: number;
  dealReference?: string;
  /** The working order's or position's id the confirm (or the reconciliation) named. */
  dealId?: string;
  affectedDealIds?: string[];
  dealStatus?: string;
  rejectReason?: string;
  events: IntentEvent[];
  updatedAtMs: number;
}

/** Stores a new intent; an intent already stored (a duplicate delivery) is left as it is. Returns true when new. */
export async function saveNewIntent(db: Db, document: TradeIntentDocument): Promise<boolean> {
  try {
    await db.collection<TradeIntentDocument>(TRADE_INTENTS).insertOne(document);
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 11000) return false;
    throw error;
  }
}

export async function findIntent<Intent>(db: Db, id: string): Promise<TradeIntentDocument<Intent> | null> {
  return db.collection<TradeIntentDocument<Intent>>(TRADE_INTENTS).findOne({ _id: id });
}

/** Moves an intent on, recording why; fields not given are kept. */
export async function updateIntent(db: Db, id: string, change: { status: IntentStatus; note: string; atMs: number } & Partial<Pick<TradeIntentDocument, 'problems' | 'placedAfterMs' | 'dealReference' | 'dealId' | 'affectedDealIds' | 'dealStatus' | 'rejectReason'>>): Promise<void> {
  const { note, atMs, ...fields } = change;
  await db.collection<TradeIntentDocument>(TRADE_INTENTS).updateOne({ _id: id }, { $set: { ...fields, updatedAtMs: atMs }, $push: { events: { atMs, status: change.status, note } } });
}

/** Deal ids other intents of the account already hold: a deal found after a lost response is only ours if nobody else's. */
export async function claimedDealIds(db: Db, accountId: string, exceptIntentId: string): Promise<Set<string>> {
  const documents = await db.collection<TradeIntentDocument>(TRADE_INTENTS).find({ accountId, dealId: { $exists: true } }, { projection: { dealId: 1, affectedDealIds: 1 } }).toArray();
  const ids = new Set<string>();
  for (const document of documents) {
    if (document._id === exceptIntentId) continue;
    if (document.dealId) ids.add(document.dealId);
    for (const id of document.affectedDealIds ?? []) ids.add(id);
  }
  return ids;
}

/** Records a signed delivery; false when the same signature was accepted before (a replay). */
export async function recordSignedDelivery(db: Db, id: string, atMs: number): Promise<boolean> {
  try {
    await db.collection(WEBHOOK_DELIVERIES).insertOne({ _id: id as never, atMs });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 11000) return false;
    throw error;
  }
}

/** Deliveries older than the replay window can no longer be replayed (their timestamp is refused): forget them. */
export async function pruneDeliveries(db: Db, olderThanMs: number): Promise<void> {
  await db.collection(WEBHOOK_DELIVERIES).deleteMany({ atMs: { $lt: olderThanMs } });
}

export async function ensureIntentIndexes(db: Db): Promise<void> {
  await db.collection(TRADE_INTENTS).createIndex({ accountId: 1, dealId: 1 });
  await db.collection(WEBHOOK_DELIVERIES).createIndex({ atMs: 1 });
}
