import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transactionSchema, type Transaction } from '../../../lib/capital/schemas/history';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import {
  canonicalJson,
  normaliseRows,
  normaliseTransaction,
  rawSha256,
  type NormalisedTransaction,
  type NormaliseResult,
  type QuarantinedTransaction,
} from '../../../lib/ledger/normalise';
import { toDecimal } from '../../../lib/money';

// Shaped like the simulator's rows: 17-digit account, 15-digit references, keys in the broker's order.
const ACCOUNT = '31244210000000017';

type WireRow = Record<string, unknown>;

const depositWire: WireRow = {
  date: '2025-01-02T12:00:00.000',
  dateUtc: '2025-01-02T09:00:00.000',
  transactionType: 'DEPOSIT',
  note: 'Deposit',
  reference: '101000018000001',
  size: '10000.0',
  currency: 'USD',
  status: 'PROCESSED',
};

const tradeWire: WireRow = {
  date: '2025-01-02T19:51:05.648',
  dateUtc: '2025-01-02T16:51:05.648',
  instrumentName: 'NATURALGAS',
  transactionType: 'TRADE',
  note: 'Trade closed',
  reference: '101000010000004',
  size: '-80.43',
  currency: 'USD',
  status: 'PROCESSED',
  dealId: '00018509-0001-54c4-0000-0000803c0ec6',
};

const swapWire: WireRow = {
  date: '2025-01-03T01:00:00.000',
  dateUtc: '2025-01-02T22:00:00.000',
  instrumentName: 'GOLD',
  transactionType: 'SWAP',
  note: 'Overnight fee',
  reference: '101000017000012',
  size: '-1.37',
  currency: 'USD',
  status: 'PROCESSED',
};

const parse = (wire: WireRow): Transaction => transactionSchema.parse(wire);
const entity = (result: NormaliseResult): NormalisedTransaction => {
  assert.equal(result.quarantined, false, result.quarantined ? result.reason : '');
  return result as NormalisedTransaction;
};
const quarantined = (result: NormaliseResult): QuarantinedTransaction => {
  assert.equal(result.quarantined, true, 'expected the row to be quarantined');
  return result as QuarantinedTransaction;
};

describe('normalising a DEPOSIT (no instrument)', () => {
  test('becomes an entity with a deterministic key, exact amount and minor units', () => {
    const result = entity(normaliseTransaction(parse(depositWire), ACCOUNT, { raw: depositWire }));
    assert.deepEqual(result, {
      quarantined: false,
      key: `capital:${ACCOUNT}:101000018000001:DEPOSIT:0`,
      broker: 'capital',
      accountId: ACCOUNT,
      reference: '101000018000001',
      transactionType: 'DEPOSIT',
      leg: 0,
      status: 'PROCESSED',
      bookedAt: '2025-01-02T09:00:00.000Z',
      bookedAtMs: Date.parse('2025-01-02T09:00:00.000Z'),
      amount: '10000',
      amountMinor: '1000000',
      scale: 2,
      currency: 'USD',
      baseCurrency: 'USD',
      note: 'Deposit',
      known: true,
      rawSha256: rawSha256(depositWire),
    });
    assert.ok(!('instrument' in result) && !('dealId' in result));
  });

  test('bookedAt comes from dateUtc, never from the platform-local date', () => {
    const result = entity(normaliseTransaction(parse({ ...depositWire, date: '2025-01-31T23:30:00.000', dateUtc: '2025-02-01T02:30:00.000' }), ACCOUNT));
    assert.equal(result.bookedAt, '2025-02-01T02:30:00.000Z');
  });

  test('the legacy spelling dateUTC works too, through the schema', () => {
    const { dateUtc, ...rest } = depositWire;
    const result = entity(normaliseTransaction(parse({ ...rest, dateUTC: dateUtc }), ACCOUNT));
    assert.equal(result.bookedAt, '2025-01-02T09:00:00.000Z');
  });
});

