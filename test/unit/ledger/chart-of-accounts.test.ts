import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartOfAccountsSchema, validateChart, type ChartOfAccounts, type LedgerAccount } from '../../../lib/ledger/chart-of-accounts';
import { loadDefaultChart } from '../../../lib/ledger/defaults';

function chartOf(accounts: LedgerAccount[]): ChartOfAccounts {
  return { version: 1, accounts };
}

describe('chart of accounts', () => {
  test('the default chart validates with zero problems', () => {
    const chart = loadDefaultChart();
    assert.deepEqual(validateChart(chart), []);
    const codes = chart.accounts.map((a) => a.code);
    for (const code of ['1010', '1050', '1100', '1200', '2100', '4000', '4100', '5000', '5100', '5200', '5210', '5220', '5230', '5300', '5400']) {
      assert.ok(codes.includes(code), `default chart has ${code}`);
    }
  });

  test('loading twice gives independent copies', () => {
    const first = loadDefaultChart();
    first.accounts.length = 0;
    assert.ok(loadDefaultChart().accounts.length > 0);
  });

  test('a duplicate code is reported at the second occurrence', () => {
    const problems = validateChart(
      chartOf([
        { code: '1100', name: 'Broker cash', type: 'asset' },
        { code: '1100', name: 'Broker cash again', type: 'asset' },
      ]),
    );
    assert.deepEqual(problems, [{ path: 'accounts[1].code', reason: "duplicate account code '1100' (first at accounts[0])" }]);
  });

  test('a parent that does not exist is reported', () => {
    const problems = validateChart(chartOf([{ code: '1100', name: 'Broker cash', type: 'asset', parent: '1000' }]));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'accounts[0].parent');
    assert.match(problems[0]?.reason ?? '', /parent '1000'.*not in the chart/);
  });

  test('a parent of another type is reported', () => {
    const problems = validateChart(
      chartOf([
        { code: '1000', name: 'Cash', type: 'asset' },
        { code: '5200', name: 'Commissions', type: 'expense', parent: '1000' },
      ]),
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'accounts[1].parent');
    assert.match(problems[0]?.reason ?? '', /\(expense\) rolls up into '1000' \(asset\)/);
  });

  test('a parent cycle is reported for each account on it', () => {
    const problems = validateChart(
      chartOf([
        { code: 'A', name: 'A', type: 'asset', parent: 'B' },
        { code: 'B', name: 'B', type: 'asset', parent: 'C' },
        { code: 'C', name: 'C', type: 'asset', parent: 'A' },
        { code: 'D', name: 'D, hanging off the cycle', type: 'asset', parent: 'A' },
      ]),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['accounts[0].parent', 'accounts[1].parent', 'accounts[2].parent'],
    );
    for (const problem of problems) assert.match(problem.reason, /parent cycle/);
  });

  test('an account that is its own parent is a cycle', () => {
    const problems = validateChart(chartOf([{ code: '1100', name: 'Loop', type: 'asset', parent: '1100' }]));
    assert.match(problems[0]?.reason ?? '', /own ancestor/);
  });

  test('the schema rejects unknown types, bad codes, bad currencies and stray keys', () => {
    const bad = [
      { code: '1100', name: 'x', type: 'revenue' },
      { code: '11 00', name: 'x', type: 'asset' },
      { code: '1100', name: 'x', type: 'asset', currency: 'dollars' },
      { code: '1100', name: 'x', type: 'asset', colour: 'red' },
      { code: '1100', name: ' ', type: 'asset' },
    ];
    for (const account of bad) assert.equal(chartOfAccountsSchema.safeParse({ version: 1, accounts: [account] }).success, false, JSON.stringify(account));
    const ok = chartOfAccountsSchema.safeParse({ version: 1, accounts: [{ code: '1100', name: 'Demo cash', type: 'asset', currency: 'USDd' }] });
    assert.equal(ok.success, true);
  });

  test('the full schema refuses a chart with relation problems', () => {
    const parsed = chartOfAccountsSchema.safeParse({ version: 1, accounts: [{ code: '1100', name: 'x', type: 'asset', parent: '9999' }] });
    assert.equal(parsed.success, false);
    assert.match(parsed.error?.issues[0]?.message ?? '', /accounts\[0\]\.parent: parent '9999'/);
  });
});
