/**
 * The HTTP API under load, shared by test/reliability/api-load.test.ts and bench/api-load.ts:
 * a database holding a few months reconciled for real (simulator, recon worker, Temporal), `recon
 * api` serving it as its own process (production wiring: configuration from the environment,
 * bearer tokens with scopes), the request mix built from the API's own statements list, and the
 * load generator (bench/api-load-client.ts) as a second process.
 *
 * Run listing (`GET /runs`) is left out of the mix: it is a Temporal visibility query, which the
 * server rate-limits per namespace (10/s by default) and which the test suite's other files share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { statementsEntry } from '../../api/openapi/schemas';
import { contentTypeOf } from '../../api/http/content-types';
import { createBalanceActivities } from '../../activities/balances';
import { recordTransportEvent } from '../../lib/capital';
import { projectRoot } from '../../lib/devstack/paths';
import { ensureIndexes } from '../../lib/store/indexes';
import type { MongoHandle } from '../../lib/store/mongo';
import { faultSequence } from '../../simulator/faults';
import type { ReconcileInput, ReconcileSummary } from '../../workflows/reconcile-account-period';
import { startBenchChild } from '../../bench/children';
import { LOAD_TOKEN_ENV, type ApiLoadClientArgs, type LoadReport, type LoadTarget } from '../../bench/api-load-client';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from './simulator';
import { openTestDatabase, startTestWorker, uniqueName, type TestStack, type TestWorkerContext } from './stack';

export type { LoadReport, LoadTarget } from '../../bench/api-load-client';

/** The simulator's seed (its accounts and transactions) and the order of the request mix; RECON_API_LOAD_SEED replays another. */
export function apiLoadSeed(): number {
  const text = process.env.RECON_API_LOAD_SEED ?? '1009';
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`RECON_API_LOAD_SEED must be a whole number, got '${text}'`);
  return seed;
}

export interface ReconciledStatements {
  accountId: string;
  periods: string[];
  /** One run per period, oldest first, each with its statements written and recorded. */
  runs: ReconcileSummary[];
  mongo: MongoHandle;
  /** The worker that ran them: its task queue, and the statements directory the API serves. */
  worker: TestWorkerContext;
  /** Stops the worker and the simulator, removes the statements and drops the database. */
  close(): Promise<void>;
}

const monthStartMs = (index: number) => Date.UTC(2025, index, 1);
const periodOf = (index: number) => new Date(monthStartMs(index)).toISOString().slice(0, 7);

/**
 * `months` months from January 2025 of one simulated account, each reconciled through a real
 * recon worker and Temporal, one after the other (so the audit chain is in period order), with a
 * balance snapshot at each month's start. No books are loaded: every broker record is an
 * exception, which gives the exceptions files content too.
 */
