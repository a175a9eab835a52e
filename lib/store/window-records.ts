import type { Db } from 'mongodb';
import type { TransactionDocument } from './transactions';
import { upsertMany } from './upsert';

export const WINDOW_RECORDS = 'window_records';

/** What matching and the activity cross-check read of a broker record. */
export type WindowRecord = Pick<TransactionDocument, 'key' | 'reference' | 'transactionType' | 'bookedAtMs' | 'amountMinor' | 'currency' | 'dealId'> & { epic?: string };

/**
 * The records one window of a run read, in chunks, oldest first. A run's later steps read their
 * windows' chunks by id instead of querying the month out of `transactions`: a query by id is
 * the one the embedded database answers without decoding the whole collection, and the run's
 * matching is then over exactly what it ingested.
 */
export interface WindowRecordsDocument {
  _id: string;
  runId: string;
  windowIndex: number;
  chunk: number;
  chunks: number;
  records: WindowRecord[];
}

/** Far below the 16 MB document limit even for records with long references. */
const RECORDS_PER_CHUNK = 5_000;

function chunkId(runId: string, windowIndex: number, chunk: number): string {
  return `${runId}:${windowIndex}:${chunk}`;
}

export function toWindowRecord(tx: TransactionDocument): WindowRecord {
  return {
    key: tx.key,
    reference: tx.reference,
    transactionType: tx.transactionType,
    bookedAtMs: tx.bookedAtMs,
    amountMinor: tx.amountMinor,
    currency: tx.currency,
    ...(tx.dealId ? { dealId: tx.dealId } : {}),
    ...(tx.instrument ? { epic: tx.instrument.epic } : {}),
  };
}

export async function saveWindowRecords(db: Db, runId: string, windowIndex: number, records: readonly WindowRecord[]): Promise<void> {
  const ordered = [...records].sort((a, b) => a.bookedAtMs - b.bookedAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const chunks = Math.max(1, Math.ceil(ordered.length / RECORDS_PER_CHUNK));
  const documents = Array.from({ length: chunks }, (_, chunk) => ({
    _id: chunkId(runId, windowIndex, chunk),
    runId,
    windowIndex,
    chunk,
    chunks,
    records: ordered.slice(chunk * RECORDS_PER_CHUNK, (chunk + 1) * RECORDS_PER_CHUNK),
  }));
  await upsertMany(db.collection<WindowRecordsDocument>(WINDOW_RECORDS), documents);
}

/** The records of the given windows of a run, window by window, each window oldest first. */
export async function* windowRecords(db: Db, runId: string, windowIndexes: readonly number[]): AsyncGenerator<WindowRecord> {
  const collection = db.collection<WindowRecordsDocument>(WINDOW_RECORDS);
  for (const windowIndex of windowIndexes) {
    for (let chunk = 0, chunks = 1; chunk < chunks; chunk++) {
      const document = await collection.findOne({ _id: chunkId(runId, windowIndex, chunk) });
      if (!document) throw new Error(`window ${windowIndex} of run ${runId} has no stored records (chunk ${chunk}): was it ingested by this version?`);
      chunks = document.chunks;
      yield* document.records;
    }
  }
}
