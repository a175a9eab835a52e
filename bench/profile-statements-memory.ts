/**
 * Where the statements stage's memory goes, on a real recorded month (not the synthetic sample):
 *
 *   npx tsx bench/profile-statements-memory.ts prepare [--dir D] [--transactions N]
 *     starts the embedded stack with its data kept in D, reconciles one month in-process
 *     (pipeline-child.ts direct, statements included: its stage RSS is the "before" figure) and
 *     keeps the database for the renders below.
 *   npx tsx bench/profile-statements-memory.ts render [--dir D] [--rerender] [--formats a,b]
 *       [--heap-mb N] [--gc-every-ms N] [--snapshot-at-s N]
 *     renders that run's statements in a child process of its own (first render: the run's audit
 *     link is removed first; --rerender: the byte-identical check against it) and prints its peak
 *     RSS, the highest heap seen, and the heap left after a full GC once it is done. With
 *     --gc-every-ms, a full GC that often and the largest heap left after one (the live set);
 *     with --snapshot-at-s, a heap snapshot that many seconds into the render.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { startDevStack } from '../lib/devstack';
import { loadConfig } from '../lib/config';
import { loadDefaultChart, loadDefaultRules } from '../lib/ledger/defaults';
import { createLogger } from '../lib/log';
import { AUDIT_CHAIN } from '../lib/store/audit-chain';
import { parseBookRecord } from '../lib/store/books-file';
import { ensureBookIndexes, saveBookEntries } from '../lib/store/books';
import { saveChartAndRules } from '../lib/store/chart';
import { connectMongo } from '../lib/store/mongo';
import { RUNS, type RunDocument } from '../lib/store/reconciliation';
import { renderRunStatements } from '../lib/statements/render';
import type { StatementFormat } from '../lib/statements/formats';
import { booksBetween } from '../simulator/data/books';
import type { SimulatedAccount } from '../simulator/data/accounts';
import { childArgs, peakRssMb, report, startBenchChild } from './children';
import type { PipelineChildArgs } from './pipeline-child';
import { workerHeapOptions } from '../workers/heap-budget';

const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
const MB = 2 ** 20;

interface Prepared {
  database: string;
  runId: string;
}

interface RenderChildArgs {
  mongoUri: string;
  database: string;
  runId: string;
  dir: string;
  formats?: StatementFormat[];
  snapshotAtS?: number;
  gcEveryMs?: number;
}

async function main(): Promise<void> {
  const [command] = process.argv.slice(2);
  // startBenchChild passes the child its JSON argument as argv[2].
  if (command?.startsWith('{')) return renderChild();
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      dir: { type: 'string', default: '/tmp/recon-profile-statements' },
      transactions: { type: 'string', default: '100000' },
      rerender: { type: 'boolean', default: false },
      formats: { type: 'string' },
      'heap-mb': { type: 'string' },
      'snapshot-at-s': { type: 'string' },
      'gc-every-ms': { type: 'string' },
      'trace-gc': { type: 'string' },
    },
  });
  const config = loadConfig();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const stack = await startDevStack({ config, log, ui: false, persistDir: path.join(values.dir, 'stack') });
  try {
    if (command === 'prepare') await prepare(values.dir, Number(values.transactions), stack.mongo.uri, config.cacheDir, values['trace-gc']);
    else if (command === 'render') {
      const prepared = JSON.parse(await readFile(path.join(values.dir, 'prepared.json'), 'utf8')) as Prepared;
      const mongo = await connectMongo(stack.mongo.uri, prepared.database);
      if (!values.rerender) await mongo.db.collection(AUDIT_CHAIN).deleteMany({ recordId: `statements:${prepared.runId}` });
      await mongo.close();
      const outDir = path.join(values.dir, 'out');
      if (!values.rerender) await rm(outDir, { recursive: true, force: true });
      const heapMb = optionalNumber(values['heap-mb']);
      const child = startBenchChild(
        'profile-statements-memory.ts',
        { mongoUri: stack.mongo.uri, database: prepared.database, runId: prepared.runId, dir: outDir, formats: values.formats?.split(',') as StatementFormat[] | undefined, snapshotAtS: optionalNumber(values['snapshot-at-s']), gcEveryMs: optionalNumber(values['gc-every-ms']) } satisfies RenderChildArgs,
        { NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc', ...(heapMb === undefined ? [] : workerHeapOptions(heapMb))].filter(Boolean).join(' ') },
      );
      console.log(JSON.stringify(await child.nextMessage(), null, 2));
      await child.stop();
    } else throw new Error('usage: profile-statements-memory.ts prepare|render [options]');
  } finally {
    await stack.stop();
  }
}

async function prepare(dir: string, transactions: number, mongoUri: string, cacheDir: string, traceGc: string | undefined): Promise<void> {
  const simulatorChild = startBenchChild('simulator-child.ts', { seed: 1, transactionsPerMonth: transactions });
  try {
    const simulator = await simulatorChild.nextMessage<{ url: string; credentials: PipelineChildArgs['simulator']['credentials']; account: SimulatedAccount }>();
    const database = `profile_${randomUUID().slice(0, 8)}`;
    const mongo = await connectMongo(mongoUri, database);
    await saveChartAndRules(mongo.db, { chart: loadDefaultChart(), ruleSets: loadDefaultRules() });
    await ensureBookIndexes(mongo.db);
    await saveBookEntries(mongo.db, (function* () {
      for (const entry of booksBetween({ seed: 1, account: simulator.account, ...JANUARY })) yield parseBookRecord(entry);
    })());
    const args = {
      mode: 'direct',
      mongoUri,
      database,
      simulator: { url: simulator.url, credentials: simulator.credentials },
      statements: { dir: path.join(dir, 'prepare-out'), legalEntity: 'Benchmark Ltd' },
      cacheDir,
      run: { accountId: simulator.account.accountId, period: '2025-01', timeZone: 'UTC' },
    } satisfies PipelineChildArgs;
    console.log(JSON.stringify(traceGc ? await directWithGcTrace(args, traceGc) : await directOnce(args), null, 2));
    const run = await mongo.db.collection<RunDocument>(RUNS).findOne({});
    await mongo.close();
    if (!run) throw new Error('the pipeline recorded no run');
    await writeFile(path.join(dir, 'prepared.json'), JSON.stringify({ database, runId: run._id } satisfies Prepared));
    console.log(`prepared ${database}, run ${run._id}`);
  } finally {
    await simulatorChild.stop();
  }
}

async function directOnce(args: PipelineChildArgs): Promise<unknown> {
  const pipeline = startBenchChild('pipeline-child.ts', args);
  try {
    return await pipeline.nextMessage();
  } finally {
    await pipeline.stop();
  }
}

/**
 * The in-process pipeline with V8's --trace-gc, its stdout (one line per collection, heap before →
 * after; after a mark-compact, that is the live heap) kept in `logFile`. Returns its JSON report.
 */
