import type { Db } from 'mongodb';
import type { BalanceSnapshot } from '../ledger/balance-anchors';
import type { OpenPosition, WorkingOrder } from '../statements/model';
import { toDecimal } from '../money';
import { upsertMany } from './upsert';

export const BALANCE_SNAPSHOTS = 'balance_snapshots';

/** Where a snapshot came from: read from the API, or typed in from the broker's statement. */
export type BalanceSource = 'broker-api' | 'statement';

/** A broker cash balance at an instant (amounts as exact decimal text, in the account currency). */
export interface BalanceSnapshotDocument {
  _id: string;
  accountId: string;
  /** Every transaction booked strictly before this instant is in `cash`. */
  atMs: number;
  at: Date;
  /** See BalanceSnapshot.uncertainUntilMs. */
  uncertainUntilMs: number;
  /** The cash balance (the API's `deposit` field). */
  cash: string;
  currency: string;
  source: BalanceSource;
  /** The API's other balance fields when read from it: equity, unrealised P/L, available funds. */
  equity?: string;
  unrealisedPnl?: string;
  available?: string;
  /** Who took it: a run id, `recon balances capture`, or the imported file's name. */
  takenBy: string;
  /** Read with the balance from the API (statements print those of the closing snapshot). */
  positions?: OpenPosition[];
  workingOrders?: WorkingOrder[];
}

/** Snapshots are identified by account, instant and source: importing the same statement twice changes nothing. */
export function balanceSnapshotId(accountId: string, atMs: number, source: BalanceSource): string {
  return `${accountId}:${new Date(atMs).toISOString()}:${source}`;
}

export async function ensureBalanceIndexes(db: Db): Promise<void> {
  await db.collection<BalanceSnapshotDocument>(BALANCE_SNAPSHOTS).createIndex({ accountId: 1, atMs: 1 });
}

export async function saveBalanceSnapshots(db: Db, snapshots: BalanceSnapshotDocument[]) {
  return upsertMany(db.collection<BalanceSnapshotDocument>(BALANCE_SNAPSHOTS), snapshots);
}

/** An account's snapshots taken in [fromMs, toMs], oldest first. */
export async function balanceSnapshotsBetween(db: Db, accountId: string, fromMs: number, toMs: number): Promise<BalanceSnapshotDocument[]> {
  return db
    .collection<BalanceSnapshotDocument>(BALANCE_SNAPSHOTS)
    .find({ accountId, atMs: { $gte: fromMs, $lte: toMs } })
    .sort({ atMs: 1, _id: 1 })
    .toArray();
}

export async function balanceSnapshot(db: Db, snapshotId: string): Promise<BalanceSnapshotDocument | undefined> {
  return (await db.collection<BalanceSnapshotDocument>(BALANCE_SNAPSHOTS).findOne({ _id: snapshotId })) ?? undefined;
}

export function toBalanceSnapshot(document: BalanceSnapshotDocument): BalanceSnapshot {
  return { snapshotId: document._id, atMs: document.atMs, uncertainUntilMs: document.uncertainUntilMs, cash: toDecimal(document.cash) };
}
