import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SimulatedAccount } from '../simulator/data/accounts';
import { startDevStack } from '../lib/devstack';
import { loadDefaultChart, loadDefaultRules } from '../lib/ledger/defaults';
import { parseBookRecord } from '../lib/store/books-file';
import { ensureBookIndexes, saveBookEntries } from '../lib/store/books';
import { saveChartAndRules } from '../lib/store/chart';
import { connectMongo, type MongoHandle } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import { booksBetween } from '../simulator/data/books';
import { workflowBundle } from '../workers/bundle';
import type { reconcileAccountPeriod } from '../workflows/reconcile-account-period';
import { startBenchChild } from './children';
import { figure, type Figure } from './harness';
import { historyFacts } from './history';
import type { PipelineChildArgs } from './pipeline-child';
import type { BenchContext } from './run';

const PERIOD = '2025-01';
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
/** As in the workflow: windows per ingest child. */
const WINDOWS_PER_CHILD = 100;

interface SimulatorReady {
  url: string;
  credentials: PipelineChildArgs['simulator']['credentials'];
  account: SimulatedAccount;
}

interface DirectResult {
  seconds: number;
  stages: Record<string, number>;
  peakRssMb: number;
}

/**
 * One month of N transactions reconciled end to end, through Temporal and in-process (the same
 * activities called directly), with the database's raw insertMany ceiling for N documents, all in
 * one run so the ratios compare like with like. The simulator, the worker and the in-process
 * pipeline each run in a process of their own, so the worker's peak RSS is the worker's.
 */
export async function reconcileMonth(ctx: BenchContext): Promise<Figure[]> {
  const stack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const simulatorChild = startBenchChild('simulator-child.ts', { seed: 1, transactionsPerMonth: ctx.transactions });
  const statementsDir = await mkdtemp(path.join(tmpdir(), 'recon-bench-statements-'));
  const through: number[] = [];
  const inProcess: number[] = [];
  const ceiling: number[] = [];
  const workerRss: number[] = [];
  const directRss: number[] = [];
  const stagesThrough = new Map<string, number[]>();
  const stagesDirect = new Map<string, number[]>();
  let historyEventsMax = 0;
  let payloadBytesMax = 0;
  let rows = 0;
  const simulatorRss: number[] = [];
  try {
    const simulator = await simulatorChild.nextMessage<SimulatorReady>();
    // Built (or found) here, so webpack counts against neither the worker's time nor its memory.
    await workflowBundle(ctx.config.cacheDir, ctx.log);
    const base = {
      mongoUri: stack.mongo.uri,
      simulator: { url: simulator.url, credentials: simulator.credentials },
      statements: { dir: statementsDir, legalEntity: 'Benchmark Ltd' },
      cacheDir: ctx.config.cacheDir,
    };
    const run = { accountId: simulator.account.accountId, period: PERIOD, timeZone: 'UTC' };

    for (let i = 0; i < ctx.runs; i++) {
      // Through Temporal: the worker in its own process, the clock in this one.
      const mongo = await prepareDatabase(stack.mongo.uri, simulator.account);
      const taskQueue = `bench-${randomUUID()}`;
      const worker = startBenchChild('pipeline-child.ts', { ...base, mode: 'worker', database: mongo.db.databaseName, temporal: { address: stack.temporal.address, namespace: stack.temporal.namespace, taskQueue } } satisfies PipelineChildArgs);
      const client = await connectTemporalClient(stack.temporal);
      try {
        await worker.nextMessage();
        const workflowId = `bench:${randomUUID()}`;
        const started = performance.now();
        const summary = await client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', { taskQueue, workflowId, args: [run] });
        through.push((performance.now() - started) / 1000);
        rows = summary.ingest.rows;
        await worker.stop();
        workerRss.push((await worker.nextMessage<{ peakRssMb: number }>()).peakRssMb);
        const children = Array.from({ length: Math.ceil(summary.ingest.windows / WINDOWS_PER_CHILD) }, (_, c) => `${workflowId}:ingest:${c}`);
        const facts = await historyFacts(client, [workflowId, ...children]);
        historyEventsMax = Math.max(historyEventsMax, facts.eventsMax);
        payloadBytesMax = Math.max(payloadBytesMax, facts.payloadBytesMax);
        collect(stagesThrough, facts.stages);
      } finally {
        await worker.stop();
        await client.connection.close();
        await dropAndClose(mongo);
      }

      // In-process: the same activities in their own process, no Temporal.
      const direct = await prepareDatabase(stack.mongo.uri, simulator.account);
      const child = startBenchChild('pipeline-child.ts', { ...base, mode: 'direct', database: direct.db.databaseName, run } satisfies PipelineChildArgs);
      try {
        const result = await child.nextMessage<DirectResult>();
        inProcess.push(result.seconds);
        directRss.push(result.peakRssMb);
        collect(stagesDirect, result.stages);
      } finally {
        await child.stop();
        await dropAndClose(direct);
      }

      ceiling.push(await insertCeiling(stack.mongo.uri, rows));
    }
    await simulatorChild.stop();
    simulatorRss.push((await simulatorChild.nextMessage<{ peakRssMb: number }>()).peakRssMb);
  } finally {
    await simulatorChild.stop();
    await stack.stop();
    await rm(statementsDir, { recursive: true, force: true });
  }
  const ratio = through.map((t, i) => t / (inProcess[i] as number));
  return [
    figure(`month of ${rows} transactions through Temporal`, 's', through),
    figure('throughput through Temporal', 'tx/s', through.map((t) => rows / t)),
    figure('same pipeline in-process (no Temporal)', 's', inProcess),
    figure('overhead ratio (Temporal ÷ in-process)', '×', ratio),
    figure('raw insertMany ceiling for as many docs', 'docs/s', ceiling),
    figure('peak RSS of the worker process', 'MB', workerRss),
    figure('peak RSS of the in-process pipeline', 'MB', directRss),
    figure('peak RSS of the simulator process', 'MB', simulatorRss),
    figure('largest history (events)', 'events', [historyEventsMax]),
    figure('largest payload', 'bytes', [payloadBytesMax]),
    ...[...stagesThrough].map(([stage, runs]) => figure(`through Temporal: ${stage}`, 's', runs)),
    ...[...stagesDirect].map(([stage, runs]) => figure(`in-process: ${stage}`, 's', runs)),
  ];
}

