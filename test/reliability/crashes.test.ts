/**
 * Crashes: during a month's reconciliation the worker process (`recon worker`, the production
 * wiring, test/helpers/worker-process.ts) is killed with SIGKILL at seeded random moments and
 * started again each time; the run must end exactly like an undisturbed run of the same month
 * (test/helpers/run-outcome.ts: summary digests and counts, the stored transactions, ledger,
 * matches and exceptions with no duplicate and nothing missing, and the statement files).
 *
 * Both runs go through a worker process of their own, each against its own database prepared
 * alike (the company's books, balance snapshots a month-end schedule took just after each
 * boundary) and the same simulator. The undisturbed run is timed stage by stage (the workflow's
 * `progress` query); the kill plan spreads the kills over ingesting (reading and posting the
 * windows), reconciling (the activity feed, matching, the roll-forward, the cross-check) and
 * rendering (the statements): at least one each, the rest in proportion to how long each stage
 * took. A kill waits for its stage, then a seeded share of the stage's undisturbed duration. After
 * each kill the worker is started again (after a seeded delay under a second) and the next kill
 * waits until the new worker has started an activity of the run, so no kill lands on a worker
 * that is only waiting for the killed activities to time out. Killing `recon worker` must take its
 * whole process tree down (it runs the worker in a child with its heap budget): that is checked
 * at every kill.
 *
 * Time: a killed activity is retried only when its heartbeat timeout passes (30 s for windows,
 * matching and the roll-forward, 1 minute for the statements; workflows/), so every kill costs
 * about that much on top of the run. Measured here (2 shared cores, a 1M-transaction benchmark
 * running beside it): reduced size about 4 minutes; full size 29 minutes (the undisturbed run
 * 2.2 minutes, the killed one 19, comparing each outcome 2.5).
 *
 * Seeds: the simulator's data RECON_CRASHES_SEED (53); the kill plan RECON_CRASHES_KILL_SEED (53).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { createBalanceActivities } from '../../activities/balances';
import { loadConfig } from '../../lib/config';
import { canonical, toDecimal } from '../../lib/money';
import type { LedgerEntryDocument } from '../../lib/store/reconciliation';
import { LEDGER_ENTRIES } from '../../lib/store/reconciliation';
import { decodeRows, encodeRows, windowRecordsOf, type StatementRecord } from '../../lib/store/window-records';
import { parseBookRecord } from '../../lib/store/books-file';
import { saveBookEntries } from '../../lib/store/books';
import { ensureIndexes } from '../../lib/store/indexes';
import type { MongoHandle } from '../../lib/store/mongo';
import { connectTemporalClient } from '../../lib/temporal/client';
import { startReconciliation } from '../../lib/temporal/runs';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { booksBetween } from '../../simulator/data/books';
import { Prng } from '../../simulator/data/prng';
import { capitalClientsFor } from '../../workers/capital';
import type { IngestProgress } from '../../workflows/ingest-windows';
import type { ReconcileStage, ReconcileSummary } from '../../workflows/reconcile-account-period';
import { ObservedRun, QUERY_TIMEOUT_MS, STAGE_ORDER, stageIndex } from '../helpers/observed-run';
import { bySize, reliabilitySize } from '../helpers/reliability';
import { outcomeDifferences, retriedActivityAttempts, runOutcome, type RunOutcome } from '../helpers/run-outcome';
import { quietLog } from '../helpers/simulator';
import { openTestDatabase, testStack, uniqueName } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

const SEED = Number(process.env.RECON_CRASHES_SEED ?? 53);
const KILL_SEED = Number(process.env.RECON_CRASHES_KILL_SEED ?? 53);
const PERIOD = '2025-01';
const MONTH = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
/** Just after each boundary, as a month-end schedule would take them: the roll-forward's anchors. */
const SNAPSHOT_AFTER_BOUNDARY_MS = 120_000;
/** The runs happen on a Tuesday morning after the month. */
const RUN_AT_MS = Date.UTC(2025, 1, 4, 10, 0);

const SIZE = bySize({
  full: { transactionsPerMonth: 100_000, kills: 20, runTimeoutMs: 60 * 60_000, timeoutMs: 150 * 60_000 },
  reduced: { transactionsPerMonth: 5_000, kills: 4, runTimeoutMs: 6 * 60_000, timeoutMs: 9 * 60_000 },
});

