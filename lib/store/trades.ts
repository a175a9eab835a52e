import type { Db } from 'mongodb';
import { TRANSACTIONS, type TransactionDocument } from './transactions';

/** One account's TRADE transactions (realised P/L) booked in [fromMs, toMs), oldest first. */
export function tradesBetween(db: Db, accountId: string, fromMs: number, toMs: number) {
  return db
    .collection<TransactionDocument>(TRANSACTIONS)
    .find({ accountId, transactionType: 'TRADE', bookedAtMs: { $gte: fromMs, $lt: toMs } })
    .sort({ bookedAtMs: 1, _id: 1 })
    .project<Pick<TransactionDocument, 'key' | 'bookedAtMs' | 'dealId' | 'instrument'>>({ _id: 0, key: 1, bookedAtMs: 1, dealId: 1, instrument: 1 });
}
