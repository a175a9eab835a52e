import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BOOKS_COLLECTION, type BookEntryDocument } from '../../../lib/store/books';
import type { MongoHandle } from '../../../lib/store/mongo';
import { simulatedAccounts } from '../../../simulator/data/accounts';
import { booksBetween, writeBooksCsv, writeBooksJson } from '../../../simulator/data/books';
import { recon as runRecon } from '../../helpers/recon-cli';
import { openTestDatabase, testStack } from '../../helpers/stack';

const dir = mkdtempSync(path.join(tmpdir(), 'recon-books-'));
const account = simulatedAccounts(1, 2)[0]!;
const january = { seed: 1, account, fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
let mongo: MongoHandle;

const recon = (...args: string[]) => runRecon({ MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName }, ...args);

async function writeFile(name: string, write: typeof writeBooksCsv): Promise<string> {
  const file = path.join(dir, name);
  const stream = createWriteStream(file);
  await write(booksBetween(january), stream);
  stream.end();
  await once(stream, 'finish');
  return file;
}

before(async () => {
  mongo = await openTestDatabase(testStack(), 'books');
});
after(() => mongo?.close());

describe('recon books import: the company books into the real database', () => {
  test('a CSV month imports every entry, exactly, and a second import changes nothing', async () => {
    const expected = [...booksBetween(january)];
    const file = await writeFile('books.csv', writeBooksCsv);
    const first = await recon('books', 'import', file, '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { file, format: 'csv', entries: expected.length, inserted: expected.length, updated: 0, unchanged: 0 });

    const stored = await mongo.db.collection<BookEntryDocument>(BOOKS_COLLECTION).find({ accountId: account.accountId, bookedAt: { $gte: new Date(january.fromMs), $lt: new Date(january.toMs) } }).toArray();
    assert.equal(stored.length, expected.length);
    const byId = new Map(stored.map((s) => [s.entryId, s]));
    for (const entry of expected) {
      const row = byId.get(entry.entryId);
      assert.ok(row, entry.entryId);
      assert.equal(row.amount, entry.amount.replace(/\.?0+$/, '') || '0');
      assert.deepEqual(row.brokerReferences, entry.brokerReferences);
      assert.equal(row.description, entry.description, 'commas, quotes and line breaks survive');
    }

    const again = await recon('books', 'import', file, '--json');
    assert.deepEqual(JSON.parse(again.stdout), { file, format: 'csv', entries: expected.length, inserted: 0, updated: 0, unchanged: expected.length });
  });

  test('the JSON export imports to the same documents', async () => {
    const file = await writeFile('books.json', writeBooksJson);
    const result = await recon('books', 'import', file, '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).unchanged, await mongo.db.collection(BOOKS_COLLECTION).countDocuments());
  });

  test('a bad record is reported with its line and nothing is written', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'entryId,accountId,bookedAt,category,amount,currency,brokerReferences,description\r\nX1,A9,2025-01-02T00:00:00Z,OTHER,1.00,USD,,ok\r\nX2,A9,2025-01-02T00:00:00Z,OTHER,1.005,USD,,bad\r\n');
    const result = await recon('books', 'import', file);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /record 2 \(line 3\): amount: expected a decimal with at most 2 places/);
    assert.equal(await mongo.db.collection(BOOKS_COLLECTION).countDocuments({ accountId: 'A9' }), 0);
  });
});
