import { parse } from 'fast-csv';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { canonical, toDecimal, toMinorUnits } from '../money';
import type { BookEntryDocument } from './books';

/**
 * The internal books file (`recon books import`): CSV with a header row or a JSON array, each
 * record `entryId, accountId, bookedAt (ISO-8601 UTC), category, amount, currency,
 * brokerReferences (space-separated in CSV, an array in JSON), description`.
 */
const recordSchema = z.object({
  entryId: z.string().trim().min(1),
  accountId: z.string().trim().min(1),
  bookedAt: z.string().trim().refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
    error: 'expected an ISO-8601 time with a zone, e.g. 2025-01-31T23:59:59Z',
  }),
  category: z.string().trim().min(1),
  // Never rounded: an amount with more decimals than the books keep is an error in the file.
  amount: z.string().trim().regex(/^-?\d+(\.\d{1,2})?$/, { error: 'expected a decimal with at most 2 places, like -80.43' }),
  currency: z.string().trim().min(3).max(8),
  brokerReferences: z.union([z.array(z.string().trim().min(1)), z.string()]).transform((v) => (Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean))),
  description: z.string().default(''),
});

export class BooksFileError extends Error {
  override name = 'BooksFileError';
}

const AMOUNT_SCALE = 2;
const RECORDS_MAX = 50_000_000;

/** Reads and validates a books file; the first bad record stops it with its position and reason. */
export async function* readBooksFile(file: string, format: 'csv' | 'json'): AsyncGenerator<BookEntryDocument> {
  const records = format === 'csv' ? csvRecords(file) : jsonRecords(file);
  let position = 0;
  for await (const record of records) {
    position++;
    if (position > RECORDS_MAX) throw new BooksFileError(`${file}: more than ${RECORDS_MAX} records`);
    const parsed = recordSchema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BooksFileError(`${file}: record ${position}${format === 'csv' ? ` (line ${position + 1})` : ''}: ${issue?.path.join('.') || 'record'}: ${issue?.message}`);
    }
    yield bookEntryDocument(parsed.data);
  }
}

/** A validated books record as stored: amounts exact, at the books' two decimals. */
export function bookEntryDocument(entry: z.output<typeof recordSchema>): BookEntryDocument {
  const amount = toDecimal(entry.amount);
  return {
    _id: `${entry.accountId}:${entry.entryId}`,
    entryId: entry.entryId,
    accountId: entry.accountId,
    bookedAt: new Date(entry.bookedAt),
    category: entry.category,
    amount: canonical(amount),
    amountMinor: toMinorUnits(amount, AMOUNT_SCALE).toString(),
    scale: AMOUNT_SCALE,
    currency: entry.currency,
    brokerReferences: entry.brokerReferences,
    description: entry.description,
  };
}

/** Validates one books record as read from a file (CSV text fields or JSON values). */
export function parseBookRecord(record: unknown): BookEntryDocument {
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) throw new BooksFileError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return bookEntryDocument(parsed.data);
}

export function formatOf(file: string, explicit?: string): 'csv' | 'json' {
  const format = explicit ?? (file.toLowerCase().endsWith('.json') ? 'json' : file.toLowerCase().endsWith('.csv') ? 'csv' : undefined);
  if (format !== 'csv' && format !== 'json') throw new BooksFileError(`${file}: cannot tell the format from the name; pass --format csv or --format json`);
  return format;
}

async function* csvRecords(file: string): AsyncGenerator<unknown> {
  yield* createReadStream(file).pipe(parse({ headers: true, strictColumnHandling: true, trim: false }));
}

/** A JSON array, read whole (books files are one month of one account; CSV streams). */
async function* jsonRecords(file: string): AsyncGenerator<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BooksFileError(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(value)) throw new BooksFileError(`${file}: expected a JSON array of book entries`);
  yield* value;
}
