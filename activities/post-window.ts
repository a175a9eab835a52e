import { createHash } from 'node:crypto';
import type { ChartOfAccounts } from '../lib/ledger/chart-of-accounts';
import type { PostingRuleSet } from '../lib/ledger/posting-rules';
import { postTransactionInForce } from '../lib/ledger/postings';
import { toDecimal } from '../lib/money';
import type { LedgerEntryDocument, PostingQuarantineDocument } from '../lib/store/reconciliation';
import type { TransactionDocument } from '../lib/store/transactions';

export interface PostedWindow {
  entries: LedgerEntryDocument[];
  quarantine: PostingQuarantineDocument[];
  ruleVersions: number[];
  /** SHA-256 over each row's key and the rule version that posted it (or `quarantined`), in key order. */
  digest: string;
}

/**
 * Posts a window's records through the rule set in force at each one's booking time. Posting
 * where the rows already are (ingest) spares the run a read of the whole month just to post it.
 */
export function postWindow(transactions: readonly TransactionDocument[], accountId: string, rules: { chart: ChartOfAccounts; ruleSets: readonly PostingRuleSet[] }): PostedWindow {
  const posted: PostedWindow = { entries: [], quarantine: [], ruleVersions: [], digest: '' };
  const versions = new Set<number>();
  const lines: string[] = [];
  for (const tx of transactions) {
    const outcome = postTransactionInForce({ key: tx.key, transactionType: tx.transactionType, amount: toDecimal(tx.amount), currency: tx.currency, bookedAtMs: tx.bookedAtMs }, rules.ruleSets, { chart: rules.chart });
    if (outcome.kind === 'posted') {
      versions.add(outcome.entry.ruleVersion);
      posted.entries.push({ _id: tx.key, accountId, bookedAtMs: tx.bookedAtMs, ...outcome.entry });
      lines.push(`${tx.key}:${outcome.entry.ruleVersion}`);
    } else {
      posted.quarantine.push({ _id: tx.key, accountId, key: tx.key, transactionType: tx.transactionType, reason: outcome.reason });
      lines.push(`${tx.key}:quarantined`);
    }
  }
  posted.ruleVersions = [...versions].sort((a, b) => a - b);
  posted.digest = createHash('sha256').update(lines.sort().join('\n')).digest('hex');
  return posted;
}
