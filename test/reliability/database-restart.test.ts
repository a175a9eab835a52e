/**
 * Database restart mid-run: the month is reconciled against a private FerretDB (the shared test
 * database must stay up for the other tests), which is killed mid-run, kept down, and started
 * again on the same port and data directory; the run must complete with the same result as an
 * undisturbed run of the same month on the same server (test/helpers/run-outcome.ts).
 *
 * The server is started the way the dev stack starts it (lib/devstack/mongo.ts `startMongo`: the
 * cached FerretDB build, `--handler=sqlite --telemetry=disable`, its own SQLite directory and
 * port, under scripts/guard.sh). It is stopped with SIGKILL, not SIGTERM: an abrupt end is the
 * harder case (connections reset mid-request, nothing flushed or closed politely), and a
 * graceful stop is only a kinder version of it. Acknowledged writes survive a SIGKILL: SQLite has
 * written them to the files (only power loss could lose what the OS had not yet synced).
 *
 * Two outages per run, so both ways the MongoDB driver meets one are exercised: a short one
 * (3-6 s), which new operations sit out waiting for a server (serverSelectionTimeoutMS is 10 s,
 * lib/store/mongo.ts), during ingestion; and a long one (12-16 s), past that timeout, during
 * reconciling or rendering. Either way the operations in flight at the kill fail ("connection
 * closed") and their activities are retried. The worker is the production recon worker
 * (createReconWorker with the production Capital.com clients), in this process, pointed at the
 * private server.
 *
 * What this test found: an `insertMany` cut off by the kill surfaced as a MongoBulkWriteError with
 * no write errors, which lib/store/upsert.ts took for "every document already stored", so the
 * window reported success with part of its transactions (or its kept records) never written. It
 * now rethrows such an error and the window is retried.
 *
 * Seeds: the simulator's data RECON_DB_RESTART_SEED (59); the outages RECON_DB_RESTART_OUTAGE_SEED (59).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createBalanceActivities } from '../../activities/balances';
import { loadConfig, type Config } from '../../lib/config';
import { cachedToolPath, FERRETDB, isExecutable } from '../../lib/devstack/go-tools';
import { startMongo, type MongoServer } from '../../lib/devstack/mongo';
import type { ServerSource } from '../../lib/devstack/resolve';
import { parseBookRecord } from '../../lib/store/books-file';
import { saveBookEntries } from '../../lib/store/books';
import { ensureIndexes } from '../../lib/store/indexes';
import { connectMongo, type MongoHandle } from '../../lib/store/mongo';
import { startReconciliation } from '../../lib/temporal/runs';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { booksBetween } from '../../simulator/data/books';
import { Prng } from '../../simulator/data/prng';
import { capitalClientsFor } from '../../workers/capital';
import type { ReconcileStage, ReconcileSummary } from '../../workflows/reconcile-account-period';
import { ObservedRun, STAGE_ORDER, stageIndex } from '../helpers/observed-run';
import { bySize, reliabilitySize } from '../helpers/reliability';
import { outcomeDifferences, retriedActivityAttempts, runOutcome, type RunOutcome } from '../helpers/run-outcome';
import { quietLog } from '../helpers/simulator';
import { startTestWorker, testStack, uniqueName } from '../helpers/stack';
import { isAlive } from '../../lib/devstack/lock';

const SEED = Number(process.env.RECON_DB_RESTART_SEED ?? 59);
const OUTAGE_SEED = Number(process.env.RECON_DB_RESTART_OUTAGE_SEED ?? 59);
const PERIOD = '2025-03';
const MONTH = { fromMs: Date.UTC(2025, 2, 1), toMs: Date.UTC(2025, 3, 1) };
const SNAPSHOT_AFTER_BOUNDARY_MS = 120_000;
/** The runs happen on a Tuesday morning after the month. */
const RUN_AT_MS = Date.UTC(2025, 3, 1, 10, 0);

const SIZE = bySize({
  full: { transactionsPerMonth: 100_000, runTimeoutMs: 30 * 60_000, timeoutMs: 90 * 60_000 },
  reduced: { transactionsPerMonth: 5_000, runTimeoutMs: 4 * 60_000, timeoutMs: 9 * 60_000 },
});

/** Where each outage goes and how long it lasts (ms); its moment is a seeded share of the stage's undisturbed duration. */
const OUTAGES: ReadonlyArray<{ stages: readonly ReconcileStage[]; downMs: { min: number; max: number } }> = [
  { stages: ['ingesting'], downMs: { min: 3_000, max: 6_000 } },
  { stages: ['reconciling', 'rendering'], downMs: { min: 12_000, max: 16_000 } },
];
const MOMENT_SHARE = { min: 0.1, max: 0.6 };
const SERVER_GONE_MS = 10_000;

interface PlannedOutage {
  stage: ReconcileStage;
  afterMs: number;
  downMs: number;
}

interface OutageRecord extends PlannedOutage {
  hitStage: ReconcileStage | 'unknown';
  atMs: number;
  /** From the kill until the restarted server answered. */
  outageMs: number;
}

