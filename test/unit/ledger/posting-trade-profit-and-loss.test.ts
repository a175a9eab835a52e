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

describe('realised P/L when a position closes', () => {
  test('a profitable close is a realised trading gain', () => {
    assert.deepEqual(post('TRADE', '416.0'), ['Dr 1100 416', 'Cr 4000 416']);
  });

  test('a losing close is a realised trading loss, not a negative gain', () => {
    assert.deepEqual(post('TRADE', '-80.43'), ['Dr 5000 80.43', 'Cr 1100 80.43']);
  });

  test('a close at exactly break-even is mapped but moves nothing', () => {
    assert.deepEqual(post('TRADE', '0.0'), []);
  });

  test('a trade correction lands with the trading result it corrects', () => {
    assert.deepEqual(post('TRADE_CORRECTION', '12.5'), ['Dr 1100 12.5', 'Cr 4000 12.5']);
    assert.deepEqual(post('TRADE_CORRECTION', '-3.1'), ['Dr 5000 3.1', 'Cr 1100 3.1']);
  });
});
