import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary, type Collection, type Db } from 'mongodb';
import type { PositionActivity } from '../ledger/activity-cross-check';
import type { LedgerEntry, PostingLine } from '../ledger/postings';
import type { TransactionDocument } from './transactions';
import { upsertMany } from './upsert';

/**
 * Where runs before per-run collections kept their chunks, all runs together; still read (see
 * `windowRows`).
 */
export const WINDOW_RECORDS = 'window_records';

/** Longest run id kept readable in its collection's name (MongoDB allows 255 bytes with the database's). */
const READABLE_RUN_ID_BYTES = 100;

/**
 * Each run keeps its chunks in a collection of its own, `window_records.<runId>` (a run id too long
 * or not allowed in a name is hashed). A step then reads its run's chunks in one pass over that
 * collection, whose size is the run's, never the database's: on the embedded FerretDB every
 * read scans its collection (lib/store/README.md), so reading chunks one by one out of a shared
 * collection cost the square of the month and grew with every run ever stored.
 */
export function windowRecordsCollectionName(runId: string): string {
  const readable = Buffer.byteLength(runId) <= READABLE_RUN_ID_BYTES && !/[$\0]/.test(runId) && runId.length > 0;
  return `${WINDOW_RECORDS}.${readable ? runId : createHash('sha256').update(runId).digest('hex').slice(0, 32)}`;
}

export function windowRecordsOf<Kind extends WindowRowKind = WindowRowKind>(db: Db, runId: string): Collection<WindowRowsDocument<Kind>> {
  return db.collection<WindowRowsDocument<Kind>>(windowRecordsCollectionName(runId));
}

/** What matching and the activity cross-check read of a broker record. */
export type WindowRecord = Pick<TransactionDocument, 'key' | 'reference' | 'transactionType' | 'bookedAtMs' | 'amountMinor' | 'currency' | 'dealId'> & { epic?: string };

/**
 * What a statement shows of a posted record: its line, the inputs' digest and its ledger lines
 * (`posting` absent: no posting rule took it, the record is quarantined).
 */
export type StatementRecord = Pick<TransactionDocument, 'key' | 'bookedAt' | 'bookedAtMs' | 'reference' | 'transactionType' | 'note' | 'amount' | 'currency' | 'baseCurrency' | 'scale' | 'rawSha256'> & {
  epic?: string;
  posting?: PostingLine[];
};

/** What one window of a run keeps for the run's later steps, by kind. */
export interface WindowRowKinds {
  /** Its broker records (from `/history/transactions`). */
  records: WindowRecord;
  /** The activity feed's POSITION rows (from `/history/activity`), for the cross-check. */
  positions: PositionActivity;
  /** A window of the period: its records as posted, for the statements. */
  statement: StatementRecord;
}

export type WindowRowKind = keyof WindowRowKinds;

/**
 * The rows one window of a run read, in chunks, oldest first. A run's later steps read what their
 * windows kept instead of querying the month out of the big collections, so the run's checks are
 * over exactly what it read, and a read costs the run's size, not the database's.
 */
export interface WindowRowsDocument<Kind extends WindowRowKind = WindowRowKind> {
  _id: string;
  runId: string;
  windowIndex: number;
  kind: Kind;
  chunk: number;
  chunks: number;
  /**
   * The rows as one gzip-compressed JSON text (see `encodeRows`). Runs before compression kept
   * `rowsJson`, the same text uncompressed; both are read.
   */
  rowsGzip?: Binary;
  rowsJson?: string;
}

/**
 * One value for all of a chunk's rows: nothing queries inside them, and the embedded database
 * converts every value of a document it reads, so one value reads many times faster than
 * thousands of small documents' fields. Compressed (about 6× smaller): less for the database to
 * parse (FerretDB 1.24 on SQLite scans a collection for every read, lib/store/README.md) and for
 * a reader to hold. gzip carries a CRC-32: a damaged chunk fails to decode instead of yielding
 * other rows.
 */
export function encodeRows(rows: readonly unknown[]): Binary {
  return new Binary(gzipSync(JSON.stringify(rows)));
}

export function decodeRows<Row>(document: Pick<WindowRowsDocument, '_id' | 'rowsGzip' | 'rowsJson'>): Row[] {
  if (document.rowsGzip) return JSON.parse(gunzipSync(document.rowsGzip.buffer).toString('utf8')) as Row[];
  if (document.rowsJson !== undefined) return JSON.parse(document.rowsJson) as Row[];
  throw new Error(`window records ${document._id} hold no rows`);
}