describe('normalising a TRADE (instrument and dealId)', () => {
  test('carries the epic, its instrument id and the dealId', () => {
    const result = entity(normaliseTransaction(parse(tradeWire), ACCOUNT));
    assert.equal(result.key, `capital:${ACCOUNT}:101000010000004:TRADE:0`);
    assert.deepEqual(result.instrument, { epic: 'NATURALGAS', instrumentId: instrumentId('NATURALGAS') });
    assert.equal(result.dealId, '00018509-0001-54c4-0000-0000803c0ec6');
    assert.equal(result.amount, '-80.43');
    assert.equal(result.amountMinor, '-8043');
    assert.equal(result.bookedAtMs, Date.parse('2025-01-02T16:51:05.648Z'));
    assert.equal(result.note, 'Trade closed');
  });

  test('the official example rows normalise: "416.0" is 416, "1.05" is 105 cents', () => {
    const rows = [
      { date: '2022-04-04T19:51:05.648', dateUtc: '2022-04-04T16:51:05.648', instrumentName: 'NATURALGAS', transactionType: 'TRADE', note: 'Trade closed', reference: '12345678', size: '1.05', currency: 'USD' },
      { date: '2022-04-04T19:51:00.788', dateUtc: '2022-04-04T16:51:00.788', instrumentName: 'US500', transactionType: 'TRADE', note: 'Trade closed', reference: '87654321', size: '416.0', currency: 'USD' },
    ];
    const [first, second] = normaliseRows(rows.map(parse), ACCOUNT).map(entity);
    assert.deepEqual([first?.amount, first?.amountMinor, first?.status], ['1.05', '105', null]);
    assert.deepEqual([second?.amount, second?.amountMinor], ['416', '41600']);
  });
});

describe('normalising a SWAP (overnight funding, negative, no dealId)', () => {
  test('keeps the sign and has no dealId', () => {
    const result = entity(normaliseTransaction(parse(swapWire), ACCOUNT));
    assert.equal(result.amount, '-1.37');
    assert.equal(result.amountMinor, '-137');
    assert.equal(result.instrument?.epic, 'GOLD');
    assert.ok(!('dealId' in result));
    assert.equal(result.known, true);
  });
});

describe('demo accounts (USDd)', () => {
  test("keeps the broker's currency code and exposes USD as the base", () => {
    const result = entity(normaliseTransaction(parse({ ...swapWire, currency: 'USDd' }), ACCOUNT));
    assert.deepEqual([result.currency, result.baseCurrency, result.scale, result.amountMinor], ['USDd', 'USD', 2, '-137']);
  });

  test('a JPY account has no minor units: whole yen are exact, cents are quarantined', () => {
    assert.equal(entity(normaliseTransaction(parse({ ...tradeWire, currency: 'JPY', size: '-8043' }), ACCOUNT)).amountMinor, '-8043');
    assert.equal(quarantined(normaliseTransaction(parse({ ...tradeWire, currency: 'JPYd' }), ACCOUNT)).code, 'amount-scale');
  });
});

describe('unknown transaction types', () => {
  test('are kept as sent with known=false, not rejected', () => {
    const result = entity(normaliseTransaction(parse({ ...depositWire, transactionType: 'STAKING_REWARD', note: 'Reward' }), ACCOUNT));
    assert.equal(result.transactionType, 'STAKING_REWARD');
    assert.equal(result.known, false);
    assert.equal(result.key, `capital:${ACCOUNT}:101000018000001:STAKING_REWARD:0`);
  });

  test('legacy 2022 types are known', () => {
    for (const transactionType of ['CONVERT', 'REIMBURSEMENT', 'DIVIDEND', 'ACCOUNT_CLOSURE', 'TRADE_SLIPPAGE_PROTECTION']) {
      assert.equal(entity(normaliseTransaction(parse({ ...depositWire, transactionType }), ACCOUNT)).known, true, transactionType);
    }
  });

  test('characters that would make the key ambiguous are percent-encoded', () => {
    const result = entity(normaliseTransaction(parse({ ...depositWire, transactionType: 'NEW:TYPE' }), ACCOUNT));
    assert.equal(result.key, `capital:${ACCOUNT}:101000018000001:NEW%3ATYPE:0`);
  });
});

