import { readFile, writeFile } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { runWatchlistSync, syncFailureMessage, WatchlistSyncStillRunningError } from '../api/routes/charts';
import { loadConfig } from '../lib/config';
import { CHART_RECORD_KINDS, exportChartRecords, type ChartImportProblem, type ChartRecord, type ChartRecordKind } from '../lib/market/chart-config';
import { PUBLISH_PER_SYNC_MAX, type WatchlistSyncItem, type WatchlistSyncReport } from '../lib/market/watchlist-sync';
import { importChartDocument, listChartRecords, type ChartImportApplied } from '../lib/store/chart-configs';
import type { MongoHandle } from '../lib/store/mongo';
import { connectDatabase, connectTemporal } from './connections';
import { EXIT, UserError } from './errors';
import { printTable } from './table';

/** Problems listed before "… and n more". */
const PROBLEMS_SHOWN_MAX = 50;
/** `recon charts sync` waits this long for the worker's report. */
const SYNC_WAIT_MS = 10 * 60_000;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** `recon charts …`: chart configuration records (docs/charts.md). */
export function registerChartCommands(program: Command): void {
  const charts = program
    .command('charts')
    .description("Analysts' chart configuration records: watchlists, indicator sets, chart layouts and interval presets, versioned in MongoDB (docs/charts.md)");

  charts
    .command('import')
    .description('Check a chart-config JSON document against the stored records and store it: all records or none')
    .argument('<file>', 'a JSON document as `recon charts export` writes it (schema: GET /charts/schema)')
    .option('--dry-run', 'check and report only; store nothing')
    .option('--json', 'print the outcome of every record as JSON')
    .addHelpText('after', '\nA record is new, an update (its version is above the stored one), unchanged, or a conflict (not above, different content). Any invalid record or conflict stores nothing (exit 1).' + examples('recon charts import charts.json --dry-run', 'recon charts import charts.json'))
    .action(runChartsImport);

  charts
    .command('export')
    .description('Print the current records as one importable JSON document')
    .option('--out <file>', 'write to a file instead of stdout')
    .addOption(new Option('--kind <kind>', 'only records of this kind').choices(CHART_RECORD_KINDS))
    .option('--json', 'the same JSON (the output is JSON either way; accepted like on every read command)')
    .addHelpText('after', examples('recon charts export --out charts.json', 'recon charts export --kind watchlist'))
    .action(runChartsExport);

  charts
    .command('list')
    .description('List the current records with their versions')
    .addOption(new Option('--kind <kind>', 'only records of this kind').choices(CHART_RECORD_KINDS))
    .option('--json', 'print as JSON')
    .action(runChartsList);

  charts
    .command('sync')
    .description("Sync the watchlists both ways with an account's broker watchlists and report what changed; the worker must be running")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--publish <ids>', `local-only watchlist ids to create on the broker, comma-separated (at most ${PUBLISH_PER_SYNC_MAX})`, parsePublish)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', examples('recon charts sync --account 123456', 'recon charts sync --account 123456 --publish metals,us-tech'))
    .action(runChartsSync);
}

async function withDatabase<T>(command: string, work: (mongo: MongoHandle) => Promise<T>): Promise<T> {
  const mongo = await connectDatabase(loadConfig(), command);
  try {
    return await work(mongo);
  } finally {
    await mongo.close();
  }
}

/** What a record in the file claims to be, to name it next to its problems. */
function recordLabels(text: string): Map<number, string> {
  const labels = new Map<number, string>();
  try {
    const records = (JSON.parse(text) as { records?: unknown }).records;
    if (!Array.isArray(records)) return labels;
    records.forEach((record: unknown, index) => {
      const { kind, id } = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>;
      if (typeof kind === 'string' && typeof id === 'string') labels.set(index, ` (${kind} '${id}')`);
    });
  } catch {
    // Not JSON: the import's own problem says so.
  }
  return labels;
}

