import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
import type { reconcileAccountPeriod, ReconcileSummary } from '../workflows/reconcile-account-period';
import { startBenchChild } from './children';
import { CpuSampler } from './cpu';
import { figure, Measurements, type Figure } from './harness';
import { historyFacts, type HistoryFacts } from './history';
import type { PipelineChildArgs } from './pipeline-child';
import type { BenchContext } from './run';

const PERIOD = '2025-01';
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
/**
 * A run still going after this long is stuck (e.g. activities timing out and retrying), not slow:
 * 20 minutes, or 3 ms a transaction for bigger months (a 100,000 month takes about 2 minutes).
 */
function runDeadlineMs(transactions: number): number {
  return Math.max(20 * 60_000, transactions * 3);
}

interface SimulatorReady {
  url: string;
  credentials: PipelineChildArgs['simulator']['credentials'];
  account: SimulatedAccount;
}

interface DirectResult {
  cpuSeconds: Record<string, number>;
  seconds: number;
  stages: Record<string, number>;
  stagePeakRssMb: Record<string, number>;
  peakRssMb: number;
}

type Shared = Omit<PipelineChildArgs, 'mode' | 'database' | 'temporal' | 'run'>;

/** The long-lived processes whose CPU a run is charged with, beside its worker or pipeline. */
type Servers = Record<string, number>;

/** Per-run measurements, each a list over the runs that produced it. */

/**
 * One month of N transactions reconciled end to end, through Temporal and in-process (the same
 * activities called directly), with the database's raw insertMany ceiling for N documents, all in
 * one run so the ratios compare like with like. The simulator, the worker and the in-process
 * pipeline each run in a process of their own, so the worker's peak RSS is the worker's; where
 * the time goes is read per activity from the run's histories.
 */
