import { MongoBulkWriteError, type Collection, type Document, type Filter, type OptionalUnlessRequiredId } from 'mongodb';
import { isDeepStrictEqual } from 'node:util';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

const INSERT_BATCH_SIZE = 1000;
/**
 * Documents found already stored are read back this many at a time. The embedded FerretDB reads
 * the whole collection for any lookup but a single `_id`, so one lookup of 5,000 costs about a
 * third of five lookups of 1,000 (a re-run finds every document there).
 */
const LOOKUP_BATCH_SIZE = 5000;
const DUPLICATE_KEY = 11000;

/**
 * Writes documents by their deterministic `_id`: new ones are inserted, changed ones replaced,
 * identical ones left alone, so re-running an import or a retried activity changes nothing.
 *
 * The common case (new documents) is one unordered `insertMany` per batch; only documents whose
 * `_id` already exists are read back, compared and replaced when different. Replace-upserts for
 * every document would be portable too, but are ~100× slower on the embedded FerretDB.
 */
export async function upsertMany<T extends Document & { _id: string }>(collection: Collection<T>, documents: Iterable<T> | AsyncIterable<T>): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  let batch: T[] = [];
  let alreadyStored: T[] = [];
  const compareStored = async () => {
    if (alreadyStored.length > 0) await replaceChanged(collection, alreadyStored, counts);
    alreadyStored = [];
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const existing = await insertNew(collection, batch, counts);
    for (const document of batch) if (existing.has(document._id)) alreadyStored.push(document);
    batch = [];
    if (alreadyStored.length >= LOOKUP_BATCH_SIZE) await compareStored();
  };
  for await (const document of documents) {
    batch.push(document);
    if (batch.length >= INSERT_BATCH_SIZE) await flush();
  }
  await flush();
  await compareStored();
  return counts;
}

/** Append-only writes: inserts what is new, leaves documents already stored as they are; returns how many were new. */
export async function insertNewOnly<T extends Document & { _id: string }>(collection: Collection<T>, documents: readonly T[]): Promise<number> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < documents.length; i += INSERT_BATCH_SIZE) await insertNew(collection, documents.slice(i, i + INSERT_BATCH_SIZE), counts);
  return counts.inserted;
}

/** Inserts the batch; returns the ids that were already there. Other write errors are thrown. */
async function insertNew<T extends Document & { _id: string }>(collection: Collection<T>, batch: T[], counts: UpsertCounts): Promise<Set<string>> {
  try {
    const result = await collection.insertMany(batch as OptionalUnlessRequiredId<T>[], { ordered: false });
    counts.inserted += result.insertedCount;
    return new Set();
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    // The driver wraps a failure of the whole batch (connection lost, server gone) in a bulk error
    // without write errors: part of the batch may be missing, so it is not "all stored already".
    if (errors.length === 0) throw error;
    const other = errors.find((e) => e.code !== DUPLICATE_KEY);
    if (other) throw error;
    counts.inserted += error.result.insertedCount;
    return new Set(errors.map((e) => (batch[e.index] as T)._id));
  }
}

async function replaceChanged<T extends Document & { _id: string }>(collection: Collection<T>, candidates: T[], counts: UpsertCounts): Promise<void> {
  const stored = await collection.find({ _id: { $in: candidates.map((d) => d._id) } } as Filter<T>).toArray();
  const byId = new Map<string, Document>(stored.map((d) => [String(d._id), d]));
  for (const document of candidates) {
    if (isDeepStrictEqual(normalised(byId.get(document._id)), normalised(document))) {
      counts.unchanged++;
    } else {
      await collection.replaceOne({ _id: document._id } as Filter<T>, document, { upsert: true });
      // The same `_id` may come again later in the candidates: compare it with what is now stored.
      byId.set(document._id, document);
      counts.updated++;
    }
  }
}

/** What came back from the database, comparable with what we would write (plain objects). */
function normalised(document: Document | undefined): unknown {
  return document === undefined ? undefined : JSON.parse(JSON.stringify(document));
}
