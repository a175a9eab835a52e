import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical, Decimal, sum, toDecimal } from '../../../lib/money';
import { simulatedAccounts } from '../../../simulator/data/accounts';
import {
  CURRENT_TRANSACTION_TYPES,
  LEGACY_TRANSACTION_TYPES,
  TRANSACTION_SIGNS,
  type CurrentTransactionType,
  type LegacyTransactionType,
} from '../../../simulator/data/transaction-types';
import { balanceAt, transactionsBetween, type TransactionRow, type TransactionsBetweenParams } from '../../../simulator/data/transactions';
import { shapeDifferences } from '../../helpers/json-shape';
import { APRIL_START_MS, busyAccount, DAY_MS, exampleBody, MARCH_START_MS, SEED, splitPoints, usdAccount, utcMs } from './helpers';

const HOUR_MS = 3_600_000;

function rows(params: Omit<TransactionsBetweenParams, 'seed' | 'account'> & Partial<TransactionsBetweenParams>): TransactionRow[] {
  return [...transactionsBetween({ seed: SEED, account: usdAccount(), ...params })];
}

const march = rows({ fromMs: MARCH_START_MS, toMs: APRIL_START_MS });

describe('simulator transactions: determinism', () => {
  test('the same seed and account give byte-identical rows; another seed gives different ones', () => {
    const again = rows({ fromMs: MARCH_START_MS, toMs: APRIL_START_MS });
    assert.equal(JSON.stringify(again), JSON.stringify(march));
    const other = [...transactionsBetween({ seed: 'another-seed', account: usdAccount(), fromMs: MARCH_START_MS, toMs: MARCH_START_MS + 2 * DAY_MS })];
    const mine = rows({ fromMs: MARCH_START_MS, toMs: MARCH_START_MS + 2 * DAY_MS });
    assert.notEqual(JSON.stringify(other), JSON.stringify(mine));
  });

  test('accounts of the same seed have different histories', () => {
    const [first, second] = simulatedAccounts(SEED, 2);
    const a = [...transactionsBetween({ seed: SEED, account: first!, fromMs: MARCH_START_MS, toMs: MARCH_START_MS + DAY_MS })];
    const b = [...transactionsBetween({ seed: SEED, account: second!, fromMs: MARCH_START_MS, toMs: MARCH_START_MS + DAY_MS })];
    assert.notDeepEqual(a.map((r) => r.size), b.map((r) => r.size));
  });
});

describe('simulator transactions: splitting invariance', () => {
  test('rows of [a, c) are the rows of [a, b) followed by those of [b, c), for random b', () => {
    const a = MARCH_START_MS + 2 * DAY_MS + 7 * HOUR_MS + 1234;
    const c = MARCH_START_MS + 12 * DAY_MS + 5 * HOUR_MS;
    const whole = JSON.stringify(rows({ fromMs: a, toMs: c }));
    const tradeTime = utcMs(march.find((r) => r.transactionType === 'TRADE' && utcMs(r.dateUtc) > a + DAY_MS)?.dateUtc ?? '');
    const cuts = [...splitPoints('transactions', a, c, 6), MARCH_START_MS + 5 * DAY_MS, tradeTime, tradeTime + 1];
    for (const b of cuts) {
      const joined = [...rows({ fromMs: a, toMs: b }), ...rows({ fromMs: b, toMs: c })];
      assert.equal(JSON.stringify(joined), whole, `split at ${new Date(b).toISOString()}`);
    }
  });

  test('rows are ordered by dateUtc and lie inside the requested range', () => {
    const from = MARCH_START_MS + 3 * HOUR_MS;
    const to = MARCH_START_MS + 4 * DAY_MS + 1;
    const window = rows({ fromMs: from, toMs: to });
    for (let i = 0; i < window.length; i++) {
      const t = utcMs((window[i] as TransactionRow).dateUtc);
      assert.ok(t >= from && t < to);
      if (i > 0) assert.ok(utcMs((window[i - 1] as TransactionRow).dateUtc) <= t);
    }
    assert.deepEqual(rows({ fromMs: to, toMs: from }), []);
  });
});

