import { readFile, writeFile } from 'node:fs/promises';
import { loadConfig } from '../lib/config';
import { exportChartAndRules, parseChartAndRules } from '../lib/ledger/chart-json';
import { loadChartAndRules, saveChartAndRules } from '../lib/store/chart';
import type { MongoHandle } from '../lib/store/mongo';
import { connectDatabase } from './connections';
import { UserError } from './errors';

async function withDatabase<T>(work: (mongo: MongoHandle) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const mongo = await connectDatabase(config, 'recon coa');
  try {
    return await work(mongo);
  } finally {
    await mongo.close();
  }
}

/** `recon coa import <file>`: validate a chart with its posting rules and store them. */
export async function runCoaImport(file: string, options: { dryRun?: boolean; json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseChartAndRules(text);
  if (!parsed.ok) {
    const lines = parsed.problems.slice(0, 50).map((p) => `  ${p.path || '(file)'}: ${p.reason}`);
    const more = parsed.problems.length > 50 ? `\n  … and ${parsed.problems.length - 50} more` : '';
    throw new UserError(`${file} is not a valid chart of accounts with posting rules (${parsed.problems.length} problems):\n${lines.join('\n')}${more}`);
  }
  const { chart, ruleSets } = parsed.value;
  const summary = `${chart.accounts.length} accounts, rule set versions ${ruleSets.map((r) => r.version).join(', ')}`;
  const outline = { file, valid: true, accounts: chart.accounts.length, ruleSetVersions: ruleSets.map((r) => r.version) };
  if (options.dryRun) {
    console.log(options.json ? JSON.stringify({ ...outline, stored: false }) : `${file} is valid: ${summary}. Nothing stored (--dry-run).`);
    return;
  }
  await withDatabase(async (mongo) => {
    const counts = await saveChartAndRules(mongo.db, parsed.value);
    const changed = counts.chart.inserted + counts.chart.updated + counts.ruleSets.inserted + counts.ruleSets.updated;
    console.log(options.json ? JSON.stringify({ ...outline, stored: true, changed: changed > 0, counts }) : `Imported ${summary} from ${file}${changed === 0 ? ' (already up to date)' : ''}.`);
  });
}

/** `recon coa export [--out file]`: the chart and rules in force, as importable JSON. */
/** `--json` changes nothing: the export is JSON already. */
export async function runCoaExport(options: { out?: string; json?: boolean }): Promise<void> {
  await withDatabase(async (mongo) => {
    const { chart, ruleSets, source } = await loadChartAndRules(mongo.db);
    if (source === 'defaults') console.error('No chart imported yet: exporting the shipped defaults.');
    const text = exportChartAndRules(chart, ruleSets);
    if (options.out) {
      await writeFile(options.out, text);
      console.error(`wrote ${options.out}`);
    } else {
      process.stdout.write(text);
    }
  });
}
