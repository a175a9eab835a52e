import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical, Decimal, sum, toDecimal } from '../../../lib/money';
import { indexAccounts, summaryAccountCodes, type ChartOfAccounts } from '../../../lib/ledger/chart-of-accounts';
import { loadDefaultChart, loadDefaultRules } from '../../../lib/ledger/defaults';
import { DOCUMENTED_TRANSACTION_TYPES, type PostingRuleSet } from '../../../lib/ledger/posting-rules';
import { Prng } from '../../../simulator/data/prng';
import {
  assertBalanced,
  LedgerInvariantError,
  postTransaction,
  postTransactionInForce,
  trialBalance,
  type LedgerEntry,
  type TransactionToPost,
} from '../../../lib/ledger/postings';

const chart = loadDefaultChart();
const ruleSets = loadDefaultRules();
const ruleSet = ruleSets[0] as PostingRuleSet;
const accounts = indexAccounts(chart);
const summaries = summaryAccountCodes(chart);
const JAN_15_MS = Date.parse('2025-01-15T10:00:00Z');

function tx(transactionType: string, amount: string, key = `ref-${transactionType}-${amount}`): TransactionToPost {
  return { key, transactionType, amount: toDecimal(amount), currency: 'USD', bookedAtMs: JAN_15_MS };
}

function posted(transaction: TransactionToPost, rules: PostingRuleSet = ruleSet): LedgerEntry {
  const outcome = postTransaction(transaction, rules);
  assert.equal(outcome.kind, 'posted', outcome.kind === 'quarantined' ? outcome.reason : '');
  return (outcome as { entry: LedgerEntry }).entry;
}

describe('every documented type posts a balanced entry for both signs', () => {
  for (const type of DOCUMENTED_TRANSACTION_TYPES) {
    test(type, () => {
      for (const amount of ['123.45', '-123.45']) {
        const entry = posted(tx(type, amount));
        assert.equal(entry.lines.length, 2, `${type} ${amount}: one debit and one credit line`);
        assertBalanced(entry);
        const debits = sum(entry.lines.map((l) => toDecimal(l.debit ?? '0')));
        const credits = sum(entry.lines.map((l) => toDecimal(l.credit ?? '0')));
        assert.equal(canonical(debits), '123.45');
        assert.equal(canonical(credits), '123.45');
        for (const line of entry.lines) {
          assert.ok(accounts.has(line.account), `${type} ${amount}: account ${line.account} exists`);
          assert.ok(!summaries.has(line.account), `${type} ${amount}: ${line.account} is a posting account`);
          assert.equal(line.currency, 'USD');
        }
        // A row's size is the cash effect on the broker account, so every entry moves broker cash
        // (1100): debited when cash came in, credited when it went out.
        const brokerLine = entry.lines.find((l) => l.account === '1100');
        assert.ok(brokerLine, `${type} ${amount} moves broker cash`);
        if (amount.startsWith('-')) assert.equal(brokerLine.credit, '123.45', `${type}: cash out credits broker cash`);
        else assert.equal(brokerLine.debit, '123.45', `${type}: cash in debits broker cash`);
      }
    });
  }
});

