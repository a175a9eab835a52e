import type { Db } from 'mongodb';
import { upsertMany, type UpsertCounts } from './upsert';

/** One line of the company's internal books, as stored (amounts as exact decimal strings). */
export interface BookEntryDocument {
  _id: string;
  entryId: string;
  accountId: string;
  bookedAt: Date;
  category: string;
  amount: string;
  amountMinor: string;
  scale: number;
  currency: string;
  brokerReferences: string[];
  description: string;
}

export const BOOKS_COLLECTION = 'book_entries';

export async function ensureBookIndexes(db: Db): Promise<void> {
  const books = db.collection<BookEntryDocument>(BOOKS_COLLECTION);
  await books.createIndex({ accountId: 1, bookedAt: 1 });
  await books.createIndex({ brokerReferences: 1 });
}

export async function saveBookEntries(db: Db, entries: Iterable<BookEntryDocument> | AsyncIterable<BookEntryDocument>): Promise<UpsertCounts> {
  return upsertMany(db.collection<BookEntryDocument>(BOOKS_COLLECTION), entries);
}

/** The fields of a book line that matching reads. */
export type BookLineToMatch = Pick<BookEntryDocument, 'entryId' | 'bookedAt' | 'category' | 'amountMinor' | 'currency' | 'brokerReferences'>;

/** Entries of one account booked in [fromMs, toMs), oldest first, with the fields matching reads. */
export function bookEntriesBetween(db: Db, accountId: string, fromMs: number, toMs: number) {
  return db
    .collection<BookEntryDocument>(BOOKS_COLLECTION)
    .find({ accountId, bookedAt: { $gte: new Date(fromMs), $lt: new Date(toMs) } })
    .sort({ bookedAt: 1, _id: 1 })
    .project<BookLineToMatch>({ _id: 0, entryId: 1, bookedAt: 1, category: 1, amountMinor: 1, currency: 1, brokerReferences: 1 });
}