describe('rows that cannot be entities are quarantined, not dropped', () => {
  test('an amount with more decimals than the currency allows', () => {
    const wire = { ...tradeWire, size: '-80.435' };
    const result = quarantined(normaliseTransaction(parse(wire), ACCOUNT, { raw: wire }));
    assert.equal(result.code, 'amount-scale');
    assert.match(result.reason, /-80\.435 has 3 decimal places; USD has 2/);
    assert.equal(result.rawSha256, rawSha256(wire));
    assert.equal(result.reference, '101000010000004');
    assert.equal(result.accountId, ACCOUNT);
  });

  test('trailing zeros are not extra decimals: "1.050" is 105 cents', () => {
    assert.equal(entity(normaliseTransaction(parse({ ...tradeWire, size: '1.050' }), ACCOUNT)).amountMinor, '105');
  });

  test('a date the schema lets through but the calendar does not have (30 February)', () => {
    const result = quarantined(normaliseTransaction(parse({ ...tradeWire, dateUtc: '2025-02-30T10:00:00.000' }), ACCOUNT));
    assert.equal(result.code, 'bad-date');
    assert.match(result.reason, /2025-02-30T10:00:00\.000/);
  });

  test('a date that is not a timestamp at all (row built without the schema)', () => {
    const row = { ...parse(tradeWire), dateUtc: 'yesterday' };
    assert.equal(quarantined(normaliseTransaction(row, ACCOUNT)).code, 'bad-date');
  });

  test('nanosecond fractions from a Java backend are accepted and truncated to milliseconds', () => {
    const result = entity(normaliseTransaction(parse({ ...tradeWire, dateUtc: '2025-01-02T16:51:05.648123456' }), ACCOUNT));
    assert.equal(result.bookedAt, '2025-01-02T16:51:05.648Z');
  });

  test('a missing or blank reference', () => {
    for (const reference of ['', '   ']) {
      const result = quarantined(normaliseTransaction(parse({ ...depositWire, reference }), ACCOUNT));
      assert.equal(result.code, 'missing-reference');
      assert.ok(!('reference' in result));
    }
    const { reference: _reference, ...withoutReference } = parse(depositWire);
    assert.equal(quarantined(normaliseTransaction(withoutReference as Transaction, ACCOUNT)).code, 'missing-reference');
  });

  test('a currency that is not an ISO code', () => {
    assert.equal(quarantined(normaliseTransaction(parse({ ...depositWire, currency: 'dollars' }), ACCOUNT)).code, 'bad-currency');
  });

  test('a batch keeps quarantined rows in place, in input order', () => {
    const results = normaliseRows([parse(depositWire), parse({ ...tradeWire, size: '0.001' }), parse(swapWire)], ACCOUNT);
    assert.deepEqual(results.map((result) => result.quarantined), [false, true, false]);
  });
});

