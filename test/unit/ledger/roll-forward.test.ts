import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEGACY_TRANSACTION_TYPES, TRANSACTION_TYPES } from '../../../lib/capital/schemas/history';
import { ROLL_FORWARD_CATEGORY_BY_TYPE, rollForward, rollForwardCategoryOf, subtotalMovements, type RollForward } from '../../../lib/ledger/roll-forward';
import { type Decimal, canonical, toDecimal } from '../../../lib/money';

const move = (transactionType: string, amount: string) => ({ transactionType, amount: toDecimal(amount) });
const text = (record: Record<string, Decimal>): Record<string, string> => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, canonical(v)]));

describe('roll-forward, hand-computed', () => {
  const movements = [
    move('DEPOSIT', '500.00'),
    move('WITHDRAWAL', '-200.00'),
    move('TRADE', '35.50'),
    move('TRADE', '-10.25'),
    move('TRADE_COMMISSION', '-1.20'),
    move('TRADE_COMMISSION_GSL', '-0.80'),
    move('FX_COMMISSION', '-0.15'),
    move('INACTIVITY_FEE', '-10.00'),
    move('SWAP', '-0.42'),
    move('SWAP', '0.07'),
    move('REFUND', '5.00'),
    move('MYSTERY_FEE', '-1.00'),
  ];

  test('subtotals by type and sign (what each window records) roll forward exactly like the movements', () => {
    const subtotals = subtotalMovements(movements);
    assert.equal(subtotals.length, 12, 'every (type, sign) here is distinct: SWAP and TRADE credits and debits stay apart');
    assert.deepEqual(
      subtotals.filter((m) => m.transactionType === 'SWAP').map((m) => [canonical(m.amount), m.count]),
      [['0.07', 1], ['-0.42', 1]],
    );
    const twice = subtotalMovements([...movements, ...movements]);
    assert.equal(twice.length, 12, 'the same movements twice merge into the same subtotals');
    const deposits = twice.find((m) => m.transactionType === 'DEPOSIT');
    assert.deepEqual([canonical(deposits!.amount), deposits!.count], ['1000', 2]);
    const plain = (r: RollForward) => JSON.parse(JSON.stringify(r)) as unknown;
    const ends = { openingBalance: toDecimal('1000.00'), closingBalance: toDecimal('1316.75') };
    assert.deepEqual(plain(rollForward({ ...ends, movements: subtotalMovements(subtotals) })), plain(rollForward({ ...ends, movements })));
    assert.deepEqual(plain(rollForward({ ...ends, movements: twice })), plain(rollForward({ ...ends, movements: [...movements, ...movements] })));
  });

  test('1000 + 500 − 200 + 25.25 − 12.15 − 0.35 + 5 − 1 = 1316.75, balanced against the snapshot', () => {
    const result = rollForward({ openingBalance: toDecimal('1000.00'), closingBalance: toDecimal('1316.75'), movements });
    assert.equal(canonical(result.computedClosing), '1316.75');
    assert.equal(canonical(result.difference), '0');
    assert.equal(result.balanced, true);
    assert.equal(result.movementCount, 12);
    const c = result.byCategory;
    assert.equal(canonical(c.deposits), '500');
    assert.equal(canonical(c.withdrawals), '-200');
    assert.equal(canonical(c.realisedPnl), '25.25');
    assert.equal(canonical(c.commissions.total), '-12.15');
    assert.deepEqual(text(c.commissions.byType), { FX_COMMISSION: '-0.15', INACTIVITY_FEE: '-10', TRADE_COMMISSION: '-1.2', TRADE_COMMISSION_GSL: '-0.8' });
    assert.equal(canonical(c.overnightFundingCredits), '0.07');
    assert.equal(canonical(c.overnightFundingDebits), '-0.42');
    assert.deepEqual(text(c.other.byType), { MYSTERY_FEE: '-1', REFUND: '5' });
    assert.equal(canonical(c.other.total), '4');
    assert.deepEqual(result.unknownTypes, ['MYSTERY_FEE']);
  });

  test('a closing snapshot 0.10 above the movements shows a difference of 0.10 and is not balanced', () => {
    const result = rollForward({ openingBalance: toDecimal('1000.00'), closingBalance: toDecimal('1316.85'), movements });
    assert.equal(canonical(result.difference), '0.1');
    assert.equal(result.balanced, false);
  });

  test('no movements: computed closing is the opening, difference is the whole gap', () => {
    const result = rollForward({ openingBalance: toDecimal('42.00'), closingBalance: toDecimal('40.00'), movements: [] });
    assert.equal(canonical(result.computedClosing), '42');
    assert.equal(canonical(result.difference), '-2');
    assert.deepEqual(result.byType, {});
  });

  test('movement order does not change the result', () => {
    const forward = rollForward({ openingBalance: toDecimal('1000'), closingBalance: toDecimal('1316.75'), movements });
    const backward = rollForward({ openingBalance: toDecimal('1000'), closingBalance: toDecimal('1316.75'), movements: [...movements].reverse() });
    const serialise = (value: unknown): string => JSON.stringify(value);
    assert.equal(serialise(backward), serialise(forward));
  });
});

describe('roll-forward mapping', () => {
  test('covers all 30 transaction types, 26 current and 4 legacy', () => {
    const all = [...TRANSACTION_TYPES, ...LEGACY_TRANSACTION_TYPES];
    assert.equal(all.length, 30);
    assert.deepEqual(Object.keys(ROLL_FORWARD_CATEGORY_BY_TYPE).sort(), [...all].sort());
  });

  test('unknown types fall into other, by name', () => {
    assert.equal(rollForwardCategoryOf('SOMETHING_NEW'), 'other');
    assert.equal(rollForwardCategoryOf('SWAP'), 'overnightFunding');
  });
});