async function directWithGcTrace(args: PipelineChildArgs, logFile: string): Promise<unknown> {
  // Not allowed in NODE_OPTIONS; on the command line it is passed on to the relaunched process too.
  // RECON_PROFILE_NODE_FLAGS: more flags, e.g. `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/x`
  // to take a snapshot of the live heap at a moment of your choosing (kill -USR2 <pid>).
  const extra = process.env.RECON_PROFILE_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, ['--trace-gc', ...extra, '--import', 'tsx', path.join(__dirname, 'pipeline-child.ts'), JSON.stringify(args)], {
    cwd: path.join(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const log = createWriteStream(logFile);
  let report: unknown;
  const started = performance.now();
  for await (const line of createInterface({ input: child.stdout })) {
    log.write(`${((performance.now() - started) / 1000).toFixed(1)}s ${line}\n`);
    if (line.startsWith('{')) {
      report = JSON.parse(line);
      child.stdin.end(); // the child's cue to exit (see childArgs)
    }
  }
  log.end();
  return report;
}

/** The render itself, sampled every 100 ms; `gc` comes from --expose-gc. */
async function renderChild(): Promise<void> {
  const args = childArgs<RenderChildArgs>();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const mongo = await connectMongo(args.mongoUri, args.database);
  gc();
  const baseline = process.memoryUsage();
  let liveMax = 0;
  let snapshot: string | undefined;
  // The highest of each figure seen: heap used and committed, off-heap (Buffers) and RSS.
  const highest = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    for (const key of Object.keys(highest) as Array<keyof typeof highest>) highest[key] = Math.max(highest[key], now[key]);
  }, 100);
  // A full GC now and then: what is left is the live set (the rest of heapMax was garbage).
  const collector = args.gcEveryMs
    ? setInterval(() => {
        gc();
        liveMax = Math.max(liveMax, process.memoryUsage().heapUsed);
      }, args.gcEveryMs)
    : undefined;
  // A snapshot holds only what is reachable: open it in DevTools → Memory to see the retainers.
  const snapshotTimer = args.snapshotAtS === undefined ? undefined : setTimeout(() => (snapshot = writeHeapSnapshot(path.join(args.dir, '..', `render-${Date.now()}.heapsnapshot`))), args.snapshotAtS * 1000);
  const started = performance.now();
  const rendered = await renderRunStatements(mongo.db, { runId: args.runId, temporalRunId: args.runId, legalEntity: 'Benchmark Ltd', codeVersion: 'profile', dir: args.dir, ...(args.formats ? { formats: args.formats } : {}) });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(collector);
  clearTimeout(snapshotTimer);
  gc();
  const after = process.memoryUsage();
  report({
    seconds: Math.round(seconds * 10) / 10,
    peakRssMb: peakRssMb(),
    baselineRssMb: Math.round(baseline.rss / MB),
    baselineHeapMb: Math.round(baseline.heapUsed / MB),
    highestMb: Object.fromEntries(Object.entries(highest).map(([key, bytes]) => [key, Math.round(bytes / MB)])),
    ...(args.gcEveryMs ? { liveHeapMaxMb: Math.round(liveMax / MB) } : {}),
    heapAfterGcMb: Math.round(after.heapUsed / MB),
    externalAfterGcMb: Math.round(after.external / MB),
    files: rendered.artifacts.map((a) => `${a.file} ${a.bytes} ${a.sha256.slice(0, 12)}`),
    ...(snapshot ? { snapshot } : {}),
  });
  await mongo.close();
}

function optionalNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