function collect(into: Map<string, number[]>, stages: Record<string, number>): void {
  for (const [stage, seconds] of Object.entries(stages)) into.set(stage, [...(into.get(stage) ?? []), seconds]);
}

async function prepareDatabase(uri: string, account: SimulatedAccount): Promise<MongoHandle> {
  const mongo = await connectMongo(uri, `bench_${randomUUID().slice(0, 8)}`);
  await saveChartAndRules(mongo.db, { chart: loadDefaultChart(), ruleSets: loadDefaultRules() });
  await ensureBookIndexes(mongo.db);
  await saveBookEntries(mongo.db, (function* () {
    for (const entry of booksBetween({ seed: 1, account, ...JANUARY })) yield parseBookRecord(entry);
  })());
  return mongo;
}

async function dropAndClose(mongo: MongoHandle): Promise<void> {
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
}

/** The store's raw insertMany rate for as many small documents, in batches of 1,000. */
async function insertCeiling(uri: string, documents: number): Promise<number> {
  const raw = await connectMongo(uri, `bench_raw_${randomUUID().slice(0, 8)}`);
  try {
    const started = performance.now();
    for (let offset = 0; offset < documents; offset += 1000) {
      await raw.db.collection('ceiling').insertMany(Array.from({ length: Math.min(1000, documents - offset) }, (_, i) => ({ _id: `k${offset + i}` as unknown as never, amount: '1.00', at: offset + i })), { ordered: false });
    }
    return documents / ((performance.now() - started) / 1000);
  } finally {
    await dropAndClose(raw);
  }
}
