import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDefaultChart, loadDefaultRules } from '../../../lib/ledger/defaults';
import {
  DOCUMENTED_TRANSACTION_TYPES,
  selectRuleSet,
  validateRuleSet,
  validateRuleSetHistory,
  type PostingRuleSet,
} from '../../../lib/ledger/posting-rules';

const chart = loadDefaultChart();

function defaultRuleSet(): PostingRuleSet {
  const ruleSet = loadDefaultRules()[0];
  assert.ok(ruleSet);
  return ruleSet;
}

function indexOfType(ruleSet: PostingRuleSet, type: string): number {
  const index = ruleSet.rules.findIndex((rule) => rule.transactionType === type);
  assert.ok(index >= 0, `${type} is in the rule set`);
  return index;
}

describe('posting rule sets', () => {
  test('there are 30 documented types: 26 current and 4 legacy', () => {
    assert.equal(DOCUMENTED_TRANSACTION_TYPES.length, 30);
    assert.equal(new Set(DOCUMENTED_TRANSACTION_TYPES).size, 30);
  });

  test('the default rules validate with zero problems and map every documented type once', () => {
    const ruleSets = loadDefaultRules();
    assert.deepEqual(validateRuleSetHistory(ruleSets), []);
    for (const ruleSet of ruleSets) assert.deepEqual(validateRuleSet(ruleSet, chart), []);
    const mapped = defaultRuleSet().rules.map((rule) => rule.transactionType).sort();
    assert.deepEqual(mapped, [...DOCUMENTED_TRANSACTION_TYPES].sort());
  });

  test('a rule set missing a documented type is reported, naming the type', () => {
    const ruleSet = defaultRuleSet();
    ruleSet.rules.splice(indexOfType(ruleSet, 'SWAP'), 1);
    assert.deepEqual(validateRuleSet(ruleSet, chart), [{ path: 'rules', reason: 'documented transactionType SWAP is not mapped' }]);
  });

  test('a missing legacy type is reported too', () => {
    const ruleSet = defaultRuleSet();
    ruleSet.rules.splice(indexOfType(ruleSet, 'ACCOUNT_CLOSURE'), 1);
    assert.deepEqual(validateRuleSet(ruleSet, chart), [{ path: 'rules', reason: 'documented transactionType ACCOUNT_CLOSURE is not mapped' }]);
  });

  test('a reference to an account not in the chart is reported with its path', () => {
    const ruleSet = defaultRuleSet();
    const index = indexOfType(ruleSet, 'TRADE');
    const rule = ruleSet.rules[index];
    assert.ok(rule);
    rule.whenNegative.debit = '5999';
    assert.deepEqual(validateRuleSet(ruleSet, chart), [
      { path: `rules[${index}].whenNegative.debit`, reason: "account '5999' is not in chart version 1" },
    ]);
  });

  test('debit == credit is reported with the path of the side', () => {
    const ruleSet = defaultRuleSet();
    const index = indexOfType(ruleSet, 'DEPOSIT');
    const rule = ruleSet.rules[index];
    assert.ok(rule);
    rule.whenPositive = { debit: '1100', credit: '1100' };
    assert.deepEqual(validateRuleSet(ruleSet, chart), [
      { path: `rules[${index}].whenPositive`, reason: "DEPOSIT debits and credits the same account '1100'" },
    ]);
  });

  test('posting to a summary account is reported', () => {
    const ruleSet = defaultRuleSet();
    const index = indexOfType(ruleSet, 'DEPOSIT');
    const rule = ruleSet.rules[index];
    assert.ok(rule);
    rule.whenPositive.credit = '1000';
    const problems = validateRuleSet(ruleSet, chart);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, `rules[${index}].whenPositive.credit`);
    assert.match(problems[0]?.reason ?? '', /summary account/);
  });

  test('a type mapped twice is reported at the second rule', () => {
    const ruleSet = defaultRuleSet();
    const first = indexOfType(ruleSet, 'BONUS');
    const rule = ruleSet.rules[first];
    assert.ok(rule);
    ruleSet.rules.push(structuredClone(rule));
    assert.deepEqual(validateRuleSet(ruleSet, chart), [
      { path: `rules[${ruleSet.rules.length - 1}].transactionType`, reason: `BONUS is mapped twice (first at rules[${first}])` },
    ]);
  });

  test('an extra rule for a type the docs do not list is allowed', () => {
    const ruleSet = defaultRuleSet();
    ruleSet.rules.push({ transactionType: 'MYSTERY_FEE', description: 'Seen in 2026; a fee.', whenPositive: { debit: '1100', credit: '5300' }, whenNegative: { debit: '5300', credit: '1100' } });
    assert.deepEqual(validateRuleSet(ruleSet, chart), []);
  });

  test('a bad version or effectiveFrom is reported', () => {
    const ruleSet = { ...defaultRuleSet(), version: 0, effectiveFrom: '2025-02-30' };
    assert.deepEqual(
      validateRuleSet(ruleSet, chart).map((p) => p.path),
      ['version', 'effectiveFrom'],
    );
  });

  test('a history with a repeated version or an out-of-order date is reported', () => {
    const v1 = defaultRuleSet();
    const v2 = { ...defaultRuleSet(), version: 2, effectiveFrom: '2019-06-01' };
    const again = { ...defaultRuleSet(), version: 1 };
    assert.deepEqual(validateRuleSetHistory([v1, v2]).map((p) => p.path), ['[1].effectiveFrom']);
    assert.deepEqual(validateRuleSetHistory([v1, again]).map((p) => p.path), ['[1].version']);
    assert.deepEqual(validateRuleSetHistory([]).map((p) => p.reason), ['at least one posting rule set is needed']);
  });
});

describe('selecting the rule set in force', () => {
  const v1 = { ...defaultRuleSet(), version: 1, effectiveFrom: '2024-01-01' };
  const v2 = { ...defaultRuleSet(), version: 2, effectiveFrom: '2025-03-01' };
  const v3 = { ...defaultRuleSet(), version: 3, effectiveFrom: '2025-07-15' };
  const history = [v3, v1, v2];

  test('each instant gets the latest version that had taken effect, whatever the list order', () => {
    assert.equal(selectRuleSet(history, Date.parse('2024-06-30T12:00:00Z'))?.version, 1);
    assert.equal(selectRuleSet(history, Date.parse('2025-02-28T23:59:59.999Z'))?.version, 1);
    assert.equal(selectRuleSet(history, Date.parse('2025-03-01T00:00:00Z'))?.version, 2);
    assert.equal(selectRuleSet(history, Date.parse('2025-07-14T23:59:59.999Z'))?.version, 2);
    assert.equal(selectRuleSet(history, Date.parse('2025-07-15T00:00:00Z'))?.version, 3);
    assert.equal(selectRuleSet(history, Date.parse('2030-01-01T00:00:00Z'))?.version, 3);
  });

  test('before the first version nothing is in force', () => {
    assert.equal(selectRuleSet(history, Date.parse('2023-12-31T23:59:59.999Z')), undefined);
    assert.equal(selectRuleSet(history, Number.NaN), undefined);
    assert.equal(selectRuleSet([], Date.parse('2025-01-01T00:00:00Z')), undefined);
  });

  test('on the same date the higher version wins', () => {
    const sameDay = { ...v2, version: 9 };
    assert.equal(selectRuleSet([sameDay, v2], Date.parse('2025-04-01T00:00:00Z'))?.version, 9);
  });
});
