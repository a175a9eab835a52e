import type { Db } from 'mongodb';

/**
 * Exposure snapshots, one document per account and instant. The snapshot itself is one JSON text
 * (the embedded database converts one text far faster than many sub-documents, see README.md);
 * beside it a handful of headline metrics as plain fields, for history queries and charts.
 * Old snapshots are pruned past the retention, so the collection stays bounded.
 */
export const EXPOSURE_SNAPSHOTS = 'exposure_snapshots';

/** Headline figures of a snapshot: decimals as canonical strings, null where undefined (leverage at zero equity). */
export type ExposureMetrics = Record<string, string | number | null>;

export interface ExposureSnapshotDocument {
  _id: string;
  accountId: string;
  at: Date;
  atMs: number;
  /** The run that took it (the scheduled workflow), for the audit trail. */
  sourceId: string;
  metrics: ExposureMetrics;
  snapshotJson: string;
}

export interface StoredExposureSnapshot<T> {
  id: string;
  accountId: string;
  atMs: number;
  sourceId: string;
  metrics: ExposureMetrics;
  snapshot: T;
}

export function exposureSnapshotId(accountId: string, atMs: number): string {
  return `${accountId}:${new Date(atMs).toISOString()}`;
}

/** Idempotent: a retried activity writes the same document under the same id. */
export async function saveExposureSnapshot(db: Db, input: { accountId: string; atMs: number; sourceId: string; metrics: ExposureMetrics; snapshot: unknown }): Promise<string> {
  const _id = exposureSnapshotId(input.accountId, input.atMs);
  const document: ExposureSnapshotDocument = { _id, accountId: input.accountId, at: new Date(input.atMs), atMs: input.atMs, sourceId: input.sourceId, metrics: input.metrics, snapshotJson: JSON.stringify(input.snapshot) };
  await db.collection<ExposureSnapshotDocument>(EXPOSURE_SNAPSHOTS).replaceOne({ _id }, document, { upsert: true });
  return _id;
}

function stored<T>(document: ExposureSnapshotDocument): StoredExposureSnapshot<T> {
  return { id: document._id, accountId: document.accountId, atMs: document.atMs, sourceId: document.sourceId, metrics: document.metrics, snapshot: JSON.parse(document.snapshotJson) as T };
}

/** The latest snapshot taken at or before `atMs` (the latest of all when absent). */
export async function exposureSnapshotAt<T>(db: Db, accountId: string, atMs?: number): Promise<StoredExposureSnapshot<T> | undefined> {
  const filter = atMs === undefined ? { accountId } : { accountId, atMs: { $lte: atMs } };
  const [document] = await db.collection<ExposureSnapshotDocument>(EXPOSURE_SNAPSHOTS).find(filter).sort({ atMs: -1 }).limit(1).toArray();
  return document ? stored<T>(document) : undefined;
}

export interface MetricPoint {
  atMs: number;
  value: string | number | null;
}

/** One metric over time, oldest first, at most `limit` points (the latest ones when there are more). */
export async function exposureMetricHistory(db: Db, input: { accountId: string; metric: string; fromMs: number; toMs: number; limit: number }): Promise<MetricPoint[]> {
  const documents = await db
    .collection<ExposureSnapshotDocument>(EXPOSURE_SNAPSHOTS)
    .find({ accountId: input.accountId, atMs: { $gte: input.fromMs, $lte: input.toMs } }, { projection: { atMs: 1, metrics: 1 } })
    .sort({ atMs: -1 })
    .limit(input.limit)
    .toArray();
  return documents.reverse().map((d) => ({ atMs: d.atMs, value: d.metrics[input.metric] ?? null }));
}

/** Deletes the account's snapshots older than the retention; returns how many. */
export async function pruneExposureSnapshots(db: Db, accountId: string, olderThanMs: number): Promise<number> {
  const result = await db.collection<ExposureSnapshotDocument>(EXPOSURE_SNAPSHOTS).deleteMany({ accountId, atMs: { $lt: olderThanMs } });
  return result.deletedCount;
}

export async function ensureExposureIndexes(db: Db): Promise<void> {
  await db.collection(EXPOSURE_SNAPSHOTS).createIndex({ accountId: 1, atMs: -1 });
}
