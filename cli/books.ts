import { loadConfig } from '../lib/config';
import { BooksFileError, formatOf, readBooksFile } from '../lib/store/books-file';
import { ensureBookIndexes, saveBookEntries } from '../lib/store/books';
import { connectDatabase } from './connections';
import { UserError } from './errors';

/** `recon books import <file>`: the company's internal books into MongoDB, idempotently. */
export async function runBooksImport(file: string, options: { format?: string; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const format = asUserError(() => formatOf(file, options.format));
  const mongo = await connectDatabase(config, 'recon books import');
  try {
    await ensureBookIndexes(mongo.db);
    // Two streaming passes: check every record first, so a bad line leaves the store untouched.
    for await (const _entry of readBooksFile(file, format)) void _entry;
    const counts = await saveBookEntries(mongo.db, readBooksFile(file, format));
    const total = counts.inserted + counts.updated + counts.unchanged;
    if (options.json) console.log(JSON.stringify({ file, format, entries: total, ...counts }));
    else console.log(`Imported ${total} book entries from ${file}: ${counts.inserted} new, ${counts.updated} changed, ${counts.unchanged} already up to date.`);
  } catch (error) {
    if (error instanceof BooksFileError) throw new UserError(error.message);
    throw error;
  } finally {
    await mongo.close();
  }
}

function asUserError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}
