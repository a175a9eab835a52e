import assert from 'node:assert/strict';
import { loadDefaultRules } from '../../lib/ledger/defaults';
import type { PostingRuleSet } from '../../lib/ledger/posting-rules';
import { postTransaction } from '../../lib/ledger/postings';
import { toDecimal } from '../../lib/money';

const ruleSet = loadDefaultRules()[0] as PostingRuleSet;

/** Posts one USD broker row under the default rules and renders its lines as 'Dr 1100 416'. */
export function post(transactionType: string, size: string): string[] {
  const outcome = postTransaction({ key: `ref-${size}`, transactionType, amount: toDecimal(size), currency: 'USD', bookedAtMs: Date.parse('2025-01-15T22:00:00Z') }, ruleSet);
  assert.equal(outcome.kind, 'posted', outcome.kind === 'quarantined' ? outcome.reason : '');
  if (outcome.kind !== 'posted') return [];
  return outcome.entry.lines.map((l) => (l.debit !== undefined ? `Dr ${l.account} ${l.debit}` : `Cr ${l.account} ${l.credit ?? ''}`));
}
