import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BookEntry, type BrokerRecord, type MatchingRules, DEFAULT_MATCHING_RULES, MatchingInputError, MatchingRulesError, matchRecords } from '../../../lib/ledger/matching';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2025, 0, 15, 10, 0);

function broker(reference: string, amountMinor: bigint, overrides: Partial<BrokerRecord> = {}): BrokerRecord {
  return { key: `cap|acc|${reference}|${overrides.transactionType ?? 'TRADE'}|0`, reference, transactionType: 'TRADE', bookedAtMs: T0, amountMinor, currency: 'USD', ...overrides };
}

function entry(entryId: string, amountMinor: bigint, brokerReferences: string[], overrides: Partial<BookEntry> = {}): BookEntry {
  return { entryId, bookedAtMs: T0, category: 'REALISED_PNL', amountMinor, currency: 'USD', brokerReferences, ...overrides };
}

function kinds(result: ReturnType<typeof matchRecords>): string[] {
  return result.exceptions.map((e) => e.kind);
}

const tolerant: MatchingRules = { ...DEFAULT_MATCHING_RULES, amountToleranceMinor: 5n };

describe('matching by reference', () => {
  test('exact 1:1: one entry, one record, same amount and time', () => {
    const result = matchRecords([broker('R1', -8043n)], [entry('BK-1', -8043n, ['R1'])]);
    assert.deepEqual(result.exceptions, []);
    assert.deepEqual(result.matches, [
      { matchId: 'v1:match:BK-1', strategy: '1:1', rule: 'reference-exact@v1', brokerKeys: ['cap|acc|R1|TRADE|0'], bookEntryIds: ['BK-1'], differenceMinor: 0n },
    ]);
  });

  test('amount within tolerance still matches, with the difference and the tolerance rule recorded', () => {
    const result = matchRecords([broker('R1', 10_000n)], [entry('BK-1', 10_004n, ['R1'])], tolerant);
    assert.deepEqual(result.exceptions, []);
    assert.equal(result.matches[0]?.rule, 'reference-within-tolerance@v1');
    assert.equal(result.matches[0]?.differenceMinor, 4n);
  });

  test('amount outside tolerance is an AMOUNT_MISMATCH, books minus broker, and no match', () => {
    const result = matchRecords([broker('W1', -50_000n, { transactionType: 'WITHDRAWAL' })], [entry('BK-1', -49_750n, ['W1'], { category: 'CLIENT_WITHDRAWAL' })], tolerant);
    assert.deepEqual(result.matches, []);
    assert.deepEqual(kinds(result), ['AMOUNT_MISMATCH']);
    const [mismatch] = result.exceptions;
    assert.equal(mismatch?.rule, 'amount-tolerance@v1');
    assert.equal(mismatch?.differenceMinor, 250n);
    assert.deepEqual(mismatch?.bookEntryIds, ['BK-1']);
    assert.deepEqual(mismatch?.brokerKeys, ['cap|acc|W1|WITHDRAWAL|0']);
    assert.match(mismatch?.reason ?? '', /250 minor units above the broker/);
  });

  test('a different currency is an AMOUNT_MISMATCH by the currency rule', () => {
    const result = matchRecords([broker('R1', 100n, { currency: 'EUR' })], [entry('BK-1', 100n, ['R1'])]);
    assert.deepEqual(kinds(result), ['AMOUNT_MISMATCH']);
    assert.equal(result.exceptions[0]?.rule, 'currency-equal@v1');
  });

  test('booked beyond the date tolerance: still a match, plus a TIMING_DIFFERENCE naming both sides', () => {
    const result = matchRecords([broker('R1', 700n)], [entry('BK-1', 700n, ['R1'], { bookedAtMs: T0 + 3 * HOUR_MS + 5 * 60_000 })]);
    assert.equal(result.matches.length, 1);
    assert.deepEqual(kinds(result), ['TIMING_DIFFERENCE']);
    const [timing] = result.exceptions;
    assert.equal(timing?.rule, 'date-tolerance@v1');
    assert.deepEqual(timing?.bookEntryIds, ['BK-1']);
    assert.deepEqual(timing?.brokerKeys, ['cap|acc|R1|TRADE|0']);
    assert.equal(timing?.reason, 'booked 3 h 05 min after the broker record, beyond the 1 h tolerance');
  });

  test('inside the hour tolerance but across midnight UTC is a timing difference (booking cut-off)', () => {
    const lateTrade = Date.UTC(2025, 0, 15, 23, 50);
    const record = broker('R1', 700n, { bookedAtMs: lateTrade });
    const book = [entry('BK-1', 700n, ['R1'], { bookedAtMs: lateTrade + 20 * 60_000 })];
    assert.deepEqual(kinds(matchRecords([record], book)), ['TIMING_DIFFERENCE']);
    assert.match(matchRecords([record], book).exceptions[0]?.reason ?? '', /20 min after the broker record, on another UTC day/);
    assert.deepEqual(kinds(matchRecords([record], book, { ...DEFAULT_MATCHING_RULES, sameUtcDayRequired: false })), []);
  });

  test('1:N: a trade and its commission booked as one net line carrying both references', () => {
    const trade = broker('T1', 12_000n, { dealId: 'D1', bookedAtMs: T0 + 2 * HOUR_MS });
    const commission = broker('C1', -150n, { transactionType: 'TRADE_COMMISSION', dealId: 'D1' });
    const net = entry('BK-1', 11_850n, ['T1', 'C1'], { category: 'REALISED_PNL_NET_OF_COMMISSION', bookedAtMs: T0 + 2 * HOUR_MS });
    const result = matchRecords([trade, commission], [net]);
    assert.deepEqual(result.exceptions, [], 'dated by the trade, the group’s latest record, not the earlier commission');
    assert.equal(result.matches[0]?.strategy, '1:N');
    assert.equal(result.matches[0]?.rule, 'reference-exact@v1');
    assert.deepEqual(result.matches[0]?.brokerKeys, [commission.key, trade.key]);
  });

  test('1:N by deal id: a net line that forgot the commission reference takes its deal’s unbooked commission', () => {
    const trade = broker('T1', 12_000n, { dealId: 'D1' });
    const commission = broker('C1', -150n, { transactionType: 'TRADE_COMMISSION', dealId: 'D1' });
    const result = matchRecords([trade, commission], [entry('BK-1', 11_850n, ['T1'])]);
    assert.deepEqual(result.exceptions, []);
    assert.equal(result.matches[0]?.strategy, '1:N');
    assert.equal(result.matches[0]?.rule, 'reference-plus-deal-commission@v1');
  });

  test('a commission booked on its own is not pulled into its trade’s mismatch', () => {
    const trade = broker('T1', 12_000n, { dealId: 'D1' });
    const commission = broker('C1', -150n, { transactionType: 'TRADE_COMMISSION', dealId: 'D1' });
    const result = matchRecords([trade, commission], [entry('BK-1', 11_850n, ['T1']), entry('BK-2', -150n, ['C1'], { category: 'COMMISSION' })]);
    assert.deepEqual(kinds(result), ['AMOUNT_MISMATCH']);
    assert.deepEqual(result.exceptions[0]?.bookEntryIds, ['BK-1']);
  });

  test('duplicate: the later of two entries claiming one reference is a DUPLICATE; the earlier matches', () => {
    const book = [entry('BK-2', 500n, ['R1'], { bookedAtMs: T0 + 60_000 }), entry('BK-1', 500n, ['R1'])];
    const result = matchRecords([broker('R1', 500n)], book);
    assert.deepEqual(result.matches.map((m) => m.bookEntryIds), [['BK-1']]);
    assert.deepEqual(kinds(result), ['DUPLICATE']);
    const [duplicate] = result.exceptions;
    assert.equal(duplicate?.rule, 'reference-claimed-once@v1');
    assert.deepEqual(duplicate?.bookEntryIds, ['BK-2']);
    assert.deepEqual(duplicate?.brokerKeys, ['cap|acc|R1|TRADE|0']);
    assert.equal(duplicate?.reason, 'references R1 were already booked by BK-1');
  });

  test('missing internal: a broker record no entry covers', () => {
    const result = matchRecords([broker('D1', 100_000n, { transactionType: 'DEPOSIT' })], []);
    assert.deepEqual(kinds(result), ['MISSING_INTERNAL']);
    assert.equal(result.exceptions[0]?.rule, 'unmatched-broker@v1');
    assert.equal(result.exceptions[0]?.differenceMinor, -100_000n);
    assert.equal(result.exceptions[0]?.exceptionId, 'v1:MISSING_INTERNAL:cap|acc|D1|DEPOSIT|0');
  });

  test('missing broker: an entry naming an unknown reference, and an unreferenced non-funding entry', () => {
    const result = matchRecords([], [entry('BK-1', 100n, ['NOPE']), entry('BK-2', 50n, [], { category: 'OTHER' })]);
    assert.deepEqual(kinds(result), ['MISSING_BROKER', 'MISSING_BROKER']);
    assert.deepEqual(result.exceptions.map((e) => e.rule), ['unmatched-book@v1', 'unmatched-book@v1']);
    assert.match(result.exceptions[0]?.reason ?? '', /no record with reference NOPE/);
  });
});