export async function reconcileMonth(ctx: BenchContext): Promise<Figure[]> {
  const stack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const simulatorChild = startBenchChild('simulator-child.ts', { seed: 1, transactionsPerMonth: ctx.transactions });
  const statementsDir = await mkdtemp(path.join(tmpdir(), 'recon-bench-statements-'));
  const m = new Measurements();
  let rows = ctx.transactions;
  try {
    const simulator = await simulatorChild.nextMessage<SimulatorReady>();
    // Built (or found) here, so webpack counts against neither the worker's time nor its memory.
    await workflowBundle(ctx.config.cacheDir, ctx.log);
    const shared: Shared = {
      mongoUri: stack.mongo.uri,
      simulator: { url: simulator.url, credentials: simulator.credentials },
      statements: { dir: statementsDir, legalEntity: 'Benchmark Ltd' },
      cacheDir: ctx.config.cacheDir,
    };
    const run = { accountId: simulator.account.accountId, period: PERIOD, timeZone: 'UTC' };
    const temporal = { address: stack.temporal.address, namespace: stack.temporal.namespace };
    const servers: Servers = { simulator: simulatorChild.pid };
    if (stack.mongo.pid !== undefined) servers.database = stack.mongo.pid;
    if (stack.temporal.pid !== undefined) servers['Temporal server'] = stack.temporal.pid;

    for (let i = 0; i < ctx.runs; i++) {
      const through = await runThroughTemporal(temporal, shared, run, simulator.account, runDeadlineMs(ctx.transactions), servers);
      for (const [process, seconds] of Object.entries(through.cpuSeconds)) m.add(`CPU seconds through Temporal: ${process}`, 's', seconds);
      for (const [stage, span] of Object.entries(through.history.spans)) {
        // Sampled once a second: a stage shorter than a few samples would only report noise.
        if (span.toMs - span.fromMs < CPU_STAGE_MIN_MS) continue;
        for (const [process, seconds] of Object.entries(through.cpu.secondsBetween(span.fromMs, span.toMs))) m.add(`CPU seconds while ${stage} ran: ${process}`, 's', seconds);
      }
      m.add('peak RSS of the worker process', 'MB', through.workerPeakRssMb);
      m.add('RSS of the worker when ready, before its first task', 'MB', through.readyRssMb);
      for (const [stage, rssMb] of Object.entries(stagePeaks(through.rssSamples, through.history.spans))) m.add(`worker RSS peak: ${stage}`, 'MB', rssMb);
      for (const [stage, seconds] of Object.entries(through.history.stages)) m.add(`through Temporal: ${stage}`, 's', seconds);
      m.add('largest history (events)', 'events', through.history.eventsMax);
      m.add('largest payload', 'bytes', through.history.payloadBytesMax);
      m.add('activities retried', 'activities', through.history.retried.length);
      for (const retry of through.history.retried) ctx.notes.push(`run ${i + 1} through Temporal retried ${retry}`);
      if ('failure' in through) {
        ctx.notes.push(`run ${i + 1} through Temporal did not finish within ${runDeadlineMs(ctx.transactions) / 60_000} min and was terminated: ${through.failure}`);
      } else {
        rows = through.summary.ingest.rows;
        m.add('through Temporal', 's', through.seconds);
        // The target covers ingest, ledger and reconciliation: the run without its statements.
        const statementsSeconds = through.history.stages.renderStatements ?? 0;
        m.add(STAGES_BEFORE_STATEMENTS, 's', through.seconds - statementsSeconds);
        m.add('broker requests to ingest the month (transactions and activity)', 'requests', through.summary.ingest.requests);
      }

      const direct = await runInProcess(shared, run, simulator.account, servers);
      for (const [process, seconds] of Object.entries(direct.cpuSeconds)) m.add(`CPU seconds in-process: ${process}`, 's', seconds);
      m.add('same pipeline in-process (no Temporal)', 's', direct.seconds);
      m.add('peak RSS of the in-process pipeline', 'MB', direct.peakRssMb);
      for (const [stage, seconds] of Object.entries(direct.stages)) m.add(`in-process: ${stage}`, 's', seconds);
      for (const [stage, rssMb] of Object.entries(direct.stagePeakRssMb)) m.add(`in-process RSS peak: ${stage}`, 'MB', rssMb);
      if (!('failure' in through)) m.add('overhead ratio (Temporal ÷ in-process)', '×', through.seconds / direct.seconds);

      m.add('raw insertMany ceiling for as many docs', 'docs/s', await insertCeiling(stack.mongo.uri, rows));
    }
    await simulatorChild.stop();
    m.add('peak RSS of the simulator process', 'MB', (await simulatorChild.nextMessage<{ peakRssMb: number }>()).peakRssMb);
  } finally {
    await simulatorChild.stop();
    await stack.stop();
    await rm(statementsDir, { recursive: true, force: true });
  }
  const throughput = m.series.get('through Temporal')?.runs.map((seconds) => rows / seconds) ?? [];
  return [
    ...m.figures(['through Temporal']).map((f) => ({ ...f, name: `month of ${rows} transactions through Temporal` })),
    ...(throughput.length > 0 ? [figure('throughput through Temporal', 'tx/s', throughput)] : []),
    ...m.figures([
      STAGES_BEFORE_STATEMENTS,
      'same pipeline in-process (no Temporal)',
      'overhead ratio (Temporal ÷ in-process)',
      'raw insertMany ceiling for as many docs',
      'peak RSS of the worker process',
      'RSS of the worker when ready, before its first task',
      'peak RSS of the in-process pipeline',
      'peak RSS of the simulator process',
      'broker requests to ingest the month (transactions and activity)',
      'largest history (events)',
      'largest payload',
      'activities retried',
    ]),
    ...m.figuresStartingWith('through Temporal: '),
    ...m.figuresStartingWith('in-process: '),
    ...m.figuresStartingWith('in-process RSS peak: '),
    ...m.figuresStartingWith('worker RSS peak: '),
    ...m.figuresStartingWith('CPU seconds through Temporal: '),
    ...m.figuresStartingWith('CPU seconds in-process: '),
    ...m.figuresStartingWith('CPU seconds while '),
  ];
}

const CPU_STAGE_MIN_MS = 5_000;

const STAGES_BEFORE_STATEMENTS = 'ingest, ledger and reconciliation through Temporal (the run without renderStatements)';

