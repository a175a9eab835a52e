import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportChartAndRules, parseChartAndRules, type ChartAndRules } from '../../../lib/ledger/chart-json';
import { loadDefaultChart, loadDefaultRules } from '../../../lib/ledger/defaults';

function defaults(): ChartAndRules {
  return { chart: loadDefaultChart(), ruleSets: loadDefaultRules() };
}

function parsed(jsonText: string): ChartAndRules {
  const result = parseChartAndRules(jsonText);
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems, null, 2));
  return result.value;
}

/** The defaults as a plain JSON document, for editing into broken variants. */
function defaultDocument(): { chart: { accounts: Record<string, unknown>[] }; ruleSets: { rules: Record<string, unknown>[] }[] } {
  const { chart, ruleSets } = defaults();
  return JSON.parse(exportChartAndRules(chart, ruleSets)) as ReturnType<typeof defaultDocument>;
}

function problemsOf(document: unknown): { path: string; reason: string }[] {
  const result = parseChartAndRules(JSON.stringify(document));
  assert.equal(result.ok, false, 'the document should be refused');
  return result.ok ? [] : result.problems;
}

describe('chart and rules import/export', () => {
  test('export then parse gives the same content, and exporting again the same bytes', () => {
    const { chart, ruleSets } = defaults();
    const text = exportChartAndRules(chart, ruleSets);
    const back = parsed(text);
    assert.equal(exportChartAndRules(back.chart, back.ruleSets), text);
    assert.deepEqual(new Set(back.chart.accounts.map((a) => JSON.stringify(a))), new Set(chart.accounts.map((a) => JSON.stringify(a))));
    assert.equal(back.ruleSets[0]?.rules.length, 30);
  });

  test('export is independent of input order and key order', () => {
    const { chart, ruleSets } = defaults();
    const shuffled = {
      accounts: [...chart.accounts].reverse().map((a) => Object.fromEntries(Object.entries(a).reverse()) as typeof a),
      version: chart.version,
    };
    const reordered = ruleSets.map((rs) => ({ ...rs, rules: [...rs.rules].reverse() }));
    assert.equal(exportChartAndRules(shuffled, reordered), exportChartAndRules(chart, ruleSets));
  });

  test('export sorts keys, accounts by code and rules by type, pretty-printed with a final newline', () => {
    const { chart, ruleSets } = defaults();
    const text = exportChartAndRules(chart, ruleSets);
    assert.ok(text.startsWith('{\n  "chart": {\n    "accounts": [\n'));
    assert.ok(text.endsWith('}\n'));
    const document = defaultDocument();
    const codes = document.chart.accounts.map((a) => String(a.code));
    assert.deepEqual(codes, [...codes].sort());
    const types = document.ruleSets[0]?.rules.map((r) => String(r.transactionType)) ?? [];
    assert.deepEqual(types, [...types].sort());
  });

  test('text that is not JSON is one problem at the root', () => {
    const result = parseChartAndRules('{ "chart": ');
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.problems[0]?.path, '');
    assert.match(result.ok ? '' : (result.problems[0]?.reason ?? ''), /^not valid JSON/);
  });

  test('shape problems name their path', () => {
    const document = defaultDocument();
    (document.chart.accounts[2] as Record<string, unknown>).type = 'revenue';
    (document.ruleSets[0]?.rules[0] as Record<string, unknown>).extra = true;
    const paths = problemsOf(document).map((p) => p.path);
    assert.deepEqual(paths, ['chart.accounts[2].type', 'ruleSets[0].rules[0]']);
  });

  test('a rule set missing a documented type is refused, naming the type', () => {
    const document = defaultDocument();
    const rules = document.ruleSets[0]?.rules ?? [];
    const index = rules.findIndex((r) => r.transactionType === 'CHARGEBACK');
    rules.splice(index, 1);
    assert.deepEqual(problemsOf(document), [{ path: 'ruleSets[0].rules', reason: 'documented transactionType CHARGEBACK is not mapped' }]);
  });

  test('a rule referencing an account missing from the chart is refused with the full path', () => {
    const document = defaultDocument();
    const rules = document.ruleSets[0]?.rules ?? [];
    const index = rules.findIndex((r) => r.transactionType === 'SWAP');
    (rules[index] as { whenNegative: { debit: string } }).whenNegative.debit = '5101';
    assert.deepEqual(problemsOf(document), [{ path: `ruleSets[0].rules[${index}].whenNegative.debit`, reason: "account '5101' is not in chart version 1" }]);
  });

  test('a rule with debit == credit is refused with the full path', () => {
    const document = defaultDocument();
    const rules = document.ruleSets[0]?.rules ?? [];
    const index = rules.findIndex((r) => r.transactionType === 'TRADE');
    (rules[index] as { whenPositive: { debit: string; credit: string } }).whenPositive = { debit: '4000', credit: '4000' };
    const problems = problemsOf(document);
    assert.deepEqual(problems.map((p) => p.path), [`ruleSets[0].rules[${index}].whenPositive`]);
  });

  test('chart relation problems and rule-set history problems carry their prefixes', () => {
    const document = defaultDocument() as unknown as { chart: { accounts: { code: string; parent?: string }[] }; ruleSets: { version: number }[] };
    const account = document.chart.accounts.find((a) => a.code === '1010');
    if (account) account.parent = '1999';
    const [first] = document.ruleSets;
    if (first) document.ruleSets.push({ ...first });
    const paths = problemsOf(document).map((p) => p.path);
    assert.ok(paths.some((p) => /^chart\.accounts\[\d+\]\.parent$/.test(p)), paths.join(', '));
    assert.ok(paths.includes('ruleSets[1].version'), paths.join(', '));
  });
});