/** The stages a kill is aimed at, in the order the run passes them. */
const KILL_STAGES = ['ingesting', 'reconciling', 'rendering'] as const;
type KillStage = (typeof KILL_STAGES)[number];
/** A kill waits at most this share of its stage's undisturbed duration (per kill in that stage) after the work resumed. */
const DELAY_SHARE = { min: 0.1, max: 0.7 };
const DELAY_MS = { min: 200, max: 5 * 60_000 };
const RESTART_DELAY_MS_MAX = 1_000;
/** How long the killed worker's process tree may take to be gone (its child dies with it). */
const TREE_GONE_MS = 10_000;
/** Between a kill and the run's activities starting again on the new worker: the longest heartbeat / start-to-close timeout plus backoff and slack. */
const RESUME_WAIT_MS = 5 * 60_000;

interface PlannedKill {
  stage: KillStage;
  /** After the stage is reached and the work resumed. */
  delayMs: number;
  /** Between the kill and the new worker's start. */
  restartDelayMs: number;
}

interface KillRecord extends PlannedKill {
  hitStage: ReconcileStage | 'unknown';
  atMs: number;
  /** Summed over the ingest slices at the kill. */
  windowsDone: number;
  records: number;
  /** How long after this kill's restart the new worker had started an activity of the run (or the run moved on). */
  resumedAfterMs?: number;
}

interface RunRecord {
  workflowId: string;
  summary: ReconcileSummary;
  totalMs: number;
  /** When each stage was first seen, from the run's start. */
  stageStartMs: Partial<Record<ReconcileStage, number>>;
  kills: KillRecord[];
  /** Retried attempts by activity type, from the histories of the run and its ingest slices. */
  retriedAttempts: Record<string, number>;
}

/** `recon worker` processes for one run: at most one alive; replaced after each kill. */
class WorkerProcesses {
  private current: ChildProcess | undefined;
  private expectedExit = false;
  unexpectedExit: string | undefined;
  startedAtMs = 0;
  started = 0;

  constructor(
    readonly options: Parameters<typeof startWorkerProcess>[0],
  ) {}

  start(): void {
    const child = startWorkerProcess(this.options);
    this.current = child;
    this.expectedExit = false;
    this.startedAtMs = Date.now();
    this.started++;
    child.once('exit', (code, signal) => {
      if (!this.expectedExit && this.current === child) this.unexpectedExit = `the worker process ${child.pid} ended by itself (${signal ?? `exit code ${code}`})`;
    });
  }

  /** SIGKILL, then waits until the process and everything it started are gone. */
  async kill(): Promise<void> {
    const child = this.current;
    assert.ok(child?.pid, 'a worker process runs');
    const tree = [child.pid, ...descendants(child.pid)];
    this.expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + TREE_GONE_MS;
    while (tree.some(isAlive)) {
      assert.ok(Date.now() < deadline, `processes of the killed worker still run: ${tree.filter(isAlive).join(', ')}`);
      await sleep(50);
    }
    this.current = undefined;
  }

