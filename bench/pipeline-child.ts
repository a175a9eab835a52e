/**
 * The reconciliation pipeline for a benchmark, in a process of its own so that its peak RSS is
 * the worker's alone (no simulator, no generator, no Temporal server):
 *
 * - `worker`: a recon worker on the given task queue; prints `{ ready }`, runs until SIGTERM,
 *   then prints `{ peakRssMb }`.
 * - `direct`: the workflow's activities called in the workflow's order, no Temporal; prints
 *   `{ seconds, stages, stagePeakRssMb, peakRssMb }`. The gap between the two is what Temporal costs.
 *
 * Both run with the worker's heap budget (workers/heap-budget.ts), as `recon worker` does.
 */
import { randomUUID } from 'node:crypto';
import { createActivities, type Activities, type IngestCounts, type IngestWindowResult } from '../activities';
import { createCapitalClient, recordTransportEvent } from '../lib/capital';
import { createLogger } from '../lib/log';
import { ensureIndexes } from '../lib/store/indexes';
import { connectMongo } from '../lib/store/mongo';
import { workflowBundle } from '../workers/bundle';
import { relaunchWithHeapBudget } from '../workers/heap-budget';
import { createReconWorker } from '../workers/recon-worker';
import { installTemporalRuntime } from '../workers/runtime';
import { childArgs, onStopSignal, peakRssMb, report } from './children';

export interface PipelineChildArgs {
  mode: 'worker' | 'direct';
  mongoUri: string;
  database: string;
  simulator: { url: string; credentials: { apiKey: string; identifier: string; password: string } };
  statements: { dir: string; legalEntity: string };
  cacheDir: string;
  temporal?: { address: string; namespace: string; taskQueue: string };
  run?: { accountId: string; period: string; timeZone: string };
}

/** As the workflow runs them: windows per child workflow, and in flight in each. */
const WINDOWS_PER_CHILD = 100;
const WINDOWS_IN_FLIGHT = 8;
const RSS_SAMPLE_MS = 200;

async function main(): Promise<void> {
  // With the heap budget `recon worker` runs with (RECON_WORKER_HEAP_MB): what users run is what
  // is measured. The relaunched process is the one that reports, its peak RSS its own.
  if (relaunchWithHeapBudget()) return;
  const args = childArgs<PipelineChildArgs>();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const mongo = await connectMongo(args.mongoUri, args.database);
  const capital = createCapitalClient({ capital: { environment: 'custom', baseUrl: args.simulator.url, ...args.simulator.credentials }, log, onEvent: recordTransportEvent });
  const deps = { db: mongo.db, log, capitalFor: () => capital, statements: args.statements };

  if (args.mode === 'worker') {
    const temporal = args.temporal as NonNullable<PipelineChildArgs['temporal']>;
    installTemporalRuntime(log);
    const { worker, close } = await createReconWorker({ ...temporal, bundle: await workflowBundle(args.cacheDir, log), ...deps });
    const running = worker.run();
    // RSS over time, so the bench can tell which stage (from the run's history) held the peak.
    const rssSamples: Array<[number, number]> = [];
    const sampler = setInterval(() => rssSamples.push([Date.now(), Math.round(process.memoryUsage.rss() / 2 ** 20)]), RSS_SAMPLE_MS);
    onStopSignal(async () => {
      clearInterval(sampler);
      // Reported before shutting down: a worker stopped while its activities still run (a run
      // past its deadline) may not shut down cleanly, and the figure would be lost with it.
      report({ peakRssMb: peakRssMb(), rssSamples, readyRssMb });
      worker.shutdown();
      await running;
      await close();
      await mongo.close();
      capital.session.close();
    });
    // What the worker holds before its first task: the fixed cost under every run's figures.
    const readyRssMb = Math.round(process.memoryUsage.rss() / 2 ** 20);
    report({ ready: true });
    return;
  }

  await ensureIndexes(mongo.db);
  const started = performance.now();
  const stages = await runDirect(createActivities(deps), args.run as NonNullable<PipelineChildArgs['run']>);
  const seconds = (performance.now() - started) / 1000;
  await mongo.close();
  capital.session.close();
  report({ seconds, stages: stages.seconds, stagePeakRssMb: stages.peakRssMb, peakRssMb: peakRssMb() });
}

/**
 * reconcileAccountPeriod without Temporal: the same activities, the same order and concurrency
 * (windows in slices of 100, 8 at a time in each; the reconciliation, cross-check and roll-forward
 * side by side). Keep it in step with workflows/reconcile-account-period.ts and ingest-windows.ts. Returns each stage's seconds and the highest
 * RSS seen while it ran (earlier stages' garbage included: V8 returns little memory to the system).
 */
