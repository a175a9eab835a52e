import { MongoServerError, type Db } from 'mongodb';
import { isDeepStrictEqual } from 'node:util';
import {
  ChartConfigError,
  type ChartImportOutcome,
  type ChartImportResult,
  type ChartRecord,
  type ChartRecordKind,
  importChartRecords,
  parseChartRecord,
} from '../market/chart-config';
import type { WatchlistSyncState } from '../market/watchlist-sync';
import { insertNewOnly } from './upsert';

/**
 * Chart configuration records (lib/market/CHART-CONFIG.md), versioned: `chart_configs` holds the
 * current version of each record (`_id` = `{kind}:{id}`), or a tombstone once it is deleted;
 * `chart_config_history` holds every version ever stored plus the deletions, append-only
 * (`_id` = `{kind}:{id}@{version, 7 digits}`). A write names the version it replaces and is
 * refused when another came first. `watchlist_sync_state` holds, per account and broker
 * watchlist, what the last watchlist sync left (lib/market/watchlist-sync.ts).
 *
 * No transactions: the current document is written first, by compare-and-set on its version,
 * then the history. A retried write of the same record finds it current, calls it unchanged and
 * writes the history entry again (a no-op when there), so the history never misses a version for
 * long and never holds one that did not become current.
 */
export const CHART_CONFIGS = 'chart_configs';
export const CHART_CONFIG_HISTORY = 'chart_config_history';
export const WATCHLIST_SYNC_STATE = 'watchlist_sync_state';

/** Who wrote a version: the API, the CLI's import, an API import, a watchlist sync. */
export type ChartWriteSource = 'api' | 'import' | 'sync';

interface CurrentDocument {
  _id: string;
  kind: ChartRecordKind;
  id: string;
  version: number;
  deleted: boolean;
  /** Absent on a tombstone. */
  record?: ChartRecord;
  savedAtMs: number;
  source: ChartWriteSource;
}

type HistoryDocument = CurrentDocument;

interface SyncStateDocument extends WatchlistSyncState {
  _id: string;
  accountId: string;
  syncedAtMs: number;
}

export interface StoredChartRecord {
  kind: ChartRecordKind;
  id: string;
  version: number;
  savedAtMs: number;
  source: ChartWriteSource;
  record: ChartRecord;
}

export interface ChartRecordVersion {
  version: number;
  savedAtMs: number;
  source: ChartWriteSource;
  deleted: boolean;
  record?: ChartRecord;
}

