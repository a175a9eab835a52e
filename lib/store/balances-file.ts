import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { canonical, toDecimal } from '../money';
import { balanceSnapshotId, type BalanceSnapshotDocument } from './balances';

/**
 * Balances from the broker's statements (`recon balances import`): a JSON array of
 * `{ accountId, at, cash, currency }`, `at` an ISO-8601 instant with a zone (every transaction
 * booked strictly before it is in `cash`), `cash` a decimal string.
 */
/** Date, time and zone spelled out: no locale guessing (01/02/2025), no impossible dates (luxon refuses 30 February). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const statementBalanceSchema = z.object({
  accountId: z.string().trim().min(1),
  at: z
    .string()
    .trim()
    .refine((v) => ISO_INSTANT.test(v) && DateTime.fromISO(v, { setZone: true }).isValid, { error: 'expected an ISO-8601 instant with a zone, e.g. 2025-01-31T23:59:59Z' }),
  cash: z.string({ error: 'expected a decimal string such as "10234.56" (not a JSON number: it would not be exact)' }).trim().regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal string such as "10234.56" (not a JSON number: it would not be exact)' }),
  currency: z.string().trim().min(3).max(8),
});

export class BalancesFileError extends Error {
  override name = 'BalancesFileError';
}

export async function readBalancesFile(file: string): Promise<BalanceSnapshotDocument[]> {
  let records: unknown;
  try {
    records = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BalancesFileError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(records)) throw new BalancesFileError(`${file}: expected a JSON array of { accountId, at, cash, currency }`);
  return records.map((record, index) => {
    const parsed = statementBalanceSchema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BalancesFileError(`${file}: record ${index + 1}: ${issue?.path.join('.') || 'record'}: ${issue?.message}`);
    }
    const atMs = DateTime.fromISO(parsed.data.at, { setZone: true }).toMillis();
    return {
      _id: balanceSnapshotId(parsed.data.accountId, atMs, 'statement'),
      accountId: parsed.data.accountId,
      atMs,
      at: new Date(atMs),
      uncertainUntilMs: atMs,
      cash: canonical(toDecimal(parsed.data.cash)),
      currency: parsed.data.currency,
      source: 'statement' as const,
      takenBy: file,
    };
  });
}