type RssSample = [atMs: number, rssMb: number];

/** The highest worker RSS sampled while each activity type ran (earlier stages' garbage included). */
function stagePeaks(samples: readonly RssSample[], spans: HistoryFacts['spans']): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const [stage, span] of Object.entries(spans)) {
    for (const [atMs, rssMb] of samples) if (atMs >= span.fromMs && atMs <= span.toMs) peaks[stage] = Math.max(peaks[stage] ?? 0, rssMb);
  }
  return peaks;
}

type ThroughTemporal = { workerPeakRssMb: number; readyRssMb: number; rssSamples: RssSample[]; history: HistoryFacts; cpu: CpuSampler; cpuSeconds: Record<string, number> } & ({ seconds: number; summary: ReconcileSummary } | { failure: string });

/** The worker in its own process, the clock and the Temporal client in this one. */
async function runThroughTemporal(temporal: { address: string; namespace: string }, shared: Shared, run: PipelineChildArgs['run'] & object, account: SimulatedAccount, deadlineMs: number, servers: Servers): Promise<ThroughTemporal> {
  const mongo = await prepareDatabase(shared.mongoUri, account);
  const taskQueue = `bench-${randomUUID()}`;
  const worker = startBenchChild('pipeline-child.ts', { ...shared, mode: 'worker', database: mongo.db.databaseName, temporal: { ...temporal, taskQueue } } satisfies PipelineChildArgs);
  const client = await connectTemporalClient(temporal);
  try {
    await worker.nextMessage();
    const workflowId = `bench:${randomUUID()}`;
    const cpu = new CpuSampler({ worker: worker.pid, ...servers });
    const started = performance.now();
    const handle = await client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', { taskQueue, workflowId, args: [run] });
    const deadline = new AbortController();
    const outcome = await Promise.race([handle.result(), sleep(deadlineMs, 'deadline' as const, { signal: deadline.signal })]);
    const seconds = (performance.now() - started) / 1000;
    cpu.stop();
    const cpuSeconds = cpu.total();
    deadline.abort();
    const failure = outcome === 'deadline' ? await stuckActivities(client, workflowId) : undefined;
    if (failure !== undefined) await handle.terminate('benchmark deadline');
    await worker.stop();
    const { peakRssMb: workerPeakRssMb, rssSamples, readyRssMb } = await worker.nextMessage<{ peakRssMb: number; rssSamples: RssSample[]; readyRssMb: number }>();
    const history = await historyFacts(client, workflowId);
    const memory = { workerPeakRssMb, readyRssMb, rssSamples, cpu, cpuSeconds };
    return outcome === 'deadline' ? { ...memory, history, failure: failure as string } : { ...memory, history, seconds, summary: outcome };
  } finally {
    await worker.stop();
    await client.connection.close();
    await dropAndClose(mongo);
  }
}

/** What a stuck run is waiting for: its pending activities, their attempts and last failures. */
async function stuckActivities(client: Client, workflowId: string): Promise<string> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const pending = (raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt} (last failure: ${a.lastFailure?.message ?? 'none'})`);
  return pending.length > 0 ? pending.join('; ') : 'no pending activity';
}

/** The same activities in their own process, no Temporal. */
async function runInProcess(shared: Shared, run: PipelineChildArgs['run'] & object, account: SimulatedAccount, servers: Servers): Promise<DirectResult> {
  const mongo = await prepareDatabase(shared.mongoUri, account);
  const child = startBenchChild('pipeline-child.ts', { ...shared, mode: 'direct', database: mongo.db.databaseName, run } satisfies PipelineChildArgs);
  // Start-up (tsx, the heap-budget relaunch) is charged too: a few seconds against a month's run.
  const cpu = new CpuSampler({ pipeline: child.pid, ...servers });
  try {
    const result = await child.nextMessage<Omit<DirectResult, 'cpuSeconds'>>();
    cpu.stop();
    return { ...result, cpuSeconds: cpu.total() };
  } finally {
    cpu.stop();
    await child.stop();
    await dropAndClose(mongo);
  }
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