describe('matching daily funding (N:1)', () => {
  const day = Date.UTC(2025, 0, 15);
  const swaps = [
    broker('S1', -120n, { transactionType: 'SWAP', bookedAtMs: day + 22 * HOUR_MS }),
    broker('S2', -35n, { transactionType: 'SWAP', bookedAtMs: day + 22 * HOUR_MS }),
    broker('S3', 12n, { transactionType: 'SWAP', bookedAtMs: day + 22 * HOUR_MS }),
  ];
  const line = (entryId: string, amountMinor: bigint, bookedAtMs: number): BookEntry => entry(entryId, amountMinor, [], { category: 'OVERNIGHT_FUNDING', bookedAtMs });

  test('one unreferenced line per day matches the sum of that day’s funding records', () => {
    const result = matchRecords(swaps, [line('BK-F', -143n, day + 23 * HOUR_MS + 59 * 60_000)]);
    assert.deepEqual(result.exceptions, []);
    assert.deepEqual(result.matches, [
      { matchId: 'v1:match:BK-F', strategy: 'N:1', rule: 'funding-daily-exact@v1', brokerKeys: swaps.map((s) => s.key).sort(), bookEntryIds: ['BK-F'], differenceMinor: 0n },
    ]);
  });

  test('a daily line that does not add up is an AMOUNT_MISMATCH over the whole day', () => {
    const result = matchRecords(swaps, [line('BK-F', -150n, day + 23 * HOUR_MS)]);
    assert.deepEqual(kinds(result), ['AMOUNT_MISMATCH']);
    assert.equal(result.exceptions[0]?.differenceMinor, -7n);
    assert.equal(result.exceptions[0]?.brokerKeys.length, 3);
  });

  test('a line booked just after midnight matches the previous day within tolerance, flagged as timing', () => {
    const result = matchRecords(swaps, [line('BK-F', -143n, day + 24 * HOUR_MS + 30 * 60_000)]);
    assert.equal(result.matches[0]?.strategy, 'N:1');
    assert.deepEqual(kinds(result), ['TIMING_DIFFERENCE']);
  });

  test('a funding line with no funding that day is MISSING_BROKER, the records MISSING_INTERNAL', () => {
    const result = matchRecords(swaps, [line('BK-F', -143n, day + 3 * 24 * HOUR_MS)]);
    assert.deepEqual(kinds(result).sort(), ['MISSING_BROKER', 'MISSING_INTERNAL', 'MISSING_INTERNAL', 'MISSING_INTERNAL']);
  });
});

