import type { Db, Filter } from 'mongodb';
import { insertNewOnly } from './upsert';

/**
 * What the working-order monitor keeps per account:
 * - `order_snapshots`: the last poll's working orders and open position ids (one document per
 *   account, replaced by each poll), which the next poll diffs against;
 * - `order_lifecycles`: one document per order with its lifecycle state and history;
 * - `order_changes`: the append-only change log, one document per observed change of an order,
 *   with before and after values and the poll (snapshot) that saw it.
 *
 * Idempotency under retries: change ids are deterministic (snapshot, order, index), lifecycles
 * record the last snapshot applied to them, and the snapshot document is written last, so a poll
 * retried after a partial write redoes only what it had not finished.
 */
export const ORDER_SNAPSHOTS = 'order_snapshots';
export const ORDER_LIFECYCLES = 'order_lifecycles';
export const ORDER_CHANGES = 'order_changes';

export interface OrderSnapshotDocument<Terms> {
  _id: string;
  accountId: string;
  snapshotId: string;
  takenAtMs: number;
  orders: Terms[];
  positionDealIds: string[];
}

export interface OrderLifecycleDocument<Lifecycle> {
  _id: string;
  accountId: string;
  dealId: string;
  state: string;
  epic: string;
  instrumentId: string;
  updatedAtMs: number;
  /** The poll whose observations this document includes: a retried poll skips it. */
  lastSnapshotId: string;
  /** Gone from the broker's list with nothing to explain it, since then. */
  missingSinceMs?: number;
  lifecycle: Lifecycle;
}

export interface OrderChangeDocument {
  _id: string;
  accountId: string;
  dealId: string;
  snapshotId: string;
  atMs: number;
  /** What was observed: created, amended, a lifecycle transition, vanished, reappeared, or an illegal transition refused. */
  kind: 'created' | 'amended' | 'transition' | 'vanished' | 'reappeared' | 'illegal-transition';
  fromState?: string;
  toState?: string;
  changes: Array<{ field: string; before: string | number | boolean | null; after: string | number | boolean | null }>;
  /** The sentence that explains it (which activity row, position or rule decided). */
  reason: string;
}

export function lifecycleId(accountId: string, dealId: string): string {
  return `${accountId}:${dealId}`;
}

export async function loadOrderSnapshot<Terms>(db: Db, accountId: string): Promise<OrderSnapshotDocument<Terms> | null> {
  return db.collection<OrderSnapshotDocument<Terms>>(ORDER_SNAPSHOTS).findOne({ _id: accountId });
}

export async function saveOrderSnapshot<Terms>(db: Db, snapshot: Omit<OrderSnapshotDocument<Terms>, '_id'>): Promise<void> {
  const document = { _id: snapshot.accountId, ...snapshot } as OrderSnapshotDocument<Terms>;
  await db.collection<OrderSnapshotDocument<Terms>>(ORDER_SNAPSHOTS).replaceOne({ _id: snapshot.accountId }, document, { upsert: true });
}

/**
 * What one poll needs of the account's lifecycles: every one still open, and any (open or ended)
 * of the deal ids the poll sees, to tell a reappearance or an order listed after it ended. Ended
 * lifecycles pile up over the months; a poll never reads them all.
 */
export async function loadLifecycles<Lifecycle>(db: Db, accountId: string, openStates: readonly string[], dealIds: readonly string[]): Promise<Array<OrderLifecycleDocument<Lifecycle>>> {
  return db
    .collection<OrderLifecycleDocument<Lifecycle>>(ORDER_LIFECYCLES)
    .find({ accountId, $or: [{ state: { $in: [...openStates] } }, { dealId: { $in: [...new Set(dealIds)] } }] })
    .toArray();
}

export async function saveLifecycle<Lifecycle>(db: Db, document: OrderLifecycleDocument<Lifecycle>): Promise<void> {
  await db.collection<OrderLifecycleDocument<Lifecycle>>(ORDER_LIFECYCLES).replaceOne({ _id: document._id }, document, { upsert: true });
}

/** Appends changes; ones already stored (a retried poll) are left as they are. */
export async function appendOrderChanges(db: Db, changes: readonly OrderChangeDocument[]): Promise<number> {
  return insertNewOnly(db.collection<OrderChangeDocument>(ORDER_CHANGES), changes);
}

export interface LifecycleQuery {
  accountId?: string;
  states?: readonly string[];
  epic?: string;
  limit: number;
}

/** Most recently updated first. */
export async function listLifecycles<Lifecycle>(db: Db, query: LifecycleQuery): Promise<Array<OrderLifecycleDocument<Lifecycle>>> {
  const filter: Filter<OrderLifecycleDocument<Lifecycle>> = {};
  if (query.accountId) filter.accountId = query.accountId;
  if (query.states) filter.state = { $in: [...query.states] };
  if (query.epic) filter.epic = query.epic;
  return db.collection<OrderLifecycleDocument<Lifecycle>>(ORDER_LIFECYCLES).find(filter).sort({ updatedAtMs: -1, _id: 1 }).limit(query.limit).toArray();
}

export async function findLifecycle<Lifecycle>(db: Db, accountId: string, dealId: string): Promise<OrderLifecycleDocument<Lifecycle> | null> {
  return db.collection<OrderLifecycleDocument<Lifecycle>>(ORDER_LIFECYCLES).findOne({ _id: lifecycleId(accountId, dealId) });
}

/** An order's change log, oldest first. */
export async function orderChanges(db: Db, accountId: string, dealId: string, limit: number): Promise<OrderChangeDocument[]> {
  return db.collection<OrderChangeDocument>(ORDER_CHANGES).find({ accountId, dealId }).sort({ atMs: 1, _id: 1 }).limit(limit).toArray();
}

export async function ensureOrderIndexes(db: Db): Promise<void> {
  await db.collection(ORDER_LIFECYCLES).createIndex({ accountId: 1, updatedAtMs: -1 });
  await db.collection(ORDER_LIFECYCLES).createIndex({ accountId: 1, state: 1 });
  await db.collection(ORDER_CHANGES).createIndex({ accountId: 1, dealId: 1, atMs: 1 });
}