function problemLine(problem: ChartImportProblem, labels: ReadonlyMap<number, string>): string {
  if (problem.index === null) return `  ${problem.path}: ${problem.reason}`;
  const where = problem.path === 'record' ? '' : ` ${problem.path}`;
  return `  records[${problem.index}]${labels.get(problem.index) ?? ''}${where}: ${problem.reason}`;
}

function countOf(result: ChartImportApplied, status: string): number {
  return result.outcomes.filter((outcome) => outcome.status === status).length;
}

/** `recon charts import <file>`: every problem or conflict (nothing stored), else the outcomes. */
export async function runChartsImport(file: string, options: { dryRun?: boolean; json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const result = await withDatabase('recon charts import', (mongo) => importChartDocument(mongo.db, text, { dryRun: options.dryRun === true, nowMs: Date.now(), source: 'import' }));
  const conflicts = result.outcomes.filter((outcome) => outcome.status === 'conflict');
  const failed = result.problems.length > 0 || conflicts.length > 0 || result.failed.length > 0;
  if (options.json) {
    console.log(JSON.stringify({ file, ...result, outcomes: result.outcomes.map(({ record: _record, ...outcome }) => outcome) }, null, 2));
    if (failed) process.exitCode = EXIT.failure;
    return;
  }
  if (result.problems.length > 0) {
    const labels = recordLabels(text);
    const lines = result.problems.slice(0, PROBLEMS_SHOWN_MAX).map((problem) => problemLine(problem, labels));
    const more = result.problems.length > PROBLEMS_SHOWN_MAX ? `\n  … and ${result.problems.length - PROBLEMS_SHOWN_MAX} more` : '';
    throw new UserError(`${file} has ${result.problems.length} problem(s); nothing was imported:\n${lines.join('\n')}${more}`);
  }
  if (conflicts.length > 0) {
    const lines = conflicts.slice(0, PROBLEMS_SHOWN_MAX).map((outcome) => `  records[${outcome.index}] ${outcome.kind} '${outcome.id}': ${outcome.reason}`);
    throw new UserError(`${file} has ${conflicts.length} record(s) in conflict with the stored versions; nothing was imported:\n${lines.join('\n')}`);
  }
  printTable(
    ['status', 'kind', 'id', 'version', 'why'],
    result.outcomes.map((outcome) => [outcome.status, outcome.kind, outcome.id, String(outcome.record.version), outcome.reason]),
  );
  const counts = `${countOf(result, 'new')} new, ${countOf(result, 'update')} updated, ${countOf(result, 'unchanged')} unchanged`;
  if (options.dryRun) {
    console.log(`\n${file} is valid: ${counts}. Nothing stored (--dry-run).`);
    return;
  }
  if (result.failed.length > 0) {
    throw new UserError(`stored ${result.written} record(s) from ${file}, but ${result.failed.length} changed while the import ran and were not stored:\n${result.failed.map((f) => `  records[${f.index}] ${f.kind} '${f.id}': ${f.reason}`).join('\n')}`);
  }
  console.log(`\nImported ${file}: ${counts}.`);
}

/** `recon charts export [--out file]`: the current records as an importable document. */
export async function runChartsExport(options: { out?: string; kind?: ChartRecordKind; json?: boolean }): Promise<void> {
  const records = await withDatabase('recon charts export', (mongo) => listChartRecords(mongo.db, options.kind ? { kind: options.kind } : {}));
  const text = `${JSON.stringify(
    exportChartRecords(
      records.map((stored) => stored.record),
      Date.now(),
    ),
    null,
    2,
  )}\n`;
  if (records.length === 0) console.error('No chart configuration records stored yet: the document has no records.');
  if (options.out) {
    await writeFile(options.out, text);
    console.error(`wrote ${options.out} (${records.length} records)`);
  } else {
    process.stdout.write(text);
  }
}

function describeRecord(record: ChartRecord): string {
  switch (record.kind) {
    case 'watchlist':
      return `${record.epics.length} epics${record.brokerWatchlistId !== undefined ? `, broker watchlist ${record.brokerWatchlistId}` : ', local only'}`;
    case 'indicator-set':
      return record.indicators.map((indicator) => indicator.type).join(', ');
    case 'chart-layout':
      return `${record.grid}: ${record.panes.map((pane) => `${pane.epic} ${pane.resolution}`).join(', ')}`;
    case 'interval-preset':
      return record.resolutions.join(', ');
  }
}

/** `recon charts list [--kind k]`. */
export async function runChartsList(options: { kind?: ChartRecordKind; json?: boolean }): Promise<void> {
  const records = await withDatabase('recon charts list', (mongo) => listChartRecords(mongo.db, options.kind ? { kind: options.kind } : {}));
  if (options.json) {
    console.log(JSON.stringify(records.map((stored) => ({ kind: stored.kind, id: stored.id, version: stored.version, savedAt: new Date(stored.savedAtMs).toISOString(), source: stored.source, record: stored.record })), null, 2));
    return;
  }
  if (records.length === 0) {
    console.log(`No ${options.kind ?? 'chart configuration'} records stored yet: \`recon charts import <file>\` adds some.`);
    return;
  }
  printTable(
    ['kind', 'id', 'version', 'name', 'updated', 'holds'],
    records.map((stored) => [stored.kind, stored.id, String(stored.version), stored.record.name, stored.record.updatedAt, describeRecord(stored.record)]),
  );
}

function changesOf(item: WatchlistSyncItem): string {
  const part = (sign: string, epics: readonly string[]) => epics.map((epic) => `${sign}${epic}`).join(' ');
  const here = [part('+', item.addedLocally), part('-', item.removedLocally)].filter(Boolean).join(' ');
  const there = [part('+', item.addedOnBroker), part('-', item.removedOnBroker)].filter(Boolean).join(' ');
  return [here ? `here ${here}` : '', there ? `broker ${there}` : ''].filter(Boolean).join('; ') || '-';
}

function printSyncReport(report: WatchlistSyncReport): void {
  console.log(
    `Synced account ${report.accountId} (${report.syncId}): ${report.brokerWatchlists} broker watchlist(s), ${report.localWatchlists} local; ${report.changed} changed, ${report.inStep} in step, ${report.conflicts} conflict(s).`,
  );
  if (report.items.length > 0) {
    console.log('');
    printTable(
      ['outcome', 'watchlist', 'broker id', 'version', 'changes'],
      report.items.map((item) => [item.outcome, item.recordId ?? '-', item.brokerWatchlistId ?? '-', item.recordVersion !== undefined ? String(item.recordVersion) : '-', changesOf(item)]),
    );
  }
  const conflicts = report.items.flatMap((item) => item.conflicts);
  if (conflicts.length > 0) console.log(`\nTo look at:\n${conflicts.map((conflict) => `  ${conflict}`).join('\n')}`);
}

/** `recon charts sync --account <id>`: runs the sync workflow on the worker and prints its report. */
export async function runChartsSync(options: { account: string; publish?: string[]; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    const report = await runWatchlistSync(client, config.temporal.taskQueue, { accountId: options.account, ...(options.publish ? { publish: options.publish } : {}) }, { requestedAtMs: Date.now(), waitMs: SYNC_WAIT_MS });
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printSyncReport(report);
  } catch (error) {
    if (error instanceof WorkflowFailedError) throw new UserError(`the watchlist sync of account ${options.account} failed: ${syncFailureMessage(error)}`);
    if (error instanceof WatchlistSyncStillRunningError) throw new UserError(error.message);
    throw error;
  } finally {
    await client.connection.close();
  }
}

function parsePublish(value: string): string[] {
  const ids = [...new Set(value.split(',').map((id) => id.trim()).filter(Boolean))];
  const bad = ids.find((id) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) || id.length > 64);
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not a record id (lower-case words joined by single hyphens, such as us-tech)`);
  if (ids.length === 0 || ids.length > PUBLISH_PER_SYNC_MAX) throw new InvalidArgumentError(`give 1 to ${PUBLISH_PER_SYNC_MAX} watchlist ids`);
  return ids;
}