export async function reconcileStatements(stack: TestStack, options: { seed: number; months: number; transactionsPerMonth: number }): Promise<ReconciledStatements> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const mongo = await openTestDatabase(stack, 'api_load');
    closers.push(() => mongo.close());
    await ensureIndexes(mongo.db);
    const simulator: SimulatorFixture = await startSimulatorWithClient({ seed: options.seed, transactionsPerMonth: options.transactionsPerMonth });
    closers.push(() => simulator.close());
    const account = simulator.simulator.accounts().find((a) => a.preferred) ?? simulator.simulator.accounts()[0]!;
    const capital = simulator.newClient({ onEvent: recordTransportEvent });
    const setClock = (atMs: number) => {
      simulator.simulator.core.clock.freeze(atMs);
      simulator.simulator.core.clock.unfreeze();
    };
    const balances = createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor: () => capital });
    for (let month = 0; month < options.months; month++) {
      setClock(monthStartMs(month) + 60_000);
      await balances.captureBalanceSnapshot({ accountId: account.accountId, takenBy: 'api load: month start' });
    }
    setClock(monthStartMs(options.months) + 120_000);

    const worker = await startTestWorker(stack, mongo, () => capital);
    closers.push(() => worker.close());
    const periods = Array.from({ length: options.months }, (_, month) => periodOf(month));
    const runs: ReconcileSummary[] = [];
    // Unique ids (the test namespace is shared), in the shape the API accepts: `<name>:<account>:<period>`.
    const prefix = uniqueName('api-load');
    for (const period of periods) {
      const input: ReconcileInput = { accountId: account.accountId, period, timeZone: 'UTC' };
      const summary = (await worker.client.workflow.execute('reconcileAccountPeriod', { taskQueue: worker.taskQueue, workflowId: `${prefix}:${account.accountId}:${period}`, args: [input] })) as ReconcileSummary;
      if (!summary.statements) throw new Error(`the run of ${period} wrote no statements (status ${summary.status})`);
      runs.push(summary);
    }
    return { accountId: account.accountId, periods, runs, mongo, worker, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A fresh bearer token and the RECON_API_TOKENS entry that grants it `statements:read`. */
export function loadToken(): { token: string; spec: string } {
  const token = randomBytes(32).toString('hex');
  return { token, spec: `load:${token}:statements:read` };
}

export interface ApiProcess {
  url: string;
  pid: number;
  /** The server's log so far: lines by level (pino's numbers) and the first error lines (level 50 and up). */
  log(): { linesByLevel: Record<string, number>; errorLines: string[] };
  /** The process's peak resident set in MB (VmHWM, start-up included); undefined where /proc is not there. */
  peakRssMb(): number | undefined;
  /** SIGINT (finish in-flight requests, close), SIGKILL after a grace time; waits for the exit. */
  stop(): Promise<void>;
}

const API_START_TIMEOUT_MS = 90_000;
const API_STOP_GRACE_MS = 15_000;
const ERROR_LINES_KEPT = 20;

/**
 * `recon api` as an operator runs it, in its own process, serving the reconciled statements: its
 * configuration from the environment, the task queue and statements directory of their worker.
 */
export async function startApiProcess(stack: TestStack, statements: ReconciledStatements, tokenSpec: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), 'api', '--host', '127.0.0.1', '--port', '0'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: statements.worker.taskQueue,
      MONGODB_URI: stack.mongoUri,
      MONGODB_DB: statements.mongo.db.databaseName,
      RECON_STATEMENTS_DIR: statements.worker.statementsDir,
      RECON_API_TOKENS: tokenSpec,
      // A log line per request, as in production (the load's cost includes it).
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const linesByLevel: Record<string, number> = {};
  const errorLines: string[] = [];
  const firstLines: string[] = [];
  const onLine = (line: string) => {
    if (firstLines.length < ERROR_LINES_KEPT) firstLines.push(line);
    const level = /"level":(\d+)/.exec(line)?.[1] ?? 'other';
    linesByLevel[level] = (linesByLevel[level] ?? 0) + 1;
    if (Number(level) >= 50 && errorLines.length < ERROR_LINES_KEPT) errorLines.push(line);
  };
  createInterface({ input: child.stderr! }).on('line', onLine);
  // Not outlived by it if this process ends without stopping it (a failed test, Ctrl-C).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), API_STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await announcedUrl(child, exited, () => firstLines.join('\n'));
    return {
      url,
      pid: child.pid!,
      log: () => ({ linesByLevel: { ...linesByLevel }, errorLines: [...errorLines] }),
      peakRssMb: () => peakRssMbOf(child.pid!),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function announcedUrl(child: ChildProcess, exited: Promise<void>, logSoFar: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`recon api did not announce its address within ${API_START_TIMEOUT_MS / 1000} s:\n${logSoFar()}`)), API_START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve(url);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`recon api exited (code ${child.exitCode}) before listening:\n${logSoFar()}`));
    });
  });
}

