/**
 * Normalised transactions of one account, a page at a time, in (bookedAtMs, _id) order: keyset
 * pagination, so a page starts strictly after the last row of the previous one. Rows inserted
 * while a client pages never shift or repeat rows already served, and the query is plain
 * `$or`/`$gt` with the existing (accountId, bookedAtMs) index: the same on FerretDB and MongoDB.
 */
import type { Db, Filter } from 'mongodb';
import { TRANSACTIONS, type TransactionDocument } from '../../lib/store/transactions';

export interface TransactionFilter {
  accountId: string;
  fromMs?: number;
  toMs?: number;
  transactionType?: string;
}

/** The sort key of the last row served. */
export interface TransactionPosition {
  bookedAtMs: number;
  id: string;
}

export interface TransactionsPage {
  rows: TransactionDocument[];
  /** Where the next page starts; undefined on the last page. */
  next?: TransactionPosition;
}

export async function transactionsPage(db: Db, filter: TransactionFilter, limit: number, after?: TransactionPosition): Promise<TransactionsPage> {
  const bookedAtMs = { ...(filter.fromMs !== undefined ? { $gte: filter.fromMs } : {}), ...(filter.toMs !== undefined ? { $lt: filter.toMs } : {}) };
  const query: Filter<TransactionDocument> = {
    accountId: filter.accountId,
    ...(Object.keys(bookedAtMs).length > 0 ? { bookedAtMs } : {}),
    ...(filter.transactionType ? { transactionType: filter.transactionType } : {}),
    ...(after ? { $or: [{ bookedAtMs: { $gt: after.bookedAtMs } }, { bookedAtMs: after.bookedAtMs, _id: { $gt: after.id } }] } : {}),
  };
  // One row more than asked says whether another page exists without counting.
  const rows = await db.collection<TransactionDocument>(TRANSACTIONS).find(query).sort({ bookedAtMs: 1, _id: 1 }).limit(limit + 1).toArray();
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1] as TransactionDocument;
  return { rows: page, next: { bookedAtMs: last.bookedAtMs, id: last._id } };
}
