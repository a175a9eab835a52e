import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { parseString } from 'fast-csv';
import { canonical, sum, toDecimal } from '../../../lib/money';
import { booksBetween, booksDifferences, writeBooksCsv, writeBooksJson, type BooksDifference, type BooksEntry } from '../../../simulator/data/books';
import { transactionsBetween, type TransactionRow } from '../../../simulator/data/transactions';
import { APRIL_START_MS, MARCH_START_MS, SEED, usdAccount } from './helpers';

const account = usdAccount();
const period = { seed: SEED, account, fromMs: MARCH_START_MS, toMs: APRIL_START_MS };
const broker = [...transactionsBetween(period)];
const books = [...booksBetween(period)];
const differences = booksDifferences(period);

function only<K extends BooksDifference['kind']>(kind: K): Extract<BooksDifference, { kind: K }> {
  const found = differences.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as Extract<BooksDifference, { kind: K }>;
}

const brokerByReference = new Map(broker.map((r) => [r.reference, r]));
const entriesByReference = new Map<string, BooksEntry[]>();
for (const entry of books) for (const reference of entry.brokerReferences) entriesByReference.set(reference, [...(entriesByReference.get(reference) ?? []), entry]);

describe('simulator books: exactly the documented differences', () => {
  test('one difference of each kind is reported, deterministically', () => {
    assert.deepEqual(differences.map((d) => d.kind).sort(), ['AMOUNT_MISMATCH', 'DUPLICATE_IN_BOOKS', 'MISSING_IN_BOOKS', 'TIMING']);
    assert.deepEqual(booksDifferences(period), differences);
    assert.equal(JSON.stringify([...booksBetween(period)]), JSON.stringify(books));
  });

  test('every broker row is booked once, except the missing deposit, the duplicate and the daily funding', () => {
    const missing = only('MISSING_IN_BOOKS');
    const duplicate = only('DUPLICATE_IN_BOOKS');
    assert.equal(brokerByReference.get(missing.brokerReference)?.transactionType, 'DEPOSIT');
    for (const row of broker) {
      const count = entriesByReference.get(row.reference)?.length ?? 0;
      if (row.transactionType === 'SWAP') assert.equal(count, 0, 'funding lines carry no references');
      else if (row.reference === missing.brokerReference) assert.equal(count, 0);
      else if (row.reference === duplicate.brokerReference) assert.equal(count, 2);
      else assert.equal(count, 1, `${row.transactionType} ${row.reference}`);
    }
    for (const reference of entriesByReference.keys()) assert.ok(brokerByReference.has(reference), `books invent ${reference}`);
  });

  test('single-reference lines copy the broker amount and time, except the fee and timing differences', () => {
    const mismatch = only('AMOUNT_MISMATCH');
    const timing = only('TIMING');
    for (const entry of books.filter((e) => e.brokerReferences.length === 1)) {
      const row = brokerByReference.get(entry.brokerReferences[0] as string) as TransactionRow;
      if (entry.entryId === mismatch.entryId) {
        assert.equal(canonical(toDecimal(entry.amount).minus(row.size)), canonical(toDecimal(mismatch.difference)));
        assert.equal(row.transactionType, 'WITHDRAWAL');
        assert.ok(toDecimal(mismatch.difference).isPositive());
      } else {
        assert.ok(toDecimal(entry.amount).eq(toDecimal(row.size)), entry.entryId);
      }
      if (entry.entryId === timing.entryId) {
        assert.equal(row.reference, timing.brokerReference);
        assert.ok(entry.bookedAt.slice(0, 10) > row.dateUtc.slice(0, 10), 'booked on a later day');
        assert.equal(entry.bookedAt, timing.bookedAt);
      } else {
        assert.equal(entry.bookedAt, `${row.dateUtc}Z`, entry.entryId);
      }
    }
    assert.ok(books.some((e) => e.entryId === mismatch.entryId) && books.some((e) => e.entryId === timing.entryId));
  });

  test('a trade booked with its commission (1:N) carries both references and their sum', () => {
    const netted = books.filter((e) => e.brokerReferences.length === 2);
    assert.ok(netted.length > 10);
    for (const entry of netted) {
      const [trade, commission] = entry.brokerReferences.map((r) => brokerByReference.get(r) as TransactionRow);
      assert.equal(entry.category, 'REALISED_PNL_NET_OF_COMMISSION');
      assert.equal(trade?.transactionType, 'TRADE');
      assert.equal(commission?.transactionType, 'TRADE_COMMISSION');
      assert.equal(trade?.dealId, commission?.dealId);
      assert.ok(toDecimal(entry.amount).eq(toDecimal(trade!.size).plus(commission!.size)));
    }
  });

  test('overnight funding is one line per day (N:1) equal to that day’s SWAP rows', () => {
    const swapDays = new Map<string, string[]>();
    for (const row of broker.filter((r) => r.transactionType === 'SWAP')) swapDays.set(row.dateUtc.slice(0, 10), [...(swapDays.get(row.dateUtc.slice(0, 10)) ?? []), row.size]);
    const funding = books.filter((e) => e.category === 'OVERNIGHT_FUNDING');
    assert.equal(funding.length, swapDays.size);
    for (const entry of funding) {
      const sizes = swapDays.get(entry.bookedAt.slice(0, 10)) ?? [];
      assert.ok(toDecimal(entry.amount).eq(sum(sizes.map((s) => toDecimal(s)))), entry.entryId);
      assert.deepEqual(entry.brokerReferences, []);
    }
  });

  test('the totals differ by exactly the injected amounts', () => {
    const missing = only('MISSING_IN_BOOKS');
    const mismatch = only('AMOUNT_MISMATCH');
    const duplicated = brokerByReference.get(only('DUPLICATE_IN_BOOKS').brokerReference) as TransactionRow;
    const brokerTotal = sum(broker.map((r) => toDecimal(r.size)));
    const booksTotal = sum(books.map((e) => toDecimal(e.amount)));
    const expected = brokerTotal.minus(missing.brokerAmount).plus(mismatch.difference).plus(duplicated.size);
    assert.equal(canonical(booksTotal), canonical(expected));
  });

  test('entry ids are unique, amounts have two decimals and lines come in booking order', () => {
    assert.equal(new Set(books.map((e) => e.entryId)).size, books.length);
    for (let i = 0; i < books.length; i++) {
      const entry = books[i] as BooksEntry;
      assert.match(entry.amount, /^-?\d+\.\d\d$/);
      assert.match(entry.entryId, /^BK-\d{6}-\d{8}-\d{5}$/);
      if (i > 0) assert.ok((books[i - 1] as BooksEntry).bookedAt <= entry.bookedAt);
    }
  });
});

