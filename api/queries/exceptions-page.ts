import type { Db } from 'mongodb';
import { EXCEPTIONS, type ExceptionDocument } from '../../lib/store/reconciliation';

/** A run's exceptions in `_id` order (as `recon exceptions` lists them), a page at a time after `afterId`. */
export async function exceptionsPage(db: Db, runId: string, limit: number, afterId?: string): Promise<{ rows: ExceptionDocument[]; nextAfterId?: string }> {
  const query = { runId, ...(afterId !== undefined ? { _id: { $gt: afterId } } : {}) };
  const rows = await db.collection<ExceptionDocument>(EXCEPTIONS).find(query).sort({ _id: 1 }).limit(limit + 1).toArray();
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  return { rows: page, nextAfterId: (page[page.length - 1] as ExceptionDocument)._id };
}