interface RunRecord {
  workflowId: string;
  summary: ReconcileSummary;
  totalMs: number;
  stageStartMs: Partial<Record<ReconcileStage, number>>;
  outages: OutageRecord[];
  retriedAttempts: Record<string, number>;
}

/** The private server: started, killed and started again on the same port and data directory. */
class PrivateFerretDb {
  private server: MongoServer | undefined;
  private port: number | undefined;
  uri = '';

  constructor(
    private readonly source: ServerSource,
    private readonly config: Config,
    private readonly dataDir: string,
    private readonly logDir: string,
  ) {}

  async start(): Promise<void> {
    this.server = await startMongo(this.source, { config: this.config, log: quietLog, dataDir: this.dataDir, logDir: this.logDir, ...(this.port ? { port: this.port } : {}) });
    const port = Number(new URL(this.server.uri).port);
    if (this.port !== undefined) assert.equal(port, this.port, `FerretDB came back on port ${port}, not ${this.port} (was the port taken meanwhile?)`);
    this.port = port;
    this.uri = this.server.uri;
  }

  /** SIGKILL to the server itself (beneath its guard); waits until it is gone. */
  async kill(): Promise<void> {
    const guard = this.server?.pid;
    assert.ok(guard, 'the private FerretDB runs');
    const pid = Number(execFileSync('pgrep', ['-P', String(guard), 'ferretdb'], { encoding: 'utf8' }).trim().split('\n')[0]);
    assert.ok(pid > 0, `the FerretDB process under guard ${guard}`);
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + SERVER_GONE_MS;
    while (isAlive(pid) || isAlive(guard)) {
      assert.ok(Date.now() < deadline, `FerretDB ${pid} is still there after SIGKILL`);
      await sleep(50);
    }
    this.server = undefined;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}

async function ferretDbSource(config: Config): Promise<ServerSource> {
  const cached = cachedToolPath(config.cacheDir, FERRETDB);
  if (await isExecutable(cached)) return { kind: 'binary', program: 'ferretdb', path: cached, reason: `cached build ${cached}` };
  return { kind: 'build', program: 'ferretdb', reason: 'no cached FerretDB build; building one with Go' };
}

function outagePlan(prng: Prng, stageMs: Partial<Record<ReconcileStage, number>>): PlannedOutage[] {
  return OUTAGES.map(({ stages, downMs }) => {
    const stage = prng.weighted(stages.map((s) => [s, Math.max(stageMs[s] ?? 0, 1)] as const));
    const share = MOMENT_SHARE.min + (MOMENT_SHARE.max - MOMENT_SHARE.min) * prng.float();
    return { stage, afterMs: Math.round((stageMs[stage] ?? 0) * share), downMs: prng.int(downMs.min, downMs.max) };
  });
}

describe('database restart: FerretDB killed and started again mid-run, the run completes with the same result', { timeout: SIZE.timeoutMs }, () => {
  let simulator: RunningSimulator;
  let ferret: PrivateFerretDb;
  let accountId: string;
  let config: Config;
  let capitalFor: ReturnType<typeof capitalClientsFor>;
  const dirs: string[] = [];
  const handles: MongoHandle[] = [];
  let baseline: { run: RunRecord; outcome: RunOutcome };
  let disturbed: { run: RunRecord; outcome: RunOutcome };
  let plan: PlannedOutage[];
  const notes: string[] = [];

  function temporaryDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  }

  async function preparedDatabase(name: string): Promise<MongoHandle> {
    const mongo = await connectMongo(ferret.uri, uniqueName(`t_${name}`).replace(/-/g, '_'));
    handles.push(mongo);
    await ensureIndexes(mongo.db);
    const account = simulator.accounts().find((a) => a.accountId === accountId)!;
    await saveBookEntries(mongo.db, [...booksBetween({ seed: SEED, account, ...MONTH })].map(parseBookRecord));
    return mongo;
  }

  /** One run through a recon worker on the private server; with a plan, the server is killed and restarted as the run passes each outage's stage. */
  async function reconcile(mongo: MongoHandle, outagesToMake: readonly PlannedOutage[]): Promise<RunRecord> {
    const worker = await startTestWorker(testStack(), mongo, capitalFor);
    try {
      const { workflowId, handle } = await startReconciliation(worker.client, worker.taskQueue, { accountId, period: PERIOD, timeZone: 'UTC', rerun: true });
      const run = new ObservedRun(workflowId, handle);
      const outages: OutageRecord[] = [];
      const disturbing = (async () => {
        for (const outage of outagesToMake) {
          await run.reach(outage.stage);
          await run.pass(outage.afterMs);
          if (run.finished) break;
          const progress = await run.observe();
          if (run.finished) break;
          const killedAt = Date.now();
          await ferret.kill();
          await sleep(outage.downMs);
          await ferret.start();
          outages.push({ ...outage, hitStage: progress?.stage ?? 'unknown', atMs: killedAt - run.startedMs, outageMs: Date.now() - killedAt });
        }
        await run.toTheEnd(SIZE.runTimeoutMs);
      })();
      const [summary] = await Promise.all([run.result, disturbing]);
      const totalMs = Date.now() - run.startedMs;
      return { workflowId, summary, totalMs, stageStartMs: run.stageStartMs, outages, retriedAttempts: await retriedActivityAttempts(worker.client, await run.workflowIds()) };
    } finally {
      await worker.close();
    }
  }

  before(async () => {
    config = loadConfig();
    ferret = new PrivateFerretDb(await ferretDbSource(config), config, temporaryDir('recon-db-restart-data-'), temporaryDir('recon-db-restart-logs-'));
    await ferret.start();
    simulator = await startSimulator({ seed: SEED, port: 0, log: quietLog, transactionsPerMonth: SIZE.transactionsPerMonth });
    const account = simulator.accounts().find((a) => a.preferred) ?? simulator.accounts()[0]!;
    accountId = account.accountId;
    const capitalConfig = loadConfig({ CAPITAL_ENV: 'custom', CAPITAL_BASE_URL: simulator.url, CAPITAL_API_KEY: simulator.credentials.apiKey, CAPITAL_IDENTIFIER: simulator.credentials.identifier, CAPITAL_PASSWORD: simulator.credentials.password });
    capitalFor = capitalClientsFor(capitalConfig, quietLog);

    const baselineDb = await preparedDatabase('dbrestart_baseline');
    const disturbedDb = await preparedDatabase('dbrestart_disturbed');
    for (const boundaryMs of [MONTH.fromMs, MONTH.toMs]) {
      simulator.core.clock.freeze(boundaryMs + SNAPSHOT_AFTER_BOUNDARY_MS);
      for (const mongo of [baselineDb, disturbedDb]) {
        await createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor }).captureBalanceSnapshot({ accountId, takenBy: 'database-restart suite: month-end schedule' });
      }
    }
    simulator.core.clock.freeze(RUN_AT_MS);
    simulator.core.clock.unfreeze();

    const baselineRun = await reconcile(baselineDb, []);
    baseline = { run: baselineRun, outcome: await runOutcome(baselineDb.db, baselineRun.summary) };
    plan = outagePlan(Prng.fromKey('database-restart', OUTAGE_SEED), stageDurations(baselineRun));
    notes.push(
      `size ${reliabilitySize()}: ${SIZE.transactionsPerMonth} transactions a month (simulator seed ${SEED}, RECON_DB_RESTART_SEED; outage seed ${OUTAGE_SEED}, RECON_DB_RESTART_OUTAGE_SEED); private FerretDB at ${ferret.uri}`,
      `undisturbed run ${baselineRun.workflowId}: ${seconds(baselineRun.totalMs)}; stages at ${JSON.stringify(baselineRun.stageStartMs)} ms`,
    );

    const disturbedRun = await reconcile(disturbedDb, plan);
    disturbed = { run: disturbedRun, outcome: await runOutcome(disturbedDb.db, disturbedRun.summary) };
    notes.push(
      `disturbed run ${disturbedRun.workflowId}: ${seconds(disturbedRun.totalMs)}`,
      ...disturbedRun.outages.map((o, i) => `outage ${i + 1}: aimed at ${o.stage} (+${seconds(o.afterMs)}), FerretDB SIGKILLed at ${seconds(o.atMs)} during ${o.hitStage}, down ${seconds(o.downMs)}, answering again after ${seconds(o.outageMs)}`),
      `retried activity attempts (histories): ${JSON.stringify(disturbedRun.retriedAttempts)}; undisturbed: ${JSON.stringify(baselineRun.retriedAttempts)}`,
    );
  }, { timeout: SIZE.timeoutMs });

  after(async () => {
    for (const handle of handles) {
      await handle.db.dropDatabase().catch(() => undefined);
      await handle.close().catch(() => undefined);
    }
    capitalFor?.(accountId)?.session.close();
    await simulator?.close();
    await ferret?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the run survives FerretDB being killed and restarted, and ends like the undisturbed run', (t) => {
    for (const note of notes) t.diagnostic(note);
    assert.equal(disturbed.run.outages.length, plan.length, `outages made: ${disturbed.run.outages.length} of ${plan.length} (the run ended before the rest)`);
    assert.deepEqual(outcomeDifferences(baseline.outcome, disturbed.outcome), []);
    assert.ok(disturbed.outcome.stored.transactions.count > 0 && disturbed.outcome.stored.matches.count > 0, 'the month has data');
  });
});

function stageDurations(run: RunRecord): Partial<Record<ReconcileStage, number>> {
  const at = run.stageStartMs;
  const durations: Partial<Record<ReconcileStage, number>> = {};
  for (const stage of STAGE_ORDER) {
    const start = at[stage];
    if (start === undefined) continue;
    const next = STAGE_ORDER.slice(stageIndex(stage) + 1).map((s) => at[s]).find((ms) => ms !== undefined);
    durations[stage] = (next ?? run.totalMs) - start;
  }
  return durations;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
