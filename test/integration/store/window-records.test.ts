import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MongoHandle } from '../../../lib/store/mongo';
import { Binary } from 'mongodb';
import { saveWindowRows, WINDOW_RECORDS, windowRecordsCollectionName, windowRecordsOf, windowRows, type WindowRecord, type WindowRowsDocument } from '../../../lib/store/window-records';
import { openTestDatabase, testStack } from '../../helpers/stack';

let mongo: MongoHandle;

before(async () => {
  mongo = await openTestDatabase(testStack(), 'window_rows');
});

after(async () => {
  await mongo?.close();
});

function record(i: number): WindowRecord {
  // Written newest first, with ties on the instant, to see the stored order is the reading order.
  return { key: `capital:acc:ref-${String(i).padStart(6, '0')}:TRADE:0`, reference: `ref-${i}`, transactionType: 'TRADE', bookedAtMs: 1_735_689_600_000 + Math.floor((12_345 - i) / 2) * 1000, amountMinor: String(i - 6_000), currency: 'USD', ...(i % 3 === 0 ? { dealId: `deal-${i}` } : {}) };
}

test("a window's rows come back in time order across chunks, exactly as written, and windows in the order asked", async () => {
  const many = Array.from({ length: 12_345 }, (_, i) => record(i));
  await saveWindowRows(mongo.db, 'run-1', 4, 'records', many);
  await saveWindowRows(mongo.db, 'run-1', 5, 'records', [record(99_999)]);
  await saveWindowRows(mongo.db, 'run-1', 6, 'records', []);
  const chunks = await windowRecordsOf(mongo.db, 'run-1').countDocuments({ windowIndex: 4 });
  assert.equal(chunks, 3, '12,345 rows in chunks of 5,000');

  const read: WindowRecord[] = [];
  for await (const row of windowRows(mongo.db, 'run-1', [4, 6, 5], 'records')) read.push(row);
  assert.equal(read.length, 12_346);
  const expected = [...many].sort((a, b) => a.bookedAtMs - b.bookedAtMs || (a.key < b.key ? -1 : 1));
  assert.deepEqual(read.slice(0, 12_345), expected);
  assert.deepEqual(read[12_345], record(99_999));
});

test('a window the run never kept is an error that says so, not an empty month', async () => {
  await assert.rejects(async () => {
    for await (const _row of windowRows(mongo.db, 'run-1', [4, 7], 'records')) void _row;
  }, /window 7 of run run-1 kept no records/);
});

test('writing the same window again leaves one copy', async () => {
  await saveWindowRows(mongo.db, 'run-2', 0, 'positions', [{ dealId: 'd1', epic: 'EURUSD', atMs: 1, source: 'USER', status: 'ACCEPTED' }]);
  await saveWindowRows(mongo.db, 'run-2', 0, 'positions', [{ dealId: 'd1', epic: 'EURUSD', atMs: 1, source: 'USER', status: 'ACCEPTED' }]);
  const rows = [];
  for await (const row of windowRows(mongo.db, 'run-2', [0], 'positions')) rows.push(row);
  assert.equal(rows.length, 1);
});

test('chunks are stored compressed; chunks kept as plain JSON before compression still read; a damaged chunk is an error', async () => {
  const rows = Array.from({ length: 5_000 }, (_, i) => record(i));
  await saveWindowRows(mongo.db, 'run-3', 0, 'records', rows);
  const windows = windowRecordsOf(mongo.db, 'run-3');
  const stored = await windows.findOne({ _id: 'run-3:0:records:0' });
  assert.ok(stored?.rowsGzip && stored.rowsJson === undefined);
  const plainBytes = Buffer.byteLength(JSON.stringify(rows));
  assert.ok(stored.rowsGzip.length() * 4 < plainBytes, `${stored.rowsGzip.length()} bytes compressed against ${plainBytes} plain`);

  const readAll = async (runId: string) => {
    const read: WindowRecord[] = [];
    for await (const row of windowRows(mongo.db, runId, [0], 'records')) read.push(row);
    return read;
  };
  const expected = await readAll('run-3');
  assert.equal(expected.length, 5_000);
  // Before per-run collections, all runs' chunks were in one collection, read by id.
  await mongo.db.collection<WindowRowsDocument>(WINDOW_RECORDS).insertOne({ _id: 'run-old:0:records:0', runId: 'run-old', windowIndex: 0, kind: 'records', chunk: 0, chunks: 1, rowsJson: JSON.stringify(expected) });
  assert.deepEqual(await readAll('run-old'), expected);

  const damaged = Buffer.from(stored.rowsGzip.buffer);
  const crcAt = damaged.length - 8; // gzip's trailer: CRC-32 of the text, then its length
  damaged.writeUInt8(damaged.readUInt8(crcAt) ^ 0xff, crcAt);
  await windows.updateOne({ _id: stored._id }, { $set: { rowsGzip: new Binary(damaged) } });
  await assert.rejects(() => readAll('run-3'), /incorrect data check/);
});

test("each run keeps its chunks in a collection of its own, so a run's reads never see, or pay for, another run's", async () => {
  await saveWindowRows(mongo.db, 'recon:ACC-1:2026-10', 0, 'records', [record(1)]);
  await saveWindowRows(mongo.db, 'recon:ACC-1:2026-10:rerun-1', 0, 'records', [record(2), record(3)]);
  const names = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  assert.ok(names.includes('window_records.recon:ACC-1:2026-10') && names.includes('window_records.recon:ACC-1:2026-10:rerun-1'), names.join(', '));
  assert.equal(await windowRecordsOf(mongo.db, 'recon:ACC-1:2026-10').countDocuments({}), 1);
  const rerun = [];
  for await (const row of windowRows(mongo.db, 'recon:ACC-1:2026-10:rerun-1', [0], 'records')) rerun.push(row.reference);
  assert.deepEqual(rerun.sort(), ['ref-2', 'ref-3']);
});

test('a run id that cannot name a collection, or is too long to, is hashed into one', async () => {
  assert.equal(windowRecordsCollectionName('recon:ACC-1:2026-10'), 'window_records.recon:ACC-1:2026-10');
  for (const runId of ['run$1', 'x'.repeat(101), 'nul\0run', '']) {
    const name = windowRecordsCollectionName(runId);
    assert.match(name, /^window_records\.[0-9a-f]{32}$/, runId);
    assert.notEqual(name, windowRecordsCollectionName(`${runId}.`));
  }
  await saveWindowRows(mongo.db, 'run$1', 2, 'positions', [{ dealId: 'd9', epic: 'GOLD', atMs: 5, source: 'USER', status: 'ACCEPTED' }]);
  const rows = [];
  for await (const row of windowRows(mongo.db, 'run$1', [2], 'positions')) rows.push(row.dealId);
  assert.deepEqual(rows, ['d9']);
});
