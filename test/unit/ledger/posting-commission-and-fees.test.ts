import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDefaultRules } from '../../../lib/ledger/defaults';
import { type PostingRuleSet } from '../../../lib/ledger/posting-rules';
import { postTransaction } from '../../../lib/ledger/postings';
import { toDecimal } from '../../../lib/money';

const ruleSet = loadDefaultRules()[0] as PostingRuleSet;

/** Posts one USD broker row under the default rules and renders its lines as 'Dr 1100 416'. */
function post(transactionType: string, size: string): string[] {
  const outcome = postTransaction({ key: `ref-${size}`, transactionType, amount: toDecimal(size), currency: 'USD', bookedAtMs: Date.parse('2025-01-15T22:00:00Z') }, ruleSet);
  assert.equal(outcome.kind, 'posted', outcome.kind === 'quarantined' ? outcome.reason : '');
  if (outcome.kind !== 'posted') return [];
  return outcome.entry.lines.map((l) => (l.debit !== undefined ? `Dr ${l.account} ${l.debit}` : `Cr ${l.account} ${l.credit ?? ''}`));
}

describe('commissions, premiums and fees', () => {
  test('a deal commission is a trading commission', () => {
    assert.deepEqual(post('TRADE_COMMISSION', '-3.20'), ['Dr 5200 3.2', 'Cr 1100 3.2']);
  });

  test('a guaranteed-stop premium has its own expense account', () => {
    assert.deepEqual(post('TRADE_COMMISSION_GSL', '-1.75'), ['Dr 5210 1.75', 'Cr 1100 1.75']);
  });

  test('a refunded guaranteed-stop premium reduces that expense', () => {
    assert.deepEqual(post('TRADE_COMMISSION_GSL', '1.75'), ['Dr 1100 1.75', 'Cr 5210 1.75']);
  });

  test('an FX conversion fee and an inactivity fee go to their own expense accounts', () => {
    assert.deepEqual(post('FX_COMMISSION', '-0.42'), ['Dr 5220 0.42', 'Cr 1100 0.42']);
    assert.deepEqual(post('INACTIVITY_FEE', '-10'), ['Dr 5230 10', 'Cr 1100 10']);
  });
});
