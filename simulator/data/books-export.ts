/**
 * Streaming export of books entries: CSV (RFC 4180: CRLF line ends, a header row, fields quoted
 * when they hold a comma, a double quote, CR or LF, quotes doubled) and a JSON array written
 * element by element. Both respect back-pressure and leave the stream open for the caller to end.
 */
import { once } from 'node:events';
import { type Writable } from 'node:stream';
import { type BooksEntry } from './books';

export const BOOKS_CSV_COLUMNS = ['entryId', 'accountId', 'bookedAt', 'category', 'amount', 'currency', 'brokerReferences', 'description'] as const;

/** Refuse to write more entries than this (a bound on the loop; a year of a very busy account fits). */
export const EXPORT_ENTRIES_MAX = 100_000_000;
/** Flush to the stream once this much text is buffered. */
const CHUNK_CHARS = 64 * 1024;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(entry: BooksEntry): string {
  const fields = [
    entry.entryId,
    entry.accountId,
    entry.bookedAt,
    entry.category,
    entry.amount,
    entry.currency,
    // Several references share one field, separated by spaces (references are digits only).
    entry.brokerReferences.join(' '),
    entry.description,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

class ChunkedWriter {
  private buffer = '';

  constructor(private readonly out: Writable) {}

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

/** Writes the header and one line per entry; returns how many entries were written. */
export async function writeBooksCsv(entries: Iterable<BooksEntry> | AsyncIterable<BooksEntry>, out: Writable): Promise<number> {
  const writer = new ChunkedWriter(out);
  await writer.write(`${BOOKS_CSV_COLUMNS.join(',')}\r\n`);
  let count = 0;
  for await (const entry of entries) {
    if (count >= EXPORT_ENTRIES_MAX) throw new RangeError(`more than ${EXPORT_ENTRIES_MAX} books entries`);
    await writer.write(csvLine(entry));
    count++;
  }
  await writer.flush();
  return count;
}

/** Writes a JSON array of the entries, one element per line; returns how many entries were written. */
export async function writeBooksJson(entries: Iterable<BooksEntry> | AsyncIterable<BooksEntry>, out: Writable): Promise<number> {
  const writer = new ChunkedWriter(out);
  await writer.write('[');
  let count = 0;
  for await (const entry of entries) {
    if (count >= EXPORT_ENTRIES_MAX) throw new RangeError(`more than ${EXPORT_ENTRIES_MAX} books entries`);
    await writer.write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify(entry)}`);
    count++;
  }
  await writer.write(count === 0 ? ']\n' : '\n]\n');
  await writer.flush();
  return count;
}