async function collect(write: (out: Writable) => Promise<number>): Promise<{ text: string; count: number }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const count = await write(out);
  out.end();
  await new Promise((resolve) => out.once('end', resolve));
  return { text: Buffer.concat(chunks).toString('utf8'), count };
}

function parseCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const records: string[][] = [];
    parseString(text, { headers: false })
      .on('data', (record: string[]) => records.push(record))
      .on('error', reject)
      .on('end', () => resolve(records));
  });
}

const tricky: BooksEntry = {
  entryId: 'BK-000001-20250301-00001',
  accountId: '12345678901234567',
  bookedAt: '2025-03-01T10:00:00.000Z',
  category: 'OTHER',
  amount: '-1.50',
  currency: 'USD',
  brokerReferences: ['111', '222'],
  description: 'Fee, "express" payout\r\nsecond line\nthird, line',
};

describe('simulator books: export', () => {
  test('CSV quotes commas, quotes and line breaks (RFC 4180) and round-trips through a CSV parser', async () => {
    const { text, count } = await collect((out) => writeBooksCsv([tricky], out));
    assert.equal(count, 1);
    const [header, ...rest] = text.split('\r\n');
    assert.equal(header, 'entryId,accountId,bookedAt,category,amount,currency,brokerReferences,description');
    assert.equal(rest.join('\r\n'), 'BK-000001-20250301-00001,12345678901234567,2025-03-01T10:00:00.000Z,OTHER,-1.50,USD,111 222,"Fee, ""express"" payout\r\nsecond line\nthird, line"\r\n');
    const records = await parseCsv(text);
    assert.deepEqual(records[1], ['BK-000001-20250301-00001', '12345678901234567', '2025-03-01T10:00:00.000Z', 'OTHER', '-1.50', 'USD', '111 222', tricky.description]);
  });

  test('a month of books exports to CSV and back without loss', async () => {
    const { text, count } = await collect((out) => writeBooksCsv(booksBetween(period), out));
    assert.equal(count, books.length);
    const records = await parseCsv(text);
    assert.equal(records.length, books.length + 1);
    books.forEach((entry, i) => {
      const record = records[i + 1] as string[];
      assert.equal(record[0], entry.entryId);
      assert.equal(record[4], entry.amount);
      assert.equal(record[7], entry.description);
    });
    assert.ok(books.some((e) => /[",\r\n]/.test(e.description)), 'real descriptions exercise the quoting');
  });

  test('JSON export is one array, written incrementally, equal to the entries', async () => {
    const { text, count } = await collect((out) => writeBooksJson(books, out));
    assert.equal(count, books.length);
    assert.deepEqual(JSON.parse(text), books);
    assert.deepEqual(JSON.parse((await collect((out) => writeBooksJson([], out))).text), []);
  });

  test('writers wait for a slow stream to drain', async () => {
    let received = '';
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.toString('utf8');
        setTimeout(callback, 1);
      },
    });
    const count = await writeBooksJson(books, slow);
    await new Promise<void>((resolve) => slow.end(resolve));
    assert.equal(count, books.length);
    assert.deepEqual(JSON.parse(received), books);
  });
});