async function runDirect(a: Activities, input: { accountId: string; period: string; timeZone: string }): Promise<{ seconds: Record<string, number>; peakRssMb: Record<string, number> }> {
  const seconds: Record<string, number> = {};
  const peakRssMb: Record<string, number> = {};
  // Which stage holds the memory: the highest RSS seen while each stage ran (sampled).
  const running = new Set<string>();
  const sampler = setInterval(() => {
    const rssMb = Math.round(process.memoryUsage.rss() / 2 ** 20);
    for (const stage of running) peakRssMb[stage] = Math.max(peakRssMb[stage] ?? 0, rssMb);
  }, RSS_SAMPLE_MS);
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    running.add(stage);
    try {
      return await work();
    } finally {
      running.delete(stage);
      seconds[stage] = (performance.now() - started) / 1000;
    }
  };
  const runId = `direct:${randomUUID()}`;
  const startedAtMs = Date.now();
  const { accountId } = input;
  const plan = await timed('plan', async () => a.planPeriod({ period: input.period, timeZone: input.timeZone }));
  await timed('captureBalanceSnapshot', () => a.captureBalanceSnapshot({ accountId, takenBy: runId }));
  const rollPlan = await a.planRollForward({ accountId, fromMs: plan.startMs, toMs: plan.endMs });
  const bridgeWindows = rollPlan.bridgeWindows.map((w, i) => ({ index: plan.windows.length + i, ...w, reads: ['transactions' as const], post: false }));
  // As the workflow: transactions first (each window posts what it reads), then the activity
  // feed's windows while the reconciliation, the roll-forward and then the cross-check run.
  const all = [...plan.windows, ...bridgeWindows];
  const transactionWindows = all.filter((w) => w.reads.includes('transactions'));
  const feedWindows = all.filter((w) => !w.reads.includes('transactions'));
  const ingestAll = async (windows: typeof all): Promise<IngestWindowResult[]> => {
    const results: IngestWindowResult[] = new Array(windows.length);
    const slice = async (from: number, to: number) => {
      let next = from;
      const lane = async () => {
        while (next < to) {
          const position = next++;
          const { index, ...read } = windows[position] as (typeof windows)[number];
          results[position] = await a.ingestWindow({ runId, accountId, windowIndex: index, ...read, dryRun: false });
        }
      };
      await Promise.all(Array.from({ length: Math.min(WINDOWS_IN_FLIGHT, to - from) }, lane));
    };
    const slices: Array<Promise<void>> = [];
    for (let from = 0; from < windows.length; from += WINDOWS_PER_CHILD) slices.push(slice(from, Math.min(from + WINDOWS_PER_CHILD, windows.length)));
    await Promise.all(slices);
    return results;
  };
  const transactionResults = await timed('ingestWindow (transactions)', () => ingestAll(transactionWindows));
  const indexesOf = (read: string) => plan.windows.filter((w) => w.reads.includes(read as 'transactions')).map((w) => w.index);
  const windowIndexes = plan.windows.filter((w) => w.purpose === 'period').map((w) => w.index);
  const period = { runId, accountId, fromMs: plan.startMs, toMs: plan.endMs, windowIndexes, dryRun: false };
  const posted = ingestTotals(transactionResults);
  const ledger = { posted: posted.posted, quarantined: posted.postingQuarantined, ruleVersions: [...new Set(transactionResults.flatMap((r) => r.ledger?.ruleVersions ?? []))].sort((x, y) => x - y), digest: '' };
  const [reconciliation, rollForward, [feedResults, crossCheck]] = await timed('reconcile + roll-forward ∥ feed + cross-check', () =>
    Promise.all([
      timed('reconcilePeriod', () => a.reconcilePeriod(period)),
      timed('proveRollForward', () => a.proveRollForward({ ...period, plan: rollPlan })),
      (async () => {
        const feedResults = await timed('ingestWindow (activity feed)', () => ingestAll(feedWindows));
        return [feedResults, await timed('crossCheckActivity', () => a.crossCheckActivity({ ...period, tradeWindowIndexes: indexesOf('transactions'), feedWindowIndexes: indexesOf('positions') }))] as const;
      })(),
    ]),
  );
  const results = [...transactionResults, ...feedResults].sort((x, y) => x.windowIndex - y.windowIndex);
  const ingest = ingestTotals(results);
  const summary = { runId, accountId, period: input.period, timeZone: input.timeZone, dryRun: false, ingest: { ...ingest, bridgeWindows: bridgeWindows.length, digest: '' }, periodWindows: windowIndexes, ledger, reconciliation, crossCheck, rollForward };
  const windowDigests = results.map((r) => r.digest);
  const ledgerDigests = results.flatMap((r) => (r.ledger ? [r.ledger.digest] : []));
  await timed('recordRun', () => a.recordRun({ runId, accountId, period: input.period, timeZone: input.timeZone, status: 'COMPLETED_WITH_EXCEPTIONS', startedAtMs, windowDigests, ledgerDigests, summary }));
  await timed('renderStatements', () => a.renderStatements({ runId, temporalRunId: runId }));
  clearInterval(sampler);
  return { seconds, peakRssMb };
}

/** The windows' counts summed (as the workflow's ingestWindows children do). */
function ingestTotals(results: readonly IngestWindowResult[]): IngestCounts & { windows: number } {
  const totals = { windows: results.length } as IngestCounts & { windows: number };
  for (const result of results) {
    const { windowIndex: _index, digest: _digest, ledger: _ledger, ...counts } = result;
    for (const [key, value] of Object.entries(counts) as Array<[keyof IngestCounts, number]>) totals[key] = (totals[key] ?? 0) + value;
  }
  return totals;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