describe('matching is deterministic and validates its input', () => {
  test('shuffled inputs give byte-identical output', () => {
    const records: BrokerRecord[] = [];
    const book: BookEntry[] = [];
    for (let i = 0; i < 40; i++) {
      records.push(broker(`R${i}`, BigInt(i * 37 - 500), { bookedAtMs: T0 + i * 60_000, dealId: `D${i}` }));
      records.push(broker(`C${i}`, -BigInt(i + 1), { transactionType: 'TRADE_COMMISSION', bookedAtMs: T0, dealId: `D${i}` }));
      if (i % 3 === 0) book.push(entry(`BK-${i}`, BigInt(i * 37 - 500) - BigInt(i + 1), [`R${i}`, `C${i}`], { bookedAtMs: T0 + i * 60_000 }));
      else if (i % 7 !== 1) {
        book.push(entry(`BK-${i}`, BigInt(i * 37 - 500) + (i % 5 === 0 ? 9n : 0n), [`R${i}`], { bookedAtMs: T0 + i * 60_000 + (i % 4 === 0 ? 5 * HOUR_MS : 0) }));
        book.push(entry(`BK-${i}c`, -BigInt(i + 1), [`C${i}`], { bookedAtMs: T0 }));
      }
      if (i % 11 === 2) book.push(entry(`BK-${i}dup`, BigInt(i * 37 - 500), [`R${i}`], { bookedAtMs: T0 + i * 60_000 }));
    }
    const serialise = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const expected = serialise(matchRecords(records, book));
    let state = 12345;
    const shuffle = <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
        const j = state % (i + 1);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    };
    for (let round = 0; round < 10; round++) assert.equal(serialise(matchRecords(shuffle(records), shuffle(book))), expected);
    const result = matchRecords(records, book);
    assert.ok(result.stats.exceptions.DUPLICATE > 0 && result.stats.exceptions.TIMING_DIFFERENCE > 0 && result.stats.exceptions.MISSING_INTERNAL > 0);
  });

  test('repeated broker keys or entry ids are refused, as are meaningless rules', () => {
    assert.throws(() => matchRecords([broker('R1', 1n), broker('R1', 1n)], []), MatchingInputError);
    assert.throws(() => matchRecords([], [entry('BK-1', 1n, []), entry('BK-1', 1n, [])]), MatchingInputError);
    assert.throws(() => matchRecords([], [], { ...DEFAULT_MATCHING_RULES, amountToleranceMinor: -1n }), MatchingRulesError);
    assert.throws(() => matchRecords([], [], { ...DEFAULT_MATCHING_RULES, dateToleranceHours: 1.5 }), MatchingRulesError);
    assert.throws(() => matchRecords([], [], { ...DEFAULT_MATCHING_RULES, version: 'v 1' }), MatchingRulesError);
  });

  test('a new rule-set version shows in every rule and id', () => {
    const result = matchRecords([broker('R1', 1n)], [entry('BK-1', 1n, ['R1'])], { ...DEFAULT_MATCHING_RULES, version: 'v2' });
    assert.equal(result.matches[0]?.rule, 'reference-exact@v2');
    assert.equal(result.matches[0]?.matchId, 'v2:match:BK-1');
    assert.equal(result.rulesVersion, 'v2');
  });
});
