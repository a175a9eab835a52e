import type { Db } from 'mongodb';
import type { ChartAndRules } from '../ledger/chart-json';
import { loadDefaultChart, loadDefaultRules } from '../ledger/defaults';
import { upsertMany, type UpsertCounts } from './upsert';

const CHART_COLLECTION = 'ledger_chart';
const RULES_COLLECTION = 'posting_rule_sets';
/** One chart is in force; rule sets are versioned and kept side by side (old runs stay explainable). */
const CHART_ID = 'current';

interface ChartDocument {
  _id: string;
  chart: ChartAndRules['chart'];
}

type RuleSetDocument = ChartAndRules['ruleSets'][number] & { _id: string };

/** Stores a validated chart and its rule sets (a rule set's version is its identity). */
export async function saveChartAndRules(db: Db, value: ChartAndRules): Promise<{ chart: UpsertCounts; ruleSets: UpsertCounts }> {
  const chart = await upsertMany(db.collection<ChartDocument>(CHART_COLLECTION), [{ _id: CHART_ID, chart: value.chart }]);
  const ruleSets = await upsertMany(
    db.collection<RuleSetDocument>(RULES_COLLECTION),
    value.ruleSets.map((ruleSet) => ({ _id: `v${ruleSet.version}`, ...ruleSet })),
  );
  return { chart, ruleSets };
}

/** The stored chart and rule sets, or the shipped defaults when none were imported yet. */
export async function loadChartAndRules(db: Db): Promise<ChartAndRules & { source: 'database' | 'defaults' }> {
  const chart = await db.collection<ChartDocument>(CHART_COLLECTION).findOne({ _id: CHART_ID });
  if (!chart) return { chart: loadDefaultChart(), ruleSets: loadDefaultRules(), source: 'defaults' };
  const ruleSets = await db.collection<RuleSetDocument>(RULES_COLLECTION).find({}).sort({ version: 1 }).toArray();
  return { chart: chart.chart, ruleSets: ruleSets.map(({ _id: _ignored, ...ruleSet }) => ruleSet), source: 'database' };
}