describe('simulator transactions: references, volume and shape', () => {
  test('references are unique numeric strings that do not depend on the range asked', () => {
    const references = march.map((r) => r.reference);
    assert.equal(new Set(references).size, references.length);
    for (const reference of references) assert.match(reference, /^\d{15}$/);
    const day = rows({ fromMs: MARCH_START_MS + 9 * DAY_MS, toMs: MARCH_START_MS + 10 * DAY_MS });
    const inMarch = new Map(march.map((r) => [r.reference, r]));
    for (const row of day) assert.deepEqual(inMarch.get(row.reference), row);
  });

  test('a month carries transactionsPerMonth rows, fewer at weekends', () => {
    assert.equal(march.length, usdAccount().transactionsPerMonth);
    const weekday = march.filter((r) => r.dateUtc.startsWith('2025-03-12')).length;
    const sunday = march.filter((r) => r.dateUtc.startsWith('2025-03-16')).length;
    assert.ok(sunday < weekday, `sunday ${sunday} vs wednesday ${weekday}`);
  });

  test('rows have the keys and JSON types of the official examples', () => {
    const example = (exampleBody('newest-docs-history-transactions.json') as { transactions: Record<string, unknown>[] }).transactions[0] ?? {};
    const swap = march.find((r) => r.transactionType === 'SWAP');
    assert.deepEqual(shapeDifferences(example, swap), [], 'SWAP rows: the example keys exactly');
    const trade = march.find((r) => r.transactionType === 'TRADE');
    assert.deepEqual(shapeDifferences({ ...example, dealId: 'x' }, trade), [], 'TRADE rows: plus the live-observed dealId');
    const depositExample = (exampleBody('get-account-transactions-history-success-filter-list-within-last-30-second-by-type.json') as { transactions: Record<string, unknown>[] }).transactions[0];
    const deposit = march.find((r) => r.transactionType === 'DEPOSIT');
    assert.deepEqual(shapeDifferences({ ...depositExample, status: 'PROCESSED' }, deposit), [], 'DEPOSIT rows: no instrumentName');
    assert.equal(deposit?.note, 'Deposit');
  });

  test('date is dateUtc shifted by the account offset; amounts print like the broker ("416.0")', () => {
    const account = usdAccount();
    for (const row of march.slice(0, 200)) {
      assert.equal(utcMs(row.date) - utcMs(row.dateUtc), account.timezoneOffset * HOUR_MS);
      assert.match(row.dateUtc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
      assert.match(row.size, /^-?\d+\.\d+$/);
      assert.equal(row.currency, 'USD');
      assert.equal(row.status, 'PROCESSED');
    }
    const eur = simulatedAccounts(SEED, 2)[1]!;
    const eurRows = [...transactionsBetween({ seed: SEED, account: eur, fromMs: MARCH_START_MS, toMs: MARCH_START_MS + DAY_MS })];
    assert.ok(eurRows.length > 0 && eurRows.every((r) => r.currency === 'EUR' && r.date === r.dateUtc));
    const demo = simulatedAccounts(SEED, 1, { demo: true })[0]!;
    const demoRows = [...transactionsBetween({ seed: SEED, account: demo, fromMs: MARCH_START_MS, toMs: MARCH_START_MS + DAY_MS })];
    assert.ok(demoRows.length > 0 && demoRows.every((r) => r.currency === 'USDd'));
  });
});

describe('simulator transactions: types and signs', () => {
  const busy = [...transactionsBetween({ seed: SEED, account: busyAccount(30_000), fromMs: MARCH_START_MS, toMs: APRIL_START_MS })];

  test('every current type appears in a busy month, and nothing else without options', () => {
    const seen = new Set(busy.map((r) => r.transactionType));
    for (const type of CURRENT_TRANSACTION_TYPES) assert.ok(seen.has(type), `${type} missing`);
    assert.deepEqual([...seen].filter((t) => !(CURRENT_TRANSACTION_TYPES as readonly string[]).includes(t)), []);
  });

  test('signs follow each type: credits positive, debits negative, SWAP mostly negative', () => {
    for (const row of busy) {
      const amount = toDecimal(row.size);
      const sign = TRANSACTION_SIGNS[row.transactionType as CurrentTransactionType];
      if (sign === 'CREDIT') assert.ok(amount.isPositive() && !amount.isZero(), `${row.transactionType} ${row.size}`);
      if (sign === 'DEBIT') assert.ok(amount.isNegative() && !amount.isZero(), `${row.transactionType} ${row.size}`);
      if (row.transactionType !== 'TRADE') assert.ok(!amount.isZero(), `${row.transactionType} has a zero amount`);
    }
    const swaps = busy.filter((r) => r.transactionType === 'SWAP');
    const charged = swaps.filter((r) => toDecimal(r.size).isNegative()).length;
    assert.ok(charged > swaps.length / 2 && charged < swaps.length, `${charged} of ${swaps.length} swaps charged`);
    const trades = busy.filter((r) => r.transactionType === 'TRADE').map((r) => toDecimal(r.size));
    assert.ok(trades.some((t) => t.isPositive()) && trades.some((t) => t.isNegative()));
  });

  test('deal rows name their market; TRADE and commissions carry the dealId, SWAP and DEPOSIT do not', () => {
    for (const row of busy) {
      const type = row.transactionType;
      if (['TRADE', 'TRADE_COMMISSION', 'TRADE_COMMISSION_GSL', 'FX_COMMISSION'].includes(type)) {
        assert.ok(row.instrumentName && row.dealId, type);
      }
      if (type === 'TRADE') assert.equal(row.note, 'Trade closed');
      if (type === 'SWAP') assert.ok(row.instrumentName && row.dealId === undefined && row.note === 'Overnight fee');
      if (type === 'DEPOSIT') assert.ok(row.instrumentName === undefined && row.dealId === undefined);
    }
  });

  test('realised P/L is centred near zero relative to its spread', () => {
    const trades = busy.filter((r) => r.transactionType === 'TRADE').map((r) => toDecimal(r.size));
    const mean = sum(trades).dividedBy(trades.length);
    const meanAbs = sum(trades.map((t) => t.abs())).dividedBy(trades.length);
    assert.ok(mean.abs().lessThan(meanAbs.times('0.25')), `mean ${canonical(mean)} vs mean |P/L| ${canonical(meanAbs)}`);
  });
});

describe('simulator transactions: legacy and unknown types on request', () => {
  const account = busyAccount(30_000);
  const range = { seed: SEED, account, fromMs: MARCH_START_MS, toMs: APRIL_START_MS };
  const plain = [...transactionsBetween(range)];
  const extended = [...transactionsBetween({ ...range, options: { includeLegacyTypes: true, unknownTypes: ['MYSTERY_FEE'] } })];

  test('options add rare legacy and unknown rows and leave every other row untouched', () => {
    const seen = new Set(extended.map((r) => r.transactionType));
    for (const type of LEGACY_TRANSACTION_TYPES) assert.ok(seen.has(type), `${type} missing`);
    assert.ok(seen.has('MYSTERY_FEE'));
    const extras = extended.filter((r) => (LEGACY_TRANSACTION_TYPES as readonly string[]).includes(r.transactionType) || r.transactionType === 'MYSTERY_FEE');
    assert.ok(extras.length < extended.length / 100, `${extras.length} extra rows is not rare`);
    const withoutExtras = extended.filter((r) => !extras.includes(r));
    assert.equal(JSON.stringify(withoutExtras), JSON.stringify(plain));
  });

  test('legacy rows keep sensible signs and references stay unique', () => {
    for (const row of extended) {
      const sign = TRANSACTION_SIGNS[row.transactionType as LegacyTransactionType];
      if (row.transactionType === 'REIMBURSEMENT') assert.equal(sign, 'CREDIT');
      if (sign === 'CREDIT') assert.ok(toDecimal(row.size).isPositive());
      if (sign === 'DEBIT') assert.ok(toDecimal(row.size).isNegative());
    }
    assert.equal(new Set(extended.map((r) => r.reference)).size, extended.length);
  });
});

describe('simulator transactions: balance', () => {
  test('balanceAt is the opening balance plus every row before the instant', () => {
    const account = usdAccount();
    const start = balanceAt({ seed: SEED, account, atMs: MARCH_START_MS });
    const midMarch = MARCH_START_MS + 14 * DAY_MS + 9 * HOUR_MS + 17;
    const before = march.filter((r) => utcMs(r.dateUtc) < midMarch).map((r) => toDecimal(r.size));
    assert.equal(canonical(balanceAt({ seed: SEED, account, atMs: midMarch })), canonical(start.plus(sum(before))));
    assert.equal(canonical(balanceAt({ seed: SEED, account, atMs: account.openedAtMs - 1 })), account.openingBalance);
    assert.ok(start.greaterThan(new Decimal(0)), 'deposits keep the balance positive');
  });

  test('the balance stays sensible for months', () => {
    const account = usdAccount();
    for (let month = 0; month < 6; month++) {
      const at = Date.UTC(2025, month, 1);
      const balance = balanceAt({ seed: SEED, account, atMs: at });
      assert.ok(balance.greaterThan(0) && balance.lessThan(200_000), `${new Date(at).toISOString()}: ${canonical(balance)}`);
    }
  });
});
