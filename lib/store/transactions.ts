import type { Db } from 'mongodb';
import type { NormalisedTransaction, QuarantinedTransaction } from '../ledger/normalise';
import { upsertMany, type UpsertCounts } from './upsert';

export const RAW_TRANSACTIONS = 'raw_transactions';
export const TRANSACTIONS = 'transactions';
export const QUARANTINE = 'quarantine';
export const WINDOW_TRACES = 'window_traces';

/** A broker row exactly as received, keyed by the SHA-256 of its canonical JSON. */
export interface RawTransactionDocument {
  _id: string;
  accountId: string;
  row: unknown;
}

export type TransactionDocument = Omit<NormalisedTransaction, 'quarantined'> & { _id: string };
export type QuarantineDocument = Omit<QuarantinedTransaction, 'quarantined'> & { _id: string; runId: string };

/** One broker request of a window, with the verdict of gap detection on its answer. */
export interface WindowRequest {
  /** Absent on traces from before activity was read in windows: `/history/transactions`. */
  path?: '/history/transactions' | '/history/activity';
  fromMs: number;
  toMs: number;
  query: { from: string; to: string; type?: string; filter?: string };
  rows: number;
  verdict: string;
}

export interface WindowMovement {
  transactionType: string;
  amount: string;
  count: number;
}

/** Everything one window's ingestion did, for the run's proof trace. */
export interface WindowTraceDocument {
  _id: string;
  runId: string;
  accountId: string;
  windowIndex: number;
  fromMs: number;
  toMs: number;
  requests: WindowRequest[];
  references: string[];
  rowCount: number;
  /** POSITION rows of the activity feed read for the cross-check (absent on traces from before it was read here). */
  positionRows?: number;
  /** Ledger entries posted from this window's rows, and rows no posting rule maps. */
  posting?: { posted: number; quarantined: number; digest: string };
  /** The period windows' cash movements summed by type and sign (canonical decimals): the roll-forward's input. */
  movements?: WindowMovement[];
  stored: { inserted: number; updated: number; unchanged: number };
  quarantined: number;
  retries: number;
  sessionRenewals: number;
  possiblyTruncated: string[];
  digest: string;
}

export async function ensureTransactionIndexes(db: Db): Promise<void> {
  await db.collection<TransactionDocument>(TRANSACTIONS).createIndex({ accountId: 1, bookedAtMs: 1 });
  await db.collection<TransactionDocument>(TRANSACTIONS).createIndex({ accountId: 1, transactionType: 1, bookedAtMs: 1 });
  await db.collection<WindowTraceDocument>(WINDOW_TRACES).createIndex({ runId: 1, windowIndex: 1 });
}

export async function saveIngested(
  db: Db,
  batch: { raw: RawTransactionDocument[]; transactions: TransactionDocument[]; quarantine: QuarantineDocument[] },
): Promise<{ raw: UpsertCounts; transactions: UpsertCounts; quarantine: UpsertCounts }> {
  return {
    raw: await upsertMany(db.collection<RawTransactionDocument>(RAW_TRANSACTIONS), batch.raw),
    transactions: await upsertMany(db.collection<TransactionDocument>(TRANSACTIONS), batch.transactions),
    quarantine: await upsertMany(db.collection<QuarantineDocument>(QUARANTINE), batch.quarantine),
  };
}

export async function saveWindowTrace(db: Db, trace: WindowTraceDocument): Promise<void> {
  await upsertMany(db.collection<WindowTraceDocument>(WINDOW_TRACES), [trace]);
}

/** One account's records booked in any of the ranges (each [fromMs, toMs)), with their instant and amount. */
export function transactionsInRanges(db: Db, accountId: string, ranges: ReadonlyArray<{ fromMs: number; toMs: number }>) {
  const inAny = ranges.map((r) => ({ bookedAtMs: { $gte: r.fromMs, $lt: r.toMs } }));
  return db.collection<TransactionDocument>(TRANSACTIONS).find({ accountId, $or: inAny }).project<Pick<TransactionDocument, 'bookedAtMs' | 'amount'>>({ _id: 0, bookedAtMs: 1, amount: 1 });
}

/**
 * The movement subtotals the given windows of a run recorded, window by window. Read by id (one
 * query per window): the embedded database answers those without decoding the collection.
 */
export async function windowMovements(db: Db, runId: string, windowIndexes: readonly number[]): Promise<WindowMovement[]> {
  const movements: WindowMovement[] = [];
  for (const index of windowIndexes) {
    const trace = await db.collection<WindowTraceDocument>(WINDOW_TRACES).findOne({ _id: `${runId}:${index}` }, { projection: { movements: 1 } });
    if (!trace?.movements) throw new Error(`window ${index} of run ${runId} recorded no movements: was it ingested by this version?`);
    movements.push(...trace.movements);
  }
  return movements;
}