/** Far below the 16 MB document limit even for records with long references. */
const ROWS_PER_CHUNK = 5_000;

function chunkId(runId: string, windowIndex: number, kind: WindowRowKind, chunk: number): string {
  return `${runId}:${windowIndex}:${kind}:${chunk}`;
}

type WindowRow = WindowRowKinds[WindowRowKind];

function timeOf(row: WindowRow): number {
  return 'bookedAtMs' in row ? row.bookedAtMs : row.atMs;
}

function tieBreakOf(row: WindowRow): string {
  return 'key' in row ? row.key : `${row.dealId}:${row.source}:${row.status}`;
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

export function toStatementRecord(tx: TransactionDocument, entry: LedgerEntry | undefined): StatementRecord {
  return {
    key: tx.key,
    bookedAt: tx.bookedAt,
    bookedAtMs: tx.bookedAtMs,
    reference: tx.reference,
    transactionType: tx.transactionType,
    note: tx.note,
    amount: tx.amount,
    currency: tx.currency,
    baseCurrency: tx.baseCurrency,
    scale: tx.scale,
    rawSha256: tx.rawSha256,
    ...(tx.instrument ? { epic: tx.instrument.epic } : {}),
    ...(entry ? { posting: entry.lines } : {}),
  };
}

export async function saveWindowRows<Kind extends WindowRowKind>(db: Db, runId: string, windowIndex: number, kind: Kind, rows: ReadonlyArray<WindowRowKinds[Kind]>): Promise<void> {
  const ordered = [...rows].sort((a, b) => timeOf(a) - timeOf(b) || (tieBreakOf(a) < tieBreakOf(b) ? -1 : tieBreakOf(a) > tieBreakOf(b) ? 1 : 0));
  const chunks = Math.max(1, Math.ceil(ordered.length / ROWS_PER_CHUNK));
  const documents = Array.from({ length: chunks }, (_, chunk) => ({
    _id: chunkId(runId, windowIndex, kind, chunk),
    runId,
    windowIndex,
    kind,
    chunk,
    chunks,
    rowsGzip: encodeRows(ordered.slice(chunk * ROWS_PER_CHUNK, (chunk + 1) * ROWS_PER_CHUNK)),
  }));
  await upsertMany(windowRecordsOf<Kind>(db, runId), documents);
}

/**
 * The rows of one kind the given windows of a run kept, window by window, each window oldest
 * first. One pass over the run's collection gathers the chunks still compressed (about a sixth
 * of the rows' text), then each is expanded only when its turn comes and released after. Runs kept in the shared collection
 * before per-run collections are read chunk by chunk, by id.
 */
export async function* windowRows<Kind extends WindowRowKind>(db: Db, runId: string, windowIndexes: readonly number[], kind: Kind): AsyncGenerator<WindowRowKinds[Kind]> {
  if (windowIndexes.length === 0) return;
  const chunks = await runChunks(db, runId, windowIndexes, kind);
  const chunkOf = chunks.size > 0 ? (id: string) => takeChunk(chunks, id) : (id: string) => db.collection<WindowRowsDocument<Kind>>(WINDOW_RECORDS).findOne({ _id: id });
  for (const windowIndex of windowIndexes) {
    for (let chunk = 0, count = 1; chunk < count; chunk++) {
      const document = await chunkOf(chunkId(runId, windowIndex, kind, chunk));
      if (!document) throw new Error(`window ${windowIndex} of run ${runId} kept no ${kind} (chunk ${chunk}): was it ingested by this version?`);
      count = document.chunks;
      yield* decodeRows<WindowRowKinds[Kind]>(document);
    }
  }
}

async function runChunks<Kind extends WindowRowKind>(db: Db, runId: string, windowIndexes: readonly number[], kind: Kind): Promise<Map<string, WindowRowsDocument<Kind>>> {
  const chunks = new Map<string, WindowRowsDocument<Kind>>();
  const wanted = new Set(windowIndexes);
  // The filter is only on the kind: FerretDB applies any filter after its scan, and the windows asked are usually all of the run's.
  for await (const document of windowRecordsOf(db, runId).find({ kind })) {
    if (wanted.has(document.windowIndex)) chunks.set(document._id, document as WindowRowsDocument<Kind>);
  }
  return chunks;
}

function takeChunk<Kind extends WindowRowKind>(chunks: Map<string, WindowRowsDocument<Kind>>, id: string): WindowRowsDocument<Kind> | undefined {
  const document = chunks.get(id);
  chunks.delete(id);
  return document;
}
