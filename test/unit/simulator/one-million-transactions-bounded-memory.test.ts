/**
 * The simulator must serve a month of 1,000,000 transactions for one account without holding the
 * month in memory: rows are generated a day at a time. This iterates the whole month, counting
 * rows and summing amounts exactly, while sampling the heap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical, Decimal, toDecimal } from '../../../lib/money';
import { transactionsBetween } from '../../../simulator/data/transactions';
import { APRIL_START_MS, busyAccount, MARCH_START_MS, SEED } from './helpers';

const ROWS_PER_MONTH = 1_000_000;
const HEAP_PEAK_MAX_BYTES = 200 * 1024 * 1024;
const SAMPLE_EVERY_ROWS = 5_000;

describe('simulator transactions: a million rows in a month', () => {
  test('iterating 1,000,000 rows of one month keeps the heap bounded', (t) => {
    const account = busyAccount(ROWS_PER_MONTH);
    const started = performance.now();
    let rows = 0;
    let total = new Decimal(0);
    let heapPeak = process.memoryUsage().heapUsed;
    let lastDateUtc = '';
    const references = new Set<string>();
    for (const row of transactionsBetween({ seed: SEED, account, fromMs: MARCH_START_MS, toMs: APRIL_START_MS })) {
      rows++;
      total = total.plus(toDecimal(row.size));
      assert.ok(row.dateUtc >= lastDateUtc, 'rows stay in time order');
      lastDateUtc = row.dateUtc;
      // Uniqueness is checked on one day only: a set of a million references would itself be the memory we are measuring.
      if (row.dateUtc.startsWith('2025-03-12')) references.add(row.reference);
      if (rows % SAMPLE_EVERY_ROWS === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    const elapsedS = (performance.now() - started) / 1000;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    t.diagnostic(`1,000,000-row month: ${rows} rows in ${elapsedS.toFixed(1)} s (${Math.round(rows / elapsedS)} rows/s), heap peak ${(heapPeak / 1048576).toFixed(0)} MB, sum ${canonical(total)}`);
    assert.ok(Math.abs(rows - ROWS_PER_MONTH) <= ROWS_PER_MONTH / 200, `${rows} rows`);
    assert.ok(heapPeak < HEAP_PEAK_MAX_BYTES, `heap peaked at ${(heapPeak / 1048576).toFixed(0)} MB`);
    assert.ok(references.size > 20_000, `${references.size} rows on 12 March`);
  });
});
