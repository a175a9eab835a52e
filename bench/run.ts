/**
 * `npm run bench [-- --only <name>] [-- --runs N] [-- --transactions N] [-- --minutes N]`
 * Runs the benchmarks, prints each figure, and writes bench/results/<name>.json (committed).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/log';
import { codeVersion } from '../lib/version';
import { apiLoad } from './api-load';
import { formatFigure, machineDescription, type Figure } from './harness';
import { marketStream, marketStreamMemory } from './market-stream';
import { reconcileMonth } from './reconcile-month';
import { renderStatements } from './render-statements';
import { stackStartup } from './stack-startup';
import { storeInsertCeiling } from './store-insert-ceiling';

export interface BenchContext {
  runs: number;
  transactions: number;
  /** Length of long runs (the streaming memory run). */
  minutes: number;
  config: ReturnType<typeof loadConfig>;
  log: ReturnType<typeof createLogger>;
  /** What a benchmark could not measure and why (a run that did not finish); printed and recorded. */
  notes: string[];
}

const BENCHMARKS: Record<string, { description: string; run: (ctx: BenchContext) => Promise<Figure[]>; /** Results depend on --transactions: one file per size. */ scaled?: true }> = {
  'stack-startup': { description: 'embedded Temporal + database start, cached binaries', run: stackStartup },
  'store-insert-ceiling': { description: "the database's raw insertMany ceiling for ledger-like documents", run: storeInsertCeiling, scaled: true },
  'reconcile-month': { description: 'a month of --transactions reconciled through Temporal and in-process, with the insertMany ceiling', run: reconcileMonth, scaled: true },
  'market-stream': { description: 'quotes streamed from the simulator into the store through the market-data worker: throughput ramp, receipt-to-stored latency at 1,000 quotes/s', run: marketStream },
  'market-stream-memory': { description: "the market-data worker's RSS over --minutes (default 10) of streaming at 5,000 quotes/s, with the heap budget of recon worker", run: marketStreamMemory },
  'render-statements': { description: 'every statement format from a synthetic statement of --transactions lines and a tenth as many (time, peak RSS in its own process)', run: renderStatements, scaled: true },
  'api-load': { description: 'the HTTP API (recon api, its own process) under 200 keep-alive clients for 60 s from a second process: statement listings, verified downloads of every format, 304 revalidations (req/s, p50/p99 per route, server peak RSS)', run: apiLoad },
};

/** The commit measured, read when the benchmark starts (`+changes` when the work tree differs from it). */
function commitMeasured(): string | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '+changes'}`;
  } catch {
    return undefined; // not a git clone
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, runs: { type: 'string', default: '5' }, transactions: { type: 'string', default: '100000' }, minutes: { type: 'string', default: '10' } },
  });
  const selected = values.only ? values.only.split(',') : Object.keys(BENCHMARKS);
  for (const name of selected) if (!BENCHMARKS[name]) throw new Error(`unknown benchmark '${name}'; known: ${Object.keys(BENCHMARKS).join(', ')}`);

  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const base = { runs: Number(values.runs), transactions: Number(values.transactions), minutes: Number(values.minutes), config: loadConfig(), log };
  const resultsDir = path.join(__dirname, 'results');
  await mkdir(resultsDir, { recursive: true });

  for (const name of selected) {
    const bench = BENCHMARKS[name] as (typeof BENCHMARKS)[string];
    console.log(`\n== ${name}: ${bench.description}`);
    const ctx: BenchContext = { ...base, notes: [] };
    const commit = commitMeasured();
    const figures = await bench.run(ctx);
    for (const f of figures) console.log(formatFigure(f));
    for (const note of ctx.notes) console.log(`note: ${note}`);
    const record = { benchmark: name, description: bench.description, date: new Date().toISOString(), codeVersion: codeVersion(), ...(commit ? { commit } : {}), machine: machineDescription(), parameters: { runs: ctx.runs, transactions: ctx.transactions, minutes: ctx.minutes }, figures, ...(ctx.notes.length > 0 ? { notes: ctx.notes } : {}) };
    await writeFile(path.join(resultsDir, `${name}${bench.scaled ? `-${ctx.transactions}` : ''}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