describe('repeated references get deterministic legs', () => {
  // Two partial closes booked under one reference, plus a commission under the same reference.
  const legA = { ...tradeWire, dateUtc: '2025-01-02T16:51:05.648', size: '-80.43' };
  const legB = { ...tradeWire, dateUtc: '2025-01-02T16:51:05.648', size: '12.50' };
  const legC = { ...tradeWire, dateUtc: '2025-01-02T16:50:00.000', size: '99.99' };
  const legD = { ...tradeWire, dateUtc: '2025-01-02T16:51:05.648', size: '12.50', note: 'Trade closed (part)' };
  const commission = { ...tradeWire, transactionType: 'TRADE_COMMISSION', note: 'Commission', size: '-0.50' };
  const wires = [legA, legB, legC, legD, commission];

  const keyByContent = (wiresInOrder: WireRow[]): Map<string, string> => {
    const results = normaliseRows(wiresInOrder.map(parse), ACCOUNT, { rawRows: wiresInOrder });
    return new Map(results.map((result, i) => [canonicalJson(wiresInOrder[i]), entity(result).key]));
  };

  test('ordered by bookedAtMs, then amount, then raw digest; another type keeps leg 0', () => {
    const keys = keyByContent(wires);
    const prefix = `capital:${ACCOUNT}:101000010000004:TRADE:`;
    assert.equal(keys.get(canonicalJson(legC)), `${prefix}0`, 'earliest first');
    assert.equal(keys.get(canonicalJson(legA)), `${prefix}1`, 'same time: smaller amount first');
    const tied = [legB, legD].sort((x, y) => (rawSha256(x) < rawSha256(y) ? -1 : 1));
    assert.equal(keys.get(canonicalJson(tied[0])), `${prefix}2`, 'same time and amount: lower digest first');
    assert.equal(keys.get(canonicalJson(tied[1])), `${prefix}3`);
    assert.equal(keys.get(canonicalJson(commission)), `capital:${ACCOUNT}:101000010000004:TRADE_COMMISSION:0`);
  });

  test('the same keys whatever the input order (every permutation)', () => {
    const expected = keyByContent(wires);
    let permutations = 0;
    for (const order of permutationsOf(wires)) {
      assert.deepEqual(keyByContent(order), expected);
      permutations += 1;
    }
    assert.equal(permutations, 120);
  });

  test('a row delivered twice keeps one key, so the upsert stores it once', () => {
    const results = normaliseRows([parse(swapWire), parse(swapWire)], ACCOUNT).map(entity);
    assert.deepEqual(
      results.map((result) => result.key),
      [`capital:${ACCOUNT}:101000017000012:SWAP:0`, `capital:${ACCOUNT}:101000017000012:SWAP:0`],
    );
  });

  test('the same reference in two accounts gives two keys', () => {
    const [mine] = normaliseRows([parse(swapWire)], ACCOUNT).map(entity);
    const [theirs] = normaliseRows([parse(swapWire)], '31244210000000025').map(entity);
    assert.notEqual(mine?.key, theirs?.key);
  });

  test('rawRows must match rows one to one', () => {
    assert.throws(() => normaliseRows([parse(swapWire)], ACCOUNT, { rawRows: [] }), /rawRows has 0 entries for 1 rows/);
  });

  test('an empty account id is a programming error, not a data problem', () => {
    assert.throws(() => normaliseRows([parse(swapWire)], ''), TypeError);
  });
});

describe('the raw row digest', () => {
  test('is stable under key reordering, at every level', () => {
    const reordered = Object.fromEntries(Object.entries(tradeWire).reverse());
    assert.equal(rawSha256(reordered), rawSha256(tradeWire));
    assert.equal(rawSha256({ b: { y: 1, x: [2, { q: 1, p: 2 }] }, a: null }), rawSha256({ a: null, b: { x: [2, { p: 2, q: 1 }], y: 1 } }));
  });

  test('changes when any value changes, and array order matters', () => {
    assert.notEqual(rawSha256({ ...tradeWire, size: '-80.44' }), rawSha256(tradeWire));
    assert.notEqual(rawSha256([1, 2]), rawSha256([2, 1]));
    assert.notEqual(rawSha256({ size: '416.0' }), rawSha256({ size: '416' }), 'the wire text is digested as sent');
  });

  test('canonical JSON sorts keys, drops undefined members and prints decimals canonically', () => {
    assert.equal(canonicalJson({ b: 1, a: 'x', c: undefined, d: [true, null] }), '{"a":"x","b":1,"d":[true,null]}');
    assert.equal(canonicalJson({ size: toDecimal('416.0') }), '{"size":"416"}');
    assert.equal(rawSha256({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  test('without raw rows the parsed row is digested, still independent of key order', () => {
    const reordered = Object.fromEntries(Object.entries(tradeWire).reverse());
    const a = entity(normaliseTransaction(parse(tradeWire), ACCOUNT));
    const b = entity(normaliseTransaction(parse(reordered), ACCOUNT));
    assert.equal(a.rawSha256, b.rawSha256);
  });
});

function* permutationsOf<Item>(items: readonly Item[]): Generator<Item[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i += 1) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutationsOf(rest)) yield [items[i] as Item, ...tail];
  }
}