/** Another write came first: the stored version is not the one the caller meant to replace. */
export class ChartVersionConflictError extends Error {
  override name = 'ChartVersionConflictError';
  constructor(
    readonly kind: ChartRecordKind,
    readonly id: string,
    readonly expectedVersion: number,
    /** 0 when nothing was ever stored. */
    readonly storedVersion: number,
    readonly deleted: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** Indicator sets before the layouts that name them, as the export orders them. */
const KIND_ORDER: Readonly<Record<ChartRecordKind, number>> = { watchlist: 0, 'interval-preset': 1, 'indicator-set': 2, 'chart-layout': 3 };
/** Versions in history ids are padded so the ids sort by version. */
const VERSION_DIGITS = 7;
const DUPLICATE_KEY = 11000;
export const HISTORY_LIMIT_MAX = 1_000;

export function chartConfigKey(kind: ChartRecordKind, id: string): string {
  return `${kind}:${id}`;
}

function historyId(kind: ChartRecordKind, id: string, version: number): string {
  return `${chartConfigKey(kind, id)}@${String(version).padStart(VERSION_DIGITS, '0')}`;
}

/** Plain JSON, so a record compares equal to what the database gives back and no undefined field is stored as null. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function stored(document: CurrentDocument & { record: ChartRecord }): StoredChartRecord {
  return { kind: document.kind, id: document.id, version: document.version, savedAtMs: document.savedAtMs, source: document.source, record: document.record };
}

function isLive(document: CurrentDocument | null): document is CurrentDocument & { record: ChartRecord } {
  return document !== null && !document.deleted && document.record !== undefined;
}

export async function ensureChartConfigIndexes(db: Db): Promise<void> {
  await db.collection(CHART_CONFIGS).createIndex({ kind: 1, id: 1 });
  await db.collection(CHART_CONFIG_HISTORY).createIndex({ kind: 1, id: 1, version: 1 });
  await db.collection(WATCHLIST_SYNC_STATE).createIndex({ accountId: 1 });
}

/** The current records (not the deleted ones), by kind in dependency order, then id. */
export async function listChartRecords(db: Db, filter: { kind?: ChartRecordKind } = {}): Promise<StoredChartRecord[]> {
  const documents = await db.collection<CurrentDocument>(CHART_CONFIGS).find(filter.kind ? { kind: filter.kind } : {}).toArray();
  return documents
    .filter(isLive)
    .map(stored)
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function findChartRecord(db: Db, kind: ChartRecordKind, id: string): Promise<StoredChartRecord | null> {
  const document = await db.collection<CurrentDocument>(CHART_CONFIGS).findOne({ _id: chartConfigKey(kind, id) });
  return isLive(document) ? stored(document) : null;
}

/** The version stored under a kind and id, live or deleted; 0 when there never was one. */
export async function storedVersionOf(db: Db, kind: ChartRecordKind, id: string): Promise<{ version: number; deleted: boolean }> {
  const document = await db.collection<CurrentDocument>(CHART_CONFIGS).findOne({ _id: chartConfigKey(kind, id) }, { projection: { version: 1, deleted: 1 } });
  return document ? { version: document.version, deleted: document.deleted } : { version: 0, deleted: false };
}

function conflictWith(kind: ChartRecordKind, id: string, expectedVersion: number, current: { version: number; deleted: boolean } | null): ChartVersionConflictError {
  const storedVersion = current?.version ?? 0;
  const deleted = current?.deleted ?? false;
  const what = `${kind} '${id}'`;
  const state = storedVersion === 0 ? 'is not stored' : deleted ? `was deleted at version ${storedVersion}` : `is at version ${storedVersion}`;
  const expected = expectedVersion === 0 ? 'expected it not to exist' : `expected version ${expectedVersion}`;
  return new ChartVersionConflictError(kind, id, expectedVersion, storedVersion, deleted, `${what} ${state}; the write ${expected}: read it again, apply your change and save it as version ${storedVersion + 1}`);
}

export type ChartSaveStatus = 'created' | 'updated' | 'unchanged';

/**
 * Stores `record` as the current version of its kind and id, replacing `expectedVersion` (0 =
 * nothing stored yet; a deleted record's tombstone version to bring it back). The record's own
 * `version` must be above the stored one. Saving the very record that is current already is
 * `unchanged`, whatever `expectedVersion` says: a retried write succeeds.
 */
export async function saveChartRecord(db: Db, record: ChartRecord, options: { expectedVersion: number; nowMs: number; source: ChartWriteSource }): Promise<{ status: ChartSaveStatus; stored: StoredChartRecord }> {
  const parsed = parseChartRecord(record);
  if (!parsed.ok) throw new ChartConfigError(`${record.kind} '${record.id}' is invalid: ${parsed.problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  const value = plain(parsed.record);
  const { kind, id, version } = value;
  const key = chartConfigKey(kind, id);
  const current = db.collection<CurrentDocument>(CHART_CONFIGS);
  const existing = await current.findOne({ _id: key });
  const document: CurrentDocument = { _id: key, kind, id, version, deleted: false, record: value, savedAtMs: options.nowMs, source: options.source };

  if (isLive(existing) && existing.version === version && isDeepStrictEqual(plain(existing.record), value)) {
    await insertNewOnly(db.collection<HistoryDocument>(CHART_CONFIG_HISTORY), [{ ...existing, _id: historyId(kind, id, version) }]);
    return { status: 'unchanged', stored: stored(existing) };
  }
  const existingVersion = existing?.version ?? 0;
  if (options.expectedVersion !== existingVersion) throw conflictWith(kind, id, options.expectedVersion, existing);
  if (version <= existingVersion) {
    throw new ChartVersionConflictError(kind, id, options.expectedVersion, existingVersion, existing?.deleted ?? false, `${kind} '${id}' version ${version} is not above the stored version ${existingVersion}: save it as version ${existingVersion + 1}`);
  }
  if (existing === null) {
    try {
      await current.insertOne(document);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw conflictWith(kind, id, options.expectedVersion, await current.findOne({ _id: key }));
      throw error;
    }
  } else {
    const replaced = await current.replaceOne({ _id: key, version: existingVersion }, document);
    if (replaced.matchedCount === 0) throw conflictWith(kind, id, options.expectedVersion, await current.findOne({ _id: key }));
  }
  await insertNewOnly(db.collection<HistoryDocument>(CHART_CONFIG_HISTORY), [{ ...document, _id: historyId(kind, id, version) }]);
  return { status: existing === null || existing.deleted ? 'created' : 'updated', stored: stored(document as CurrentDocument & { record: ChartRecord }) };
}

/**
 * Deletes the current record: a tombstone one version above it takes its place and joins the
 * history; earlier versions stay. Null when there is nothing to delete. With `expectedVersion`,
 * refused when the stored version differs.
 */
export async function deleteChartRecord(db: Db, kind: ChartRecordKind, id: string, options: { expectedVersion?: number; nowMs: number; source: ChartWriteSource }): Promise<{ version: number } | null> {
  const key = chartConfigKey(kind, id);
  const current = db.collection<CurrentDocument>(CHART_CONFIGS);
  const existing = await current.findOne({ _id: key });
  if (!isLive(existing)) return null;
  if (options.expectedVersion !== undefined && options.expectedVersion !== existing.version) throw conflictWith(kind, id, options.expectedVersion, existing);
  const tombstone: CurrentDocument = { _id: key, kind, id, version: existing.version + 1, deleted: true, savedAtMs: options.nowMs, source: options.source };
  const replaced = await current.replaceOne({ _id: key, version: existing.version }, tombstone);
  if (replaced.matchedCount === 0) throw conflictWith(kind, id, existing.version, await current.findOne({ _id: key }));
  await insertNewOnly(db.collection<HistoryDocument>(CHART_CONFIG_HISTORY), [{ ...tombstone, _id: historyId(kind, id, tombstone.version) }]);
  return { version: tombstone.version };
}

/** Every stored version of one record and its deletions, oldest first (at most `limit`, the newest ones). */
export async function chartRecordHistory(db: Db, kind: ChartRecordKind, id: string, limit = 100): Promise<ChartRecordVersion[]> {
  const bounded = Math.min(Math.max(1, Math.floor(limit)), HISTORY_LIMIT_MAX);
  const documents = await db.collection<HistoryDocument>(CHART_CONFIG_HISTORY).find({ kind, id }).sort({ version: -1 }).limit(bounded).toArray();
  return documents.reverse().map((document) => ({ version: document.version, savedAtMs: document.savedAtMs, source: document.source, deleted: document.deleted, ...(document.record ? { record: document.record } : {}) }));
}

export interface ChartImportApplied extends ChartImportResult {
  dryRun: boolean;
  /** Outcomes written (new and update); none on a dry run or when not `ok`. */
  written: number;
  /** Writes refused because another write came first while the import ran. */
  failed: Array<{ index: number; kind: ChartRecordKind; id: string; reason: string }>;
}

/** A record deleted at or above the version being imported cannot come back under that version. */
function withDeletions(result: ChartImportResult, tombstones: ReadonlyMap<string, number>): ChartImportResult {
  const outcomes = result.outcomes.map((outcome): ChartImportOutcome => {
    const deletedAt = tombstones.get(chartConfigKey(outcome.kind, outcome.id));
    if (outcome.status !== 'new' || deletedAt === undefined || outcome.record.version > deletedAt) return outcome;
    return { ...outcome, status: 'conflict', existingVersion: deletedAt, reason: `${outcome.kind} '${outcome.id}' was deleted at version ${deletedAt}; to bring it back, import it as version ${deletedAt + 1} or above` };
  });
  return { ...result, outcomes, ok: result.ok && outcomes.every((outcome) => outcome.status !== 'conflict') };
}

/**
 * Imports a chart-config document (JSON text or parsed) against what is stored: every problem,
 * and per record new, update, unchanged or conflict (lib/market/chart-config-io.ts). Writes only
 * when `ok` and not `dryRun`: all new and updated records, indicator sets before the layouts
 * that use them. A write another writer beat while the import ran is reported in `failed`.
 */
export async function importChartDocument(db: Db, json: unknown, options: { dryRun: boolean; nowMs: number; source: ChartWriteSource }): Promise<ChartImportApplied> {
  const all = await db.collection<CurrentDocument>(CHART_CONFIGS).find({}).toArray();
  const tombstones = new Map(all.filter((document) => document.deleted).map((document) => [document._id, document.version]));
  const result = withDeletions(
    importChartRecords(
      json,
      all.filter(isLive).map((document) => document.record),
    ),
    tombstones,
  );
  const applied: ChartImportApplied = { ...result, dryRun: options.dryRun, written: 0, failed: [] };
  if (!result.ok || options.dryRun) return applied;
  const toWrite = result.outcomes.filter((outcome) => outcome.status === 'new' || outcome.status === 'update').sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.index - b.index);
  for (const outcome of toWrite) {
    const expectedVersion = outcome.status === 'update' ? (outcome.existingVersion as number) : (tombstones.get(chartConfigKey(outcome.kind, outcome.id)) ?? 0);
    try {
      const saved = await saveChartRecord(db, outcome.record, { expectedVersion, nowMs: options.nowMs, source: options.source });
      if (saved.status !== 'unchanged') applied.written++;
    } catch (error) {
      if (!(error instanceof ChartVersionConflictError)) throw error;
      applied.failed.push({ index: outcome.index, kind: outcome.kind, id: outcome.id, reason: error.message });
    }
  }
  return applied;
}

function syncStateId(accountId: string, brokerWatchlistId: string): string {
  return `${accountId}:${brokerWatchlistId}`;
}

/** What the last watchlist sync of an account left, one state per broker watchlist. */
export async function loadWatchlistSyncStates(db: Db, accountId: string): Promise<WatchlistSyncState[]> {
  const documents = await db.collection<SyncStateDocument>(WATCHLIST_SYNC_STATE).find({ accountId }).toArray();
  return documents.map((document) => ({ brokerWatchlistId: document.brokerWatchlistId, recordId: document.recordId, baseEpics: document.baseEpics, detached: document.detached }));
}

export async function saveWatchlistSyncState(db: Db, accountId: string, state: WatchlistSyncState, nowMs: number): Promise<void> {
  const _id = syncStateId(accountId, state.brokerWatchlistId);
  // A whole-document replace: a `$setOnInsert` upsert lost array fields on the embedded FerretDB.
  await db.collection<SyncStateDocument>(WATCHLIST_SYNC_STATE).replaceOne({ _id }, { accountId, brokerWatchlistId: state.brokerWatchlistId, recordId: state.recordId, baseEpics: [...state.baseEpics], detached: state.detached, syncedAtMs: nowMs }, { upsert: true });
}

export async function forgetWatchlistSyncState(db: Db, accountId: string, brokerWatchlistId: string): Promise<void> {
  await db.collection<SyncStateDocument>(WATCHLIST_SYNC_STATE).deleteOne({ _id: syncStateId(accountId, brokerWatchlistId) });
}
