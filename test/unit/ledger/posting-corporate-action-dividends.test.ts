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

describe('corporate actions and dividends', () => {
  test('a dividend adjustment on a long position is corporate-action income', () => {
    assert.deepEqual(post('CORPORATE_ACTION', '12.34'), ['Dr 1100 12.34', 'Cr 4300 12.34']);
  });

  test('a dividend adjustment charged on a short is an expense, not negative income', () => {
    assert.deepEqual(post('CORPORATE_ACTION', '-12.34'), ['Dr 5500 12.34', 'Cr 1100 12.34']);
  });

  test('legacy DIVIDEND rows post exactly like CORPORATE_ACTION', () => {
    assert.deepEqual(post('DIVIDEND', '12.34'), post('CORPORATE_ACTION', '12.34'));
    assert.deepEqual(post('DIVIDEND', '-12.34'), post('CORPORATE_ACTION', '-12.34'));
  });
});