  /** SIGTERM (a clean stop), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const child = this.current;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    this.current = undefined;
  }
}

/** Pids of every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** Running (a zombie awaiting its reaper counts as gone). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Windows done and rows read so far, summed over the run's ingest slices (each answers `ingestProgress`). */
async function ingestProgressOf(client: Client, children: readonly string[]): Promise<{ windowsDone: number; records: number }> {
  const sum = { windowsDone: 0, records: 0 };
  for (const id of children) {
    const answer = client.workflow.getHandle(id).query<IngestProgress>('ingestProgress').catch(() => undefined);
    const progress = await Promise.race([answer, sleep(QUERY_TIMEOUT_MS).then(() => undefined)]);
    sum.windowsDone += progress?.windowsDone ?? 0;
    sum.records += progress?.rows ?? 0;
  }
  return sum;
}

/**
 * The kills: at least one per stage (when there are enough), the rest drawn in proportion to each
 * stage's undisturbed duration; each waits a seeded share of its stage's duration per kill there.
 */
function killPlan(prng: Prng, kills: number, stageMs: Record<KillStage, number>): PlannedKill[] {
  const stages: KillStage[] = KILL_STAGES.slice(0, Math.min(kills, KILL_STAGES.length));
  while (stages.length < kills) stages.push(prng.weighted(KILL_STAGES.map((s) => [s, Math.max(stageMs[s], 1)] as const)));
  stages.sort((a, b) => KILL_STAGES.indexOf(a) - KILL_STAGES.indexOf(b));
  const perStage = (stage: KillStage) => stages.filter((s) => s === stage).length;
  return stages.map((stage) => {
    const share = DELAY_SHARE.min + (DELAY_SHARE.max - DELAY_SHARE.min) * prng.float();
    const delayMs = Math.round(Math.min(DELAY_MS.max, Math.max(DELAY_MS.min, (stageMs[stage] / perStage(stage)) * share)));
    return { stage, delayMs, restartDelayMs: prng.int(0, RESTART_DELAY_MS_MAX) };
  });
}

/** Whether the new worker started an activity of the run (or its running ingest slices) since `sinceMs`. */
async function activityStartedSince(client: Client, workflowIds: readonly string[], sinceMs: number): Promise<boolean> {
  for (const id of workflowIds) {
    const description = await client.workflow.getHandle(id).describe().catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING') continue;
    for (const activity of description.raw.pendingActivities ?? []) {
      const startedMs = optionalTsToMs(activity.lastStartedTime) ?? 0;
      if (activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && startedMs >= sinceMs) return true;
    }
  }
  return false;
}

describe('crashes: a worker SIGKILLed at random moments and restarted ends the month like an undisturbed run', { timeout: SIZE.timeoutMs }, () => {
  let simulator: RunningSimulator;
  let client: Client;
  let accountId: string;
  let statementsDir: string;
  const databases: MongoHandle[] = [];
  const workers: WorkerProcesses[] = [];
  let baseline: { run: RunRecord; outcome: RunOutcome; db: MongoHandle };
  let disturbed: { run: RunRecord; outcome: RunOutcome };
  let plan: PlannedKill[];
  const notes: string[] = [];

  async function preparedDatabase(name: string): Promise<MongoHandle> {
    const mongo = await openTestDatabase(testStack(), name);
    databases.push(mongo);
    await ensureIndexes(mongo.db);
    const account = simulator.accounts().find((a) => a.accountId === accountId)!;
    await saveBookEntries(mongo.db, [...booksBetween({ seed: SEED, account, ...MONTH })].map(parseBookRecord));
    return mongo;
  }

  /** One run through `recon worker` processes; with a plan, each kill is carried out as the run passes its stage. */
  async function reconcile(mongo: MongoHandle, killsToMake: readonly PlannedKill[]): Promise<RunRecord> {
    const processes = new WorkerProcesses({ taskQueue: uniqueName('crashes'), database: mongo.db.databaseName, simulator });
    workers.push(processes);
    processes.start();
    const { workflowId, handle } = await startReconciliation(client, processes.options.taskQueue, { accountId, period: PERIOD, timeZone: 'UTC', rerun: true });
    const run = new ObservedRun(workflowId, handle, () => {
      if (processes.unexpectedExit) throw new Error(processes.unexpectedExit);
    });
    const kills: KillRecord[] = [];
    const killing = (async () => {
      for (const kill of killsToMake) {
        // The stage (or a later one: then the kill hits that).
        await run.reach(kill.stage);
        await run.pass(kill.delayMs);
        if (run.finished) break;
        const progress = await run.observe();
        // Past ingesting the run's own progress has the totals: no query that would make the
        // busy worker replay the finished slices while the stage runs out.
        const ingested = progress?.stage === 'ingesting' ? await ingestProgressOf(client, progress.ingestChildren) : { windowsDone: progress?.windowsDone ?? 0, records: progress?.records ?? 0 };
        if (run.finished) break;
        await processes.kill();
        const record: KillRecord = { ...kill, hitStage: progress?.stage ?? 'unknown', atMs: Date.now() - run.startedMs, ...ingested };
        kills.push(record);
        await sleep(kill.restartDelayMs);
        processes.start();
        // The new worker runs an activity of the run again (after the killed ones timed out): only
        // then is the next kill's moment drawn, so no kill lands on a worker that is only waiting.
        const restartedAtMs = processes.startedAtMs;
        const stageAtKill = progress?.stage;
        await run.until(
          async (now) => (now !== undefined && now.stage !== stageAtKill) || activityStartedSince(client, [workflowId, ...(now?.ingestChildren ?? [])], restartedAtMs),
          RESUME_WAIT_MS,
          `the run did not resume within ${RESUME_WAIT_MS / 1000} s of restarting the worker`,
        );
        record.resumedAfterMs = Date.now() - restartedAtMs;
      }
      await run.toTheEnd(SIZE.runTimeoutMs);
    })();
    try {
      const [summary] = await Promise.all([run.result, killing]);
      const totalMs = Date.now() - run.startedMs;
      return { workflowId, summary, totalMs, stageStartMs: run.stageStartMs, kills, retriedAttempts: await retriedActivityAttempts(client, await run.workflowIds()) };
    } finally {
      run.finished = true;
      await killing.catch(() => undefined);
      await processes.stop();
    }
  }

  before(async () => {
    const stack = testStack();
    simulator = await startSimulator({ seed: SEED, port: 0, log: quietLog, transactionsPerMonth: SIZE.transactionsPerMonth });
    const account = simulator.accounts().find((a) => a.preferred) ?? simulator.accounts()[0]!;
    accountId = account.accountId;
    statementsDir = mkdtempSync(path.join(tmpdir(), 'recon-crashes-statements-'));
    // `recon worker` reads its configuration from the environment the helper passes on.
    process.env.RECON_STATEMENTS_DIR = statementsDir;
    client = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });

    const baselineDb = await preparedDatabase('crashes_baseline');
    const disturbedDb = await preparedDatabase('crashes_killed');
    const config = loadConfig({ CAPITAL_ENV: 'custom', CAPITAL_BASE_URL: simulator.url, CAPITAL_API_KEY: simulator.credentials.apiKey, CAPITAL_IDENTIFIER: simulator.credentials.identifier, CAPITAL_PASSWORD: simulator.credentials.password });
    const capitalFor = capitalClientsFor(config, quietLog);
    try {
      for (const boundaryMs of [MONTH.fromMs, MONTH.toMs]) {
        simulator.core.clock.freeze(boundaryMs + SNAPSHOT_AFTER_BOUNDARY_MS);
        for (const mongo of [baselineDb, disturbedDb]) {
          await createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor }).captureBalanceSnapshot({ accountId, takenBy: 'crashes suite: month-end schedule' });
        }
      }
    } finally {
      capitalFor(accountId).session.close();
    }
    simulator.core.clock.freeze(RUN_AT_MS);
    simulator.core.clock.unfreeze();

