import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rollForward } from '../../../lib/ledger/roll-forward';
import { canonical, toDecimal } from '../../../lib/money';
import { balanceAt, simulatedAccounts, transactionsBetween, type SimulatedAccount, type TransactionOptions } from '../../../simulator/data';

const FROM_MS = Date.UTC(2025, 0, 1);
const TO_MS = Date.UTC(2025, 1, 1);
const account = simulatedAccounts(1, 3)[0] as SimulatedAccount;

function month(options: TransactionOptions) {
  const params = { seed: 1, account, options };
  const movements = [...transactionsBetween({ ...params, fromMs: FROM_MS, toMs: TO_MS })].map((row) => ({ transactionType: row.transactionType, amount: toDecimal(row.size) }));
  return { movements, opening: balanceAt({ ...params, atMs: FROM_MS }), closing: balanceAt({ ...params, atMs: TO_MS }) };
}

describe('roll-forward of a simulated month (seed 1, first account, January 2025)', () => {
  test('broker snapshots at the month’s ends and its transactions roll forward with zero difference', () => {
    const { movements, opening, closing } = month({});
    const result = rollForward({ openingBalance: opening, closingBalance: closing, movements });
    assert.equal(result.movementCount, movements.length);
    assert.equal(canonical(result.difference), '0');
    assert.equal(result.balanced, true);
    assert.ok(result.byCategory.deposits.isPositive());
    assert.ok(result.byCategory.withdrawals.isNegative());
    assert.ok(result.byCategory.overnightFundingDebits.isNegative());
    assert.ok(Object.keys(result.byCategory.commissions.byType).includes('TRADE_COMMISSION'));
    assert.deepEqual(result.unknownTypes, []);
  });

  test('with legacy and unknown types the month still balances, the unknown ones listed in other by name', () => {
    const { movements, opening, closing } = month({ includeLegacyTypes: true, unknownTypes: ['MYSTERY_FEE'] });
    const result = rollForward({ openingBalance: opening, closingBalance: closing, movements });
    assert.equal(result.balanced, true);
    assert.deepEqual(result.unknownTypes, ['MYSTERY_FEE']);
    assert.ok('MYSTERY_FEE' in result.byCategory.other.byType);
  });

  test('a closing snapshot one cent off is reported as a one-cent difference', () => {
    const { movements, opening, closing } = month({});
    const result = rollForward({ openingBalance: opening, closingBalance: closing.minus('0.01'), movements });
    assert.equal(canonical(result.difference), '-0.01');
    assert.equal(result.balanced, false);
    assert.equal(canonical(result.computedClosing), canonical(closing));
  });
});
