import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { type BookEntry, type BrokerRecord, matchRecords } from '../../../lib/ledger/matching';
import { toDecimal, toMinorUnits } from '../../../lib/money';
import { booksBetween, booksDifferences, simulatedAccounts, transactionsBetween, type BooksEntry, type SimulatedAccount, type TransactionRow } from '../../../simulator/data';

const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
const SCALE = 2;

function brokerKeyOf(accountId: string, row: TransactionRow): string {
  return `capital|${accountId}|${row.reference}|${row.transactionType}|0`;
}

function toBrokerRecord(accountId: string, row: TransactionRow): BrokerRecord {
  const record: BrokerRecord = {
    key: brokerKeyOf(accountId, row),
    reference: row.reference,
    transactionType: row.transactionType,
    bookedAtMs: Date.parse(`${row.dateUtc}Z`),
    amountMinor: toMinorUnits(toDecimal(row.size), SCALE),
    currency: row.currency,
  };
  if (row.dealId !== undefined) record.dealId = row.dealId;
  return record;
}

function toBookEntry(entry: BooksEntry): BookEntry {
  return {
    entryId: entry.entryId,
    bookedAtMs: Date.parse(entry.bookedAt),
    category: entry.category,
    amountMinor: toMinorUnits(toDecimal(entry.amount), SCALE),
    currency: entry.currency,
    brokerReferences: entry.brokerReferences,
  };
}

function simulatedMonth(account: SimulatedAccount) {
  const period = { seed: 1, account, ...JANUARY };
  const rows = [...transactionsBetween(period)];
  return {
    rows,
    broker: rows.map((row) => toBrokerRecord(account.accountId, row)),
    book: [...booksBetween(period)].map(toBookEntry),
    differences: booksDifferences(period),
  };
}

describe('matching a simulated month (seed 1, first account, January 2025)', () => {
  const account = simulatedAccounts(1, 3)[0] as SimulatedAccount;
  const { rows, broker, book, differences } = simulatedMonth(account);
  const result = matchRecords(broker, book);

  test('the exceptions are exactly the four the simulator injected', () => {
    const injected = new Map(differences.map((d) => [d.kind, d]));
    assert.equal(differences.length, 4);
    const missing = injected.get('MISSING_IN_BOOKS');
    const mismatch = injected.get('AMOUNT_MISMATCH');
    const timing = injected.get('TIMING');
    const duplicate = injected.get('DUPLICATE_IN_BOOKS');
    assert.ok(missing?.kind === 'MISSING_IN_BOOKS' && mismatch?.kind === 'AMOUNT_MISMATCH' && timing?.kind === 'TIMING' && duplicate?.kind === 'DUPLICATE_IN_BOOKS');
    const rowOf = (reference: string): TransactionRow => rows.find((r) => r.reference === reference) as TransactionRow;

    const found = result.exceptions.map((e) => ({ kind: e.kind, brokerKeys: e.brokerKeys, bookEntryIds: e.bookEntryIds, differenceMinor: e.differenceMinor }));
    const expected = [
      { kind: 'AMOUNT_MISMATCH', brokerKeys: [brokerKeyOf(account.accountId, rowOf(mismatch.brokerReference))], bookEntryIds: [mismatch.entryId], differenceMinor: toMinorUnits(toDecimal(mismatch.difference), SCALE) },
      { kind: 'DUPLICATE', brokerKeys: [brokerKeyOf(account.accountId, rowOf(duplicate.brokerReference))], bookEntryIds: [duplicate.entryIds[1]], differenceMinor: undefined },
      { kind: 'MISSING_INTERNAL', brokerKeys: [brokerKeyOf(account.accountId, rowOf(missing.brokerReference))], bookEntryIds: [], differenceMinor: -toMinorUnits(toDecimal(missing.brokerAmount), SCALE) },
      { kind: 'TIMING_DIFFERENCE', brokerKeys: [brokerKeyOf(account.accountId, rowOf(timing.brokerReference))], bookEntryIds: [timing.entryId], differenceMinor: undefined },
    ];
    assert.deepEqual(found, expected);
  });

  test('everything else matched: every record and entry is in one match or one settling exception', () => {
    const { stats } = result;
    assert.equal(stats.brokerRecords, broker.length);
    // Unmatched broker rows: the missing deposit and the withdrawal in the amount mismatch.
    assert.equal(stats.matchedBrokerRecords, broker.length - 2);
    // Unmatched entries: the mismatched withdrawal and the duplicate copy.
    assert.equal(stats.matchedBookEntries, book.length - 2);
    const seenKeys = new Set<string>();
    const seenEntries = new Set<string>();
    const settling = [...result.matches, ...result.exceptions.filter((e) => e.kind !== 'TIMING_DIFFERENCE' && e.kind !== 'DUPLICATE')];
    for (const item of settling) {
      for (const key of item.brokerKeys) {
        assert.ok(!seenKeys.has(key), `broker record ${key} settled twice`);
        seenKeys.add(key);
      }
      for (const id of item.bookEntryIds) {
        assert.ok(!seenEntries.has(id), `book entry ${id} settled twice`);
        seenEntries.add(id);
      }
    }
    for (const e of result.exceptions.filter((x) => x.kind === 'DUPLICATE')) for (const id of e.bookEntryIds) seenEntries.add(id);
    assert.equal(seenKeys.size, broker.length);
    assert.equal(seenEntries.size, book.length);
  });

  test('all three strategies occur: 1:1 lines, 1:N net-of-commission lines, N:1 daily funding', () => {
    const { matches } = result.stats;
    assert.ok(matches['1:1'] > 1000, `1:1 ${matches['1:1']}`);
    assert.ok(matches['1:N'] > 10, `1:N ${matches['1:N']}`);
    assert.equal(matches['N:1'], book.filter((e) => e.category === 'OVERNIGHT_FUNDING').length);
    assert.ok(matches['N:1'] >= 28);
  });
});

describe('matching at scale', () => {
  test('100,000 broker records and their books match in well under a few seconds', (t) => {
    const account = { ...(simulatedAccounts(1, 3)[0] as SimulatedAccount), transactionsPerMonth: 100_000 };
    const { broker, book, differences } = simulatedMonth(account);
    assert.ok(broker.length >= 100_000, `${broker.length} records`);
    matchRecords(broker.slice(0, 2000), book.slice(0, 2000)); // warm the JIT so the timing is the algorithm's
    const started = performance.now();
    const result = matchRecords(broker, book);
    const elapsedMs = performance.now() - started;
    t.diagnostic(`matched ${broker.length} broker records against ${book.length} book entries in ${elapsedMs.toFixed(0)} ms`);
    assert.equal(result.exceptions.length, differences.length);
    assert.ok(elapsedMs < 3000, `took ${elapsedMs.toFixed(0)} ms`);
  });
});