describe('posting edge cases', () => {
  test('a zero amount is mapped but posts no lines', () => {
    const outcome = postTransaction(tx('TRADE', '0.0'), ruleSet);
    assert.deepEqual(outcome, { kind: 'posted', entry: { key: 'ref-TRADE-0.0', transactionType: 'TRADE', ruleVersion: 1, lines: [] } });
  });

  test('an unknown type is quarantined with a reason naming the type and the rule-set version', () => {
    const outcome = postTransaction(tx('MYSTERY_FEE', '-2.50'), ruleSet);
    assert.equal(outcome.kind, 'quarantined');
    assert.equal(outcome.kind === 'quarantined' && outcome.reason, "no posting rule maps transactionType 'MYSTERY_FEE' in rule set version 1");
  });

  test('an unknown type with a zero amount is still quarantined, not silently posted', () => {
    assert.equal(postTransaction(tx('MYSTERY_FEE', '0'), ruleSet).kind, 'quarantined');
  });

  test('amounts keep every decimal and never carry a sign', () => {
    const entry = posted(tx('SWAP', '-0.0000001'));
    assert.deepEqual(entry.lines, [
      { account: '5100', debit: '0.0000001', currency: 'USD' },
      { account: '1100', credit: '0.0000001', currency: 'USD' },
    ]);
  });

  test('a non-finite amount or a missing currency is quarantined', () => {
    const nan = { ...tx('TRADE', '1'), amount: new Decimal(Number.NaN) };
    assert.equal(postTransaction(nan, ruleSet).kind, 'quarantined');
    assert.equal(postTransaction({ ...tx('TRADE', '1'), currency: ' ' }, ruleSet).kind, 'quarantined');
  });

  test('with a chart, an account restricted to another currency quarantines the row', () => {
    const eurOnly: ChartOfAccounts = { ...chart, accounts: chart.accounts.map((a) => (a.code === '1100' ? { ...a, currency: 'EUR' } : a)) };
    const outcome = postTransaction(tx('DEPOSIT', '100'), ruleSet, { chart: eurOnly });
    assert.equal(outcome.kind, 'quarantined');
    assert.match(outcome.kind === 'quarantined' ? outcome.reason : '', /'1100' holds EUR only, the row is in USD \(DEPOSIT, rule set version 1\)/);
    assert.equal(postTransaction({ ...tx('DEPOSIT', '100'), currency: 'EUR' }, ruleSet, { chart: eurOnly }).kind, 'posted');
  });

  test('posting in force picks the version by booking time and quarantines before the first', () => {
    const v2: PostingRuleSet = { ...ruleSet, version: 2, effectiveFrom: '2025-02-01' };
    assert.equal(postTransactionInForce(tx('TRADE', '5'), [ruleSet, v2]).kind, 'posted');
    const late = postTransactionInForce({ ...tx('TRADE', '5'), bookedAtMs: Date.parse('2025-02-01T00:00:00Z') }, [ruleSet, v2]);
    assert.equal(late.kind === 'posted' && late.entry.ruleVersion, 2);
    const early = postTransactionInForce({ ...tx('TRADE', '5'), bookedAtMs: Date.parse('2019-12-31T23:59:59Z') }, [ruleSet, v2]);
    assert.equal(early.kind, 'quarantined');
    assert.match(early.kind === 'quarantined' ? early.reason : '', /no posting rule set is in force at 2019-12-31T23:59:59.000Z/);
  });

  test('an unbalanced or malformed entry breaks the invariant loudly', () => {
    const unbalanced: LedgerEntry = {
      key: 'k1',
      transactionType: 'TRADE',
      ruleVersion: 1,
      lines: [
        { account: '1100', debit: '10.00', currency: 'USD' },
        { account: '4000', credit: '9.99', currency: 'USD' },
      ],
    };
    assert.throws(() => assertBalanced(unbalanced), (e: unknown) => e instanceof LedgerInvariantError && /k1 is unbalanced in USD: debits - credits = 0.01/.test(e.message));
    const crossCurrency: LedgerEntry = { ...unbalanced, lines: [{ account: '1100', debit: '10', currency: 'USD' }, { account: '4000', credit: '10', currency: 'EUR' }] };
    assert.throws(() => assertBalanced(crossCurrency), LedgerInvariantError);
    const bothSides: LedgerEntry = { ...unbalanced, lines: [{ account: '1100', debit: '1', credit: '1', currency: 'USD' }] };
    assert.throws(() => assertBalanced(bothSides), /exactly one of debit or credit/);
    const negative: LedgerEntry = { ...unbalanced, lines: [{ account: '1100', debit: '-1', currency: 'USD' }, { account: '4000', credit: '-1', currency: 'USD' }] };
    assert.throws(() => assertBalanced(negative), /negative amount/);
  });
});

describe('trial balance', () => {

  test('a few hundred mixed random entries in two currencies balance, and broker cash nets to the rows', () => {
    // Seeded, so a failure reproduces.
    const prng = Prng.fromKey('postings-trial-balance', 20250115);
    const random = () => prng.float();
    const entries: LedgerEntry[] = [];
    const cashByCurrency = new Map<string, Decimal>();
    for (let i = 0; i < 400; i++) {
      const type = DOCUMENTED_TRANSACTION_TYPES[Math.floor(random() * DOCUMENTED_TRANSACTION_TYPES.length)] as string;
      const cents = Math.floor(random() * 2_000_000) - 1_000_000;
      const amount = new Decimal(cents).dividedBy(100);
      const currency = random() < 0.7 ? 'USD' : 'EUR';
      const outcome = postTransaction({ key: `r${i}`, transactionType: type, amount, currency, bookedAtMs: JAN_15_MS }, ruleSet);
      assert.equal(outcome.kind, 'posted');
      if (outcome.kind === 'posted') entries.push(outcome.entry);
      cashByCurrency.set(currency, (cashByCurrency.get(currency) ?? new Decimal(0)).plus(amount));
    }
    const balance = trialBalance(entries);
    assert.equal(balance.balanced, true);
    assert.deepEqual(balance.totals.map((t) => t.currency), ['EUR', 'USD']);
    for (const totals of balance.totals) assert.ok(totals.debit.equals(totals.credit), `${totals.currency} debits = credits`);
    // Every row moves broker cash by exactly its signed size.
    for (const [currency, expected] of cashByCurrency) {
      const brokerCash = balance.rows.find((r) => r.account === '1100' && r.currency === currency);
      assert.equal(canonical(brokerCash?.net ?? new Decimal(0)), canonical(expected), `broker cash in ${currency}`);
    }
    const sorted = balance.rows.map((r) => `${r.account}/${r.currency}`);
    assert.deepEqual(sorted, [...sorted].sort());
  });

  test('an entry that does not balance makes the trial balance say so', () => {
    const entries: LedgerEntry[] = [
      posted(tx('DEPOSIT', '1000')),
      { key: 'hand-made', transactionType: 'ADJUSTMENT', ruleVersion: 1, lines: [{ account: '5300', debit: '5', currency: 'USD' }] },
    ];
    const balance = trialBalance(entries);
    assert.equal(balance.balanced, false);
    assert.equal(canonical(balance.totals[0]?.debit ?? new Decimal(0)), '1005');
    assert.equal(canonical(balance.totals[0]?.credit ?? new Decimal(0)), '1000');
  });

  test('no entries is an empty, balanced trial balance', () => {
    assert.deepEqual(trialBalance([]), { rows: [], totals: [], balanced: true });
  });
});
