/**
 * The zod pieces every route's input is built from, with reasons a caller can act on. Ids are
 * limited to the characters they really use, which also keeps them safe inside a visibility
 * query and a file path.
 */
import { z } from 'zod';
import { checkTypes } from '../../activities/reconcile';
import { checkTimeZone, WINDOW_HOURS_MAX, WINDOW_HOURS_MIN } from '../../lib/ledger/windows';
import { reconStatusValues } from '../queries/run-status';

export const accountId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'an account id: letters, digits, ., _ or - (at most 64)')
  .describe('Capital.com account id');

export const period = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2025-01')
  .describe('calendar month, YYYY-MM');

export const workflowId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9._-]+){0,6}$/, 'a run workflow id like recon:ACCOUNT:2025-01')
  .max(200)
  .describe('workflow id of a reconciliation run, e.g. recon:ACCOUNT:2025-01 or recon:ACCOUNT:2025-01:rerun-1');

export const timeZone = z
  .string()
  .refine(isTimeZone, 'an IANA time zone such as Europe/London')
  .transform((zone) => checkTimeZone(zone))
  .describe("the account's IANA time zone");

export const transactionType = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a transaction type such as DEPOSIT or TRADE_COMMISSION')
  .describe('Capital.com transactionType');

export const transactionTypes = z
  .array(transactionType)
  .min(1)
  .max(64)
  .refine(areDistinctTypes, 'distinct transaction types')
  .describe('reconcile only these types (a partial run: no roll-forward proof, no statements)');

export const windowHours = z.number().int().min(WINDOW_HOURS_MIN).max(WINDOW_HOURS_MAX).describe('ingestion window size in hours (default 24)');

export const reconStatus = z.enum(reconStatusValues).describe('ReconStatus search attribute');

/** A query-string limit: text that must be a whole number in range. */
export function pageLimit(defaultLimit: number, max: number) {
  const reason = `a whole number from 1 to ${max}`;
  return z.coerce.number({ error: reason }).int(reason).min(1, reason).max(max, reason).default(defaultLimit).describe(`rows per page, 1-${max} (default ${defaultLimit})`);
}

export const cursor = z.string().min(1).max(1024).describe('opaque cursor from the previous page (nextCursor)');

/** An instant in UTC: `2025-01-31T23:00:00Z` (an offset is converted) or a date, read as UTC midnight. */
export const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'an ISO 8601 time like 2025-01-01T00:00:00Z, or a date like 2025-01-01' })
  .transform((text) => Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text));

function isTimeZone(value: string): boolean {
  try {
    checkTimeZone(value);
    return true;
  } catch {
    return false;
  }
}

function areDistinctTypes(types: string[]): boolean {
  try {
    checkTypes(types);
    return true;
  } catch {
    return false;
  }
}
