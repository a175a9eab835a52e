/**
 * Opaque page cursors for keyset pagination. A cursor holds the sort key of the last row served
 * and a fingerprint of the query it belongs to; it is stable under inserts (it names a position
 * in the order, not an offset) and refuses to be used with a different query.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const CURSOR_VERSION = 1;
const CURSOR_LENGTH_MAX = 1_024;

const payloadSchema = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  /** The sort key of the last row served: values in sort order (e.g. [bookedAtMs, _id]). */
  after: z.array(z.union([z.string().max(512), z.number().finite()])).min(1).max(4),
  /** Which query the cursor belongs to. */
  q: z.string().length(16),
});

export type CursorKey = Array<string | number>;

export class CursorError extends Error {
  override name = 'CursorError';
}

/** A short digest of the filter a cursor belongs to (field order does not matter). */
export function queryFingerprint(filter: Record<string, unknown>): string {
  const sorted = Object.keys(filter)
    .sort()
    .map((k) => [k, filter[k] ?? null]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

export function encodeCursor(after: CursorKey, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, after, q: fingerprint }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): CursorKey {
  if (cursor.length > CURSOR_LENGTH_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new CursorError('not a cursor this API issued');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('not a cursor this API issued');
  }
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) throw new CursorError('not a cursor this API issued');
  if (parsed.data.q !== fingerprint) throw new CursorError('this cursor belongs to a query with other parameters; start again without it');
  return parsed.data.after;
}
