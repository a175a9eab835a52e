import type { Db } from 'mongodb';
import { ensureBalanceIndexes } from './balances';
import { ensureBookIndexes } from './books';
import { ensureTransactionIndexes } from './transactions';

/** Every index the reconciliation queries rely on (idempotent; workers call it at start). */
export async function ensureIndexes(db: Db): Promise<void> {
  await ensureTransactionIndexes(db);
  await ensureBookIndexes(db);
  await ensureBalanceIndexes(db);
}