    const baselineRun = await reconcile(baselineDb, []);
    baseline = { run: baselineRun, outcome: await runOutcome(baselineDb.db, baselineRun.summary), db: baselineDb };
    const stageMs = stageDurations(baselineRun);
    plan = killPlan(Prng.fromKey('crashes', KILL_SEED), SIZE.kills, stageMs);
    notes.push(
      `size ${reliabilitySize()}: ${SIZE.transactionsPerMonth} transactions a month (simulator seed ${SEED}, RECON_CRASHES_SEED), ${SIZE.kills} kills (kill seed ${KILL_SEED}, RECON_CRASHES_KILL_SEED)`,
      `undisturbed run ${baselineRun.workflowId}: ${seconds(baselineRun.totalMs)}; stages ${KILL_STAGES.map((s) => `${s} ${seconds(stageMs[s])}`).join(', ')}; ${baselineRun.summary.ingest.rows} rows, ${baselineRun.summary.ledger.posted} posted, ${baselineRun.summary.reconciliation.matches} matches, ${baselineRun.summary.reconciliation.exceptions} exceptions`,
    );

    const disturbedRun = await reconcile(disturbedDb, plan);
    const outcomeStarted = Date.now();
    disturbed = { run: disturbedRun, outcome: await runOutcome(disturbedDb.db, disturbedRun.summary) };
    notes.push(
      `disturbed run ${disturbedRun.workflowId}: ${seconds(disturbedRun.totalMs)} with ${disturbedRun.kills.length} kills (the undisturbed run took ${seconds(baselineRun.totalMs)})`,
      ...disturbedRun.kills.map(
        (k, i) =>
          `kill ${i + 1}: aimed at ${k.stage} (${seconds(k.delayMs)} in), hit ${k.hitStage} at ${seconds(k.atMs)} (${k.windowsDone} windows read, ${k.records} rows); ` +
          `restarted after ${k.restartDelayMs} ms${k.resumedAfterMs !== undefined ? `, working again ${seconds(k.resumedAfterMs)} later` : ''}`,
      ),
      `retried activity attempts (histories): ${JSON.stringify(disturbedRun.retriedAttempts)}; undisturbed: ${JSON.stringify(baselineRun.retriedAttempts)}`,
      `comparing the outcome took ${seconds(Date.now() - outcomeStarted)}`,
    );
  }, { timeout: SIZE.timeoutMs });

  after(async () => {
    for (const processes of workers) await processes.stop();
    await client?.connection.close();
    for (const mongo of databases) await mongo.close();
    await simulator?.close();
    if (statementsDir) rmSync(statementsDir, { recursive: true, force: true });
  });

  test('the disturbed run ends exactly like the undisturbed one: summary, ledger, matches, exceptions, statements', (t) => {
    for (const note of notes) t.diagnostic(note);
    assert.deepEqual(outcomeDifferences(baseline.outcome, disturbed.outcome), []);
    assert.ok(disturbed.outcome.stored.transactions.count > 0 && disturbed.outcome.stored.ledgerEntries.count > 0 && disturbed.outcome.stored.matches.count > 0, 'the month has data');
    assert.ok(Object.keys(disturbed.outcome.statements).length >= 5, `statement files compared: ${Object.keys(disturbed.outcome.statements).join(', ')}`);
  });

  test('every planned kill happened while the run was in flight, over several stages, and the work was retried', () => {
    const { kills, retriedAttempts: retried } = disturbed.run;
    assert.equal(kills.length, plan.length, `kills made: ${kills.length} of ${plan.length} (the run ended before the rest)`);
    const stages = new Set(kills.map((k) => k.hitStage));
    assert.ok(stages.size >= Math.min(2, plan.length), `kills hit stages ${[...stages].join(', ')}`);
    assert.ok(stages.has('ingesting'), 'a kill hit ingestion');
    const totalRetried = Object.values(retried).reduce((sum, n) => sum + n, 0);
    assert.ok(totalRetried > 0, `activities were retried after the kills: ${JSON.stringify(retried)}`);
  });

  test('the comparison is not blind: a changed ledger entry, and a changed record of the run, make the outcomes differ', async () => {
    const db = baseline.db.db;
    const ledger = db.collection<LedgerEntryDocument>(LEDGER_ENTRIES);
    const entry = await ledger.findOne({ 'lines.0': { $exists: true } });
    assert.ok(entry, 'a ledger entry with lines');
    const bumped = (text: string | undefined) => (text === undefined ? undefined : canonical(toDecimal(text).plus('0.01')));
    await ledger.updateOne({ _id: entry._id }, { $set: { lines: entry.lines.map((line) => ({ ...line, ...(line.debit ? { debit: bumped(line.debit) } : {}), ...(line.credit ? { credit: bumped(line.credit) } : {}) })) } });
    // The statements print the records the run's windows kept: one of those changed too.
    const windows = windowRecordsOf(db, baseline.run.workflowId);
    const chunk = await windows.findOne({ _id: `${baseline.run.workflowId}:0:statement:0` });
    assert.ok(chunk, "the run's first window kept its records");
    const [first, ...rest] = decodeRows<StatementRecord>(chunk);
    assert.ok(first);
    await windows.updateOne({ _id: chunk._id }, { $set: { rowsGzip: encodeRows([{ ...first, amount: bumped(first.amount) }, ...rest]) } });
    const changed = await runOutcome(db, baseline.run.summary);
    const differences = outcomeDifferences(baseline.outcome, changed);
    assert.ok(differences.some((d) => d.startsWith('stored.ledgerEntries.digest')), differences.join('\n'));
    assert.ok(differences.some((d) => d.includes('recorded sha256')), `the recorded statement hashes no longer reproduce: ${differences.join('\n')}`);
    assert.deepEqual(outcomeDifferences(baseline.outcome, baseline.outcome), []);
  });
});

function stageDurations(run: RunRecord): Record<KillStage, number> {
  const at = run.stageStartMs;
  const end = (stage: KillStage) => {
    const later = STAGE_ORDER.slice(stageIndex(stage) + 1).map((s) => at[s]).find((ms) => ms !== undefined);
    return later ?? run.totalMs;
  };
  return Object.fromEntries(KILL_STAGES.map((stage) => [stage, at[stage] === undefined ? 0 : end(stage) - at[stage]])) as Record<KillStage, number>;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
