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

/** Everything one window's ingestion did, for the run's proof trace. */
export interface WindowTraceDocument {
  _id: string;
  runId: string;
  accountId: string;
  windowIndex: number;
  fromMs: number;
  toMs: number;
  requests: Array<{ fromMs: number; toMs: number; query: { from: string; to: string; type?: string }; rows: number; verdict: string }>;
  references: string[];
  rowCount: number;
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

/** The fields of a stored record that posting, matching and the roll-forward read. */
export type PeriodTransaction = Pick<TransactionDocument, 'key' | 'reference' | 'transactionType' | 'bookedAtMs' | 'amount' | 'amountMinor' | 'currency' | 'dealId'>;
const PERIOD_TRANSACTION_FIELDS = { _id: 0, key: 1, reference: 1, transactionType: 1, bookedAtMs: 1, amount: 1, amountMinor: 1, currency: 1, dealId: 1 } as const;

/**
 * One account's records booked in [fromMs, toMs), oldest first; only `types` when given. A run
 * reads its month several times, so only the fields those reads use travel: less than half of
 * each document for the database to encode and the driver to decode.
 */
export function transactionsBetween(db: Db, accountId: string, fromMs: number, toMs: number, types?: readonly string[]) {
  const filter = { accountId, bookedAtMs: { $gte: fromMs, $lt: toMs }, ...(types ? { transactionType: { $in: [...types] } } : {}) };
  return db.collection<TransactionDocument>(TRANSACTIONS).find(filter).sort({ bookedAtMs: 1, _id: 1 }).project<PeriodTransaction>(PERIOD_TRANSACTION_FIELDS);
}
