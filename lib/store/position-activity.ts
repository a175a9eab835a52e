import type { Db } from 'mongodb';
import type { PositionActivity } from '../ledger/activity-cross-check';
import { upsertMany, type UpsertCounts } from './upsert';

export const POSITION_ACTIVITY = 'position_activity';

/**
 * A POSITION row of the broker's activity feed, as the cross-check reads it. The id is the
 * SHA-256 of the row's canonical form, so a row read twice (overlapping windows, re-runs) is
 * stored once.
 */
export type PositionActivityDocument = PositionActivity & { _id: string; accountId: string };

export async function ensurePositionActivityIndexes(db: Db): Promise<void> {
  await db.collection<PositionActivityDocument>(POSITION_ACTIVITY).createIndex({ accountId: 1, atMs: 1 });
}

export function savePositionActivity(db: Db, rows: PositionActivityDocument[]): Promise<UpsertCounts> {
  return upsertMany(db.collection<PositionActivityDocument>(POSITION_ACTIVITY), rows);
}

/** One account's stored position rows in [fromMs, toMs), oldest first. */
export function positionActivityBetween(db: Db, accountId: string, fromMs: number, toMs: number) {
  return db
    .collection<PositionActivityDocument>(POSITION_ACTIVITY)
    .find({ accountId, atMs: { $gte: fromMs, $lt: toMs } })
    .sort({ atMs: 1, _id: 1 })
    .project<PositionActivity>({ _id: 0, dealId: 1, epic: 1, atMs: 1, source: 1, status: 1 });
}
