/**
 * The JSON file behind `recon coa import|export`: one chart of accounts and its posting rule-set
 * history, `{ "chart": {...}, "ruleSets": [...] }`. Import reports every problem with the path
 * where it is; export writes the same bytes for the same content (sorted keys, sorted lists), so
 * the file diffs cleanly under version control.
 */
import { z } from 'zod';
import { chartOfAccountsShapeSchema, validateChart, type ChartOfAccounts, type LedgerProblem } from './chart-of-accounts';
import { postingRuleSetSchema, validateRuleSet, validateRuleSetHistory, type PostingRuleSet } from './posting-rules';

export const chartAndRulesSchema = z.strictObject({
  chart: chartOfAccountsShapeSchema,
  ruleSets: z.array(postingRuleSetSchema),
});

export interface ChartAndRules {
  chart: ChartOfAccounts;
  ruleSets: PostingRuleSet[];
}

export type ChartAndRulesParse = { ok: true; value: ChartAndRules } | { ok: false; problems: LedgerProblem[] };

/**
 * Parses and fully validates an import file: its shape first, then the chart's relations, each
 * rule set against the chart, and the rule-set history. Nothing partial is returned.
 */
export function parseChartAndRules(jsonText: string): ChartAndRulesParse {
  let document: unknown;
  try {
    document = JSON.parse(jsonText);
  } catch (error) {
    return { ok: false, problems: [{ path: '', reason: `not valid JSON: ${(error as Error).message}` }] };
  }
  const shaped = chartAndRulesSchema.safeParse(document);
  if (!shaped.success) {
    return { ok: false, problems: shaped.error.issues.map((issue) => ({ path: formatPath(issue.path), reason: issue.message })) };
  }
  const { chart, ruleSets } = shaped.data;
  const problems = [
    ...prefixed('chart', validateChart(chart)),
    ...ruleSets.flatMap((ruleSet, index) => prefixed(`ruleSets[${index}]`, validateRuleSet(ruleSet, chart))),
    ...prefixed('ruleSets', validateRuleSetHistory(ruleSets)),
  ];
  return problems.length === 0 ? { ok: true, value: { chart, ruleSets } } : { ok: false, problems };
}

/**
 * Pretty JSON (two-space indent, trailing newline) with keys sorted at every level, accounts by
 * code, rule sets by version and rules by transactionType.
 */
export function exportChartAndRules(chart: ChartOfAccounts, ruleSets: readonly PostingRuleSet[]): string {
  const document: ChartAndRules = {
    chart: { ...chart, accounts: [...chart.accounts].sort((a, b) => compareText(a.code, b.code)) },
    ruleSets: [...ruleSets]
      .sort((a, b) => a.version - b.version)
      .map((ruleSet) => ({ ...ruleSet, rules: [...ruleSet.rules].sort((a, b) => compareText(a.transactionType, b.transactionType)) })),
  };
  return `${JSON.stringify(withSortedKeys(document), null, 2)}\n`;
}

/** `["chart", "accounts", 2, "parent"]` → `chart.accounts[2].parent`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

function prefixed(prefix: string, problems: readonly LedgerProblem[]): LedgerProblem[] {
  return problems.map(({ path, reason }) => ({ path: path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`, reason }));
}

/** A copy with object keys in code-unit order; undefined members dropped as JSON would. */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareText)) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = withSortedKeys(member);
  }
  return sorted;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