/** VmHWM of a process of ours, in MB (Linux /proc); undefined elsewhere or once it is gone. */
export function peakRssMbOf(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

const statementsList = z.object({ items: z.array(statementsEntry) });
/** Listings weigh about a third of the mix; downloads and revalidations the rest. */
const LISTING_REPEATS = 3;

/**
 * The request mix, from the API's own statements list as a client reads it: listings (all of the
 * account's statements, by period, the newest one), every file of every run downloaded (CSV,
 * JSON, XLSX, PDF, journal, trace.json, audit-record.json), and revalidations of the PDF and XLSX
 * with their ETag (304). Each is requested once here, so a target that fails before any load is
 * reported as such; what a listing must answer is what it answered here. Shuffled by `seed`.
 */
export async function loadTargets(baseUrl: string, token: string, statements: ReconciledStatements, seed: number): Promise<LoadTarget[]> {
  const listingPath = (query: string) => `/statements?accountId=${encodeURIComponent(statements.accountId)}${query}`;
  const listed = statementsList.parse(JSON.parse((await once(baseUrl, token, listingPath(''), 200)).body.toString('utf8'))).items;
  const expectedRuns = statements.runs.map((run) => run.runId);
  const listedRuns = listed.map((entry) => entry.workflowId).reverse();
  if (JSON.stringify(listedRuns) !== JSON.stringify(expectedRuns)) throw new Error(`GET /statements lists ${listedRuns.join(', ')}; expected ${expectedRuns.join(', ')}`);

  const listings: Array<{ route: string; path: string }> = [
    { route: 'GET /statements', path: listingPath('') },
    ...statements.periods.map((period) => ({ route: 'GET /statements, filtered', path: listingPath(`&period=${period}`) })),
    { route: 'GET /statements, filtered', path: listingPath('&limit=1') },
  ];
  const targets: LoadTarget[] = [];
  for (const listing of listings) {
    const answer = await once(baseUrl, token, listing.path, 200);
    const target: LoadTarget = { ...listing, status: 200, sha256: sha256(answer.body), contentType: answer.contentType };
    for (let i = 0; i < LISTING_REPEATS; i++) targets.push(target);
  }
  for (const entry of listed) {
    const files = [...entry.files, entry.trace].map((f) => ({ ...f, route: f.file === entry.trace.file ? 'download trace.json' : `download ${path.extname(f.file)}` }));
    for (const file of files) {
      const answer = await once(baseUrl, token, file.href, 200);
      if (sha256(answer.body) !== file.sha256) throw new Error(`${file.href}: the body's SHA-256 is not the listed ${file.sha256}`);
      targets.push({ route: file.route, path: file.href, status: 200, sha256: file.sha256, contentType: file.contentType, hashHeader: true });
    }
    const record = await once(baseUrl, token, entry.auditRecord.href, 200);
    targets.push({ route: 'download audit-record.json', path: entry.auditRecord.href, status: 200, sha256: sha256(record.body), contentType: contentTypeOf(entry.auditRecord.file), hashHeader: true });
    for (const file of entry.files.filter((f) => /\.(pdf|xlsx)$/.test(f.file))) {
      const headers = { 'if-none-match': `"${file.sha256}"` };
      await once(baseUrl, token, file.href, 304, headers);
      targets.push({ route: 'revalidate (304)', path: file.href, headers, status: 304 });
    }
  }
  return shuffled(targets, seed);
}

async function once(baseUrl: string, token: string, href: string, status: number, headers: Record<string, string> = {}): Promise<{ body: Buffer; contentType: string | undefined }> {
  const response = await fetch(`${baseUrl}${href}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== status) throw new Error(`GET ${href} answered ${response.status}, expected ${status}: ${body.toString('utf8').slice(0, 300)}`);
  return { body, contentType: response.headers.get('content-type') ?? undefined };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Fisher–Yates with a seeded sequence: the same seed, the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const next = faultSequence(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface LoadRun {
  baseUrl: string;
  token: string;
  targets: LoadTarget[];
  concurrency: number;
  durationMs: number;
  /** Default 30 s: an answer slower than that is an error. */
  requestTimeoutMs?: number;
}

const REPORT_GRACE_MS = 120_000;

/** bench/api-load-client.ts in its own process, for `durationMs`; its report. */
export async function runLoadClient(run: LoadRun): Promise<LoadReport> {
  const requestTimeoutMs = run.requestTimeoutMs ?? 30_000;
  const args: ApiLoadClientArgs = { baseUrl: run.baseUrl, targets: run.targets, concurrency: run.concurrency, durationMs: run.durationMs, requestTimeoutMs };
  const child = startBenchChild('api-load-client.ts', args, { [LOAD_TOKEN_ENV]: run.token });
  let deadline: NodeJS.Timeout | undefined;
  try {
    // Requests in flight at the end finish within their own timeout; start-up takes seconds.
    const overdue = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`the load client did not report within ${(run.durationMs + requestTimeoutMs + REPORT_GRACE_MS) / 1000} s`)), run.durationMs + requestTimeoutMs + REPORT_GRACE_MS);
    });
    return await Promise.race([child.nextMessage<LoadReport>(), overdue]);
  } finally {
    clearTimeout(deadline);
    await child.stop();
  }
}

/** One line per route and one overall: requests, errors, p50/p90/p99/max. */
export function describeLoad(report: LoadReport): string[] {
  const line = (name: string, f: { requests?: number; count: number; p50Ms?: number; p90Ms?: number; p99Ms?: number; maxMs?: number }, errors: number) =>
    `${name}: ${f.requests ?? f.count} requests, ${errors} errors, p50 ${f.p50Ms} ms, p90 ${f.p90Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms`;
  return [
    `${report.concurrency} clients for ${(report.elapsedMs / 1000).toFixed(1)} s: ${report.requests} requests (${report.requestsPerSecond}/s), ${report.errors} errors, ${(report.bytes / 2 ** 20).toFixed(1)} MiB read, ${report.connectionsOpened} connections opened`,
    line('overall', report.overall, report.errors),
    ...Object.entries(report.routes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, f]) => line(route, f, f.errors)),
  ];
}
