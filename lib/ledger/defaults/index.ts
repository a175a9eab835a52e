/**
 * The chart of accounts and posting rules a new installation starts with (see README.md here for
 * the reasoning behind each mapping). Both are validated on load, so a broken edit to the JSON
 * fails loudly on first use and in the unit tests, never by posting to a wrong account.
 */
import { z } from 'zod';
import { chartOfAccountsSchema, type ChartOfAccounts } from '../chart-of-accounts';
import { postingRuleSetSchema, validateRuleSet, validateRuleSetHistory, type PostingRuleSet } from '../posting-rules';
import defaultChartJson from './default-chart.json';
import defaultRulesJson from './default-rules.json';

/** A fresh, validated copy of the default chart (callers may change it freely). */
export function loadDefaultChart(): ChartOfAccounts {
  return chartOfAccountsSchema.parse(defaultChartJson);
}

/** A fresh, validated copy of the default rule-set history, oldest version first. */
export function loadDefaultRules(): PostingRuleSet[] {
  const ruleSets = z.array(postingRuleSetSchema).parse(defaultRulesJson);
  const chart = loadDefaultChart();
  const problems = [
    ...validateRuleSetHistory(ruleSets).map((p) => `${p.path}: ${p.reason}`),
    ...ruleSets.flatMap((ruleSet) => validateRuleSet(ruleSet, chart).map((p) => `version ${ruleSet.version} ${p.path}: ${p.reason}`)),
  ];
  if (problems.length > 0) throw new Error(`default posting rules are invalid:\n${problems.join('\n')}`);
  return ruleSets.sort((a, b) => a.version - b.version);
}
