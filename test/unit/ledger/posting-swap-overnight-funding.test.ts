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

describe('overnight funding (SWAP)', () => {
  test('a funding charge on a held position is overnight funding expense', () => {
    assert.deepEqual(post('SWAP', '-1.05'), ['Dr 5100 1.05', 'Cr 1100 1.05']);
  });

  test('funding paid to a short when the rate is positive is overnight funding income', () => {
    assert.deepEqual(post('SWAP', '0.37'), ['Dr 1100 0.37', 'Cr 4100 0.37']);
  });

  test('the smallest charge (one cent) keeps its exact amount', () => {
    assert.deepEqual(post('SWAP', '-0.01'), ['Dr 5100 0.01', 'Cr 1100 0.01']);
  });
});
