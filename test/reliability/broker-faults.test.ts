/**
 * Broker faults: the same month (seed 67) reconciled twice through the production wiring (the
 * configuration, one Capital.com client per account, the recon and market-data workers as
 * `recon worker` builds them), each run in its own database and against its own simulator: once
 * fault-free, once with the simulator injecting
 *
 *   - 10% 5xx and 5% 429 answers,
 *   - every session invalidated after `invalidateSessionEvery` authenticated requests,
 *   - truncated windows, both kinds the simulator has: 5% of JSON bodies cut off half-way, and
 *     `/history/transactions` answers capped at 1,000 rows (the oldest rows silently left out; the
 *     reference documents no cap, so the client treats a full answer as cut and splits the window),
 *   - every WebSocket connection dropped every `dropStreamsEveryMs`, and a silent feed for longer
 *     than the supervisor's silence limit, while a market stream runs beside the reconciliation.
 *
 * The faulted run must end exactly like the fault-free one (test/helpers/run-outcome.ts); its
 * trace.json, its workflow history and the client's log must show the retries and the session
 * renewals, bounded by what the simulator says it injected, and the fault-free run must show none.
 * The stream must reconnect through the drops, restart its batches after the silence, resume its
 * quotes, and store bars equal to the bars rebuilt from its stored quotes.
 *
 * Fault decisions come from the simulator's seeded sequence (the seed below) in request order;
 * the order of concurrent requests varies, so two runs see the same rates, not the same faults.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Db } from 'mongodb';
import { createBalanceActivities } from '../../activities/balances';
import type { StreamTuning } from '../../activities/market-stream';
import { loadConfig, type Config } from '../../lib/config';
import { DEFAULT_GAP_POLICY } from '../../lib/ledger/gap-detection';
import { createLogger, type Logger } from '../../lib/log';
import { aggregateQuotes, barKey, QUOTES_PER_AGGREGATION_MAX } from '../../lib/market/ohlc';
import type { RunTrace } from '../../lib/statements/trace';
import { parseBookRecord } from '../../lib/store/books-file';
import { saveBookEntries } from '../../lib/store/books';
import { ensureIndexes } from '../../lib/store/indexes';
import { latestQuotes, STREAMED_BARS, type StreamedBarDocument } from '../../lib/store/market-bars';
import { quotesBetween } from '../../lib/store/market-quotes';
import type { MongoHandle } from '../../lib/store/mongo';
import { connectTemporalClient } from '../../lib/temporal/client';
import { marketStreamStatus, startMarketStream, stopMarketStream } from '../../lib/temporal/market-streams';
import { startReconciliation } from '../../lib/temporal/runs';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { booksBetween } from '../../simulator/data/books';
import { allMarkets } from '../../simulator/data/markets';
import { capitalClientsFor } from '../../workers/capital';
import { createMarketWorker } from '../../workers/market-worker';
import { createReconWorker, type RunningWorker } from '../../workers/recon-worker';
import { tradingSettingsFrom } from '../../workers/trading-settings';
import { streamStateQuery, type MarketStreamState, type StreamSettings } from '../../workflows/market-stream';
import type { ReconcileSummary } from '../../workflows/reconcile-account-period';
import { bySize } from '../helpers/reliability';
import { outcomeDifferences, runOutcome } from '../helpers/run-outcome';
import { quietLog } from '../helpers/simulator';
import { openTestDatabase, testLogger, testStack, uniqueName, type TestStack } from '../helpers/stack';
import { until } from '../helpers/until';

/** The simulator's seed: its data and its fault decisions. RECON_BROKER_FAULTS_SEED replays another. */
const SEED = Number(process.env.RECON_BROKER_FAULTS_SEED ?? 67);
if (!Number.isInteger(SEED)) throw new Error(`RECON_BROKER_FAULTS_SEED must be a whole number, got '${process.env.RECON_BROKER_FAULTS_SEED}'`);
const PERIOD = '2025-02';
const MONTH = { fromMs: Date.UTC(2025, 1, 1), toMs: Date.UTC(2025, 2, 1) };
/** Balance snapshots a month-end schedule would have taken, just after each boundary: the roll-forward's anchors. */
const SNAPSHOT_AFTER_BOUNDARY_MS = 120_000;
/** The tightest cap the client can see: an answer of this many rows is judged possibly cut off and split. */
const ROW_CAP = DEFAULT_GAP_POLICY.suspectRowCount;

interface Size {
  transactionsPerMonth: number;
  windowHours: number;
  invalidateSessionEvery: number;
  dropStreamsEveryMs: number;
  streamEpics: number;
  tuning: StreamTuning & { silentFailAfterMs: number };
  timeoutMs: number;
}

const SIZE = bySize<Size>({
  full: {
    transactionsPerMonth: 100_000,
    /** The production default: a weekday's ~4,000 rows hit the cap. */
    windowHours: 24,
    invalidateSessionEvery: 500,
    dropStreamsEveryMs: 60_000,
    streamEpics: 60,
    tuning: { staleAfterMs: 15_000, silentFailAfterMs: 30_000 },
    timeoutMs: 60 * 60_000,
  },
  reduced: {
    transactionsPerMonth: 5_000,
    /** Weeks of ~1,100 rows, so the cap cuts answers at this size too. */
    windowHours: 168,
    /** The month needs ~100 authenticated requests: four or five invalidations. */
    invalidateSessionEvery: 20,
    dropStreamsEveryMs: 4_000,
    streamEpics: 20,
    tuning: { pingIntervalMs: 2_000, staleAfterMs: 2_000, silentFailAfterMs: 3_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } },
    timeoutMs: 10 * 60_000,
  },
});
const FAULTS = { serverErrorRate: 0.1, rateLimitRate: 0.05, truncatedBodyRate: 0.05, invalidateSessionEvery: SIZE.invalidateSessionEvery, dropStreamsEveryMs: SIZE.dropStreamsEveryMs };
/** Drops every batch must reconnect through before the feed falls silent. */
const DROPS = 3;
const STREAM_EPICS = allMarkets().slice(0, SIZE.streamEpics).map((market) => market.epic);
const STREAM_SETTINGS: Partial<StreamSettings> = { tuning: { writeEveryMs: 50, ...SIZE.tuning } };
const MINUTE_MS = 60_000;

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** What our Capital.com client logged (the lines ops would read): retries by problem, logins by reason. */
interface TransportLog {
  log: Logger;
  retries: Array<{ endpoint: string; problem: string }>;
  logins: string[];
  clear(): void;
}

function transportLog(): TransportLog {
  const retries: TransportLog['retries'] = [];
  const logins: string[] = [];
  let partial = '';
  const keep = (line: string) => {
    if (!line.includes('Capital.com call failed; retrying') && !line.includes('logging in to Capital.com')) return;
    const entry = JSON.parse(line) as { msg: string; endpoint?: string; problem?: string; reason?: string };
    if (entry.msg === 'Capital.com call failed; retrying') retries.push({ endpoint: entry.endpoint ?? '', problem: entry.problem ?? '' });
    if (entry.msg === 'logging in to Capital.com') logins.push(entry.reason ?? '');
  };
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(keep);
      done();
    },
  });
  return {
    log: createLogger({ level: 'info', format: 'json', destination }),
    retries,
    logins,
    clear: () => {
      retries.length = 0;
      logins.length = 0;
    },
  };
}

/** `network`: the connection itself (a kept-alive socket reset under load, a timeout), not a broker answer. */
type RetryKind = 'server error' | 'rate limit' | 'truncated body' | 'network' | 'other';
const INJECTED_KINDS: readonly RetryKind[] = ['server error', 'rate limit', 'truncated body'];

function retryKind(problem: string): RetryKind {
  if (/^5\d\d /.test(problem)) return 'server error';
  if (problem.startsWith('429 ')) return 'rate limit';
  if (problem.includes('malformed JSON')) return 'truncated body';
  if (/^network: |^body interrupted/.test(problem)) return 'network';
  return 'other';
}

function retriesByKind(retries: TransportLog['retries']): Record<RetryKind, number> {
  const counts: Record<RetryKind, number> = { 'server error': 0, 'rate limit': 0, 'truncated body': 0, network: 0, other: 0 };
  for (const retry of retries) counts[retryKind(retry.problem)]++;
  return counts;
}

/** What the run's workflow histories (the run and its ingest children) record of the faults. */
interface HistoryFigures {
  executions: number;
  /** Activities whose last attempt was not their first (Temporal retried them): type, attempt and the last failure. */
  retriedActivities: string[];
  /** Summed from the ingestWindow results in the histories. */
  windowRetries: number;
  windowSessionRenewals: number;
}

async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  const figures: HistoryFigures = { executions: 0, retriedActivities: [], windowRetries: 0, windowSessionRenewals: 0 };
  const ids = [workflowId];
  const CHILDREN_MAX = 100;
  for (let i = 0; i < CHILDREN_MAX; i++) {
    try {
      await client.workflow.getHandle(`${workflowId}:ingest:${i}`).describe();
      ids.push(`${workflowId}:ingest:${i}`);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) break;
      throw error;
    }
  }
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    figures.executions++;
    const activityTypes = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) activityTypes.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const failure = started.lastFailure;
        figures.retriedActivities.push(`${activityTypes.get(String(started.scheduledEventId))} attempt ${started.attempt} after ${failure?.applicationFailureInfo?.type ?? 'an unknown failure'}: ${failure?.message ?? ''}`);
      }
      const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      if (!payload) continue;
      const result = defaultPayloadConverter.fromPayload<{ windowIndex?: unknown; retries?: unknown; sessionRenewals?: unknown }>(payload);
      if (typeof result?.windowIndex !== 'number' || typeof result.retries !== 'number' || typeof result.sessionRenewals !== 'number') continue;
      figures.windowRetries += result.retries;
      figures.windowSessionRenewals += result.sessionRenewals;
    }
  }
  return figures;
}

interface StreamFigures {
  workflowId: string;
  batches: number;
  connectionsDropped: number;
  /** Reconnects of the batches' connections while the drops happened (their heartbeats). */
  reconnects: number;
  /** The supervisor's state before the feed fell silent, and once quotes resumed after it. */
  beforeSilence: MarketStreamState;
  afterSilence: MarketStreamState;
  silenceMs: number;
  streamedMs: number;
}

/** One side of the comparison: a broker, a database and the client that talks to the one for the other. */
interface Side {
  name: string;
  simulator: RunningSimulator;
  mongo: MongoHandle;
  config: Config;
  transport: TransportLog;
  capitalFor: ReturnType<typeof capitalClientsFor>;
  accountId: string;
}

interface RunMaterial {
  summary: ReconcileSummary;
  trace: RunTrace;
  history: HistoryFigures;
  transport: { retries: TransportLog['retries']; logins: string[] };
  simulator: ReturnType<RunningSimulator['stats']>;
  issuedTokens: number;
  runMs: number;
}

describe('broker faults: a faulted run ends like a fault-free one, and its trace shows the retries and renewals', { timeout: SIZE.timeoutMs }, () => {
  let stack: TestStack;
  const sides: Side[] = [];
  const streamDbs: MongoHandle[] = [];
  const dirs: string[] = [];
  let clean: RunMaterial;
  let faulted: RunMaterial;
  let stream: StreamFigures;
  let streamDb: Db;

  /** A simulator and a database prepared alike: the books, and the month's two boundary snapshots taken by a "schedule". */
  async function prepareSide(name: string, options: { rowCap?: number }): Promise<Side> {
    const simulator = await startSimulator({
      seed: SEED,
      port: 0,
      log: quietLog,
      transactionsPerMonth: SIZE.transactionsPerMonth,
      quotesPerSecond: 200,
      history: options.rowCap ? { transactionsRowCap: options.rowCap } : {},
    });
    const partial: Partial<Side> = { name, simulator };
    sides.push(partial as Side);
    const mongo = await openTestDatabase(stack, `faults_${name}`);
    partial.mongo = mongo;
    await ensureIndexes(mongo.db);
    const account = simulator.accounts().find((a) => a.preferred) ?? simulator.accounts()[0]!;
    await saveBookEntries(mongo.db, [...booksBetween({ seed: SEED, account, ...MONTH })].map(parseBookRecord));
    const config = loadConfig({
      HOME: process.env.HOME,
      XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
      CAPITAL_ENV: 'custom',
      CAPITAL_BASE_URL: simulator.url,
      CAPITAL_API_KEY: simulator.credentials.apiKey,
      CAPITAL_IDENTIFIER: simulator.credentials.identifier,
      CAPITAL_PASSWORD: simulator.credentials.password,
    });
    const transport = transportLog();
    const capitalFor = capitalClientsFor(config, transport.log);
    Object.assign(partial, { config, transport, capitalFor, accountId: account.accountId });
    const balances = createBalanceActivities({ db: mongo.db, log: testLogger(), capitalFor });
    for (const boundaryMs of [MONTH.fromMs, MONTH.toMs]) {
      simulator.core.clock.freeze(boundaryMs + SNAPSHOT_AFTER_BOUNDARY_MS);
      await balances.captureBalanceSnapshot({ accountId: account.accountId, takenBy: 'broker-faults suite: month-end schedule' });
    }
    // Back to the real time: streamed quotes carry the broker's clock and the worker closes bars on its own, as in production.
    simulator.core.clock.freeze(Date.now());
    simulator.core.clock.unfreeze();
    // The simulator's first balance "now" sums every day since the account opened (over 30 s at full
    // size, then memoised; the broker answers at once): paid here, not inside the runs.
    await capitalFor(account.accountId).accounts();
    transport.clear();
    return partial as Side;
  }

  /** One reconciliation through the recon worker (and, with `streamAlongside`, the market-data worker streaming beside it). */
  async function reconcile(side: Side, streamAlongside?: (client: Client, marketQueue: string) => Promise<StreamFigures>): Promise<RunMaterial & { stream?: StreamFigures }> {
    const log = testLogger();
    const statementsDir = mkdtempSync(path.join(tmpdir(), `recon-faults-${side.name}-`));
    dirs.push(statementsDir);
    const target = { address: stack.address, namespace: stack.namespace, bundle: { codePath: stack.bundlePath }, log };
    const reconQueue = uniqueName(`faults-${side.name}`);
    const marketQueue = uniqueName(`faults-${side.name}-market`);
    const workers: RunningWorker[] = [];
    const running: Array<Promise<void>> = [];
    let client: Client | undefined;
    try {
      workers.push(await createReconWorker({ ...target, db: side.mongo.db, taskQueue: reconQueue, capitalFor: side.capitalFor, statements: { dir: statementsDir, legalEntity: 'Broker Faults Ltd' }, trading: tradingSettingsFrom(side.config) }));
      if (streamAlongside) workers.push(await createMarketWorker({ ...target, db: streamDb, taskQueue: marketQueue, capitalFor: side.capitalFor, quoteRetentionDays: side.config.market.quoteRetentionDays }));
      running.push(...workers.map((w) => w.worker.run()));
      client = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });
      const statsBefore = side.simulator.stats();
      const tokensBefore = side.simulator.core.sessions.issuedTokens().length;
      const started = Date.now();
      let runMs = 0;
      const run = await startReconciliation(client, reconQueue, { accountId: side.accountId, period: PERIOD, timeZone: 'UTC', ...(SIZE.windowHours !== 24 ? { windowHours: SIZE.windowHours } : {}), rerun: true });
      const finished = run.handle.result().then((summary) => {
        runMs = Date.now() - started;
        return summary;
      });
      const [summary, streamed] = await Promise.all([finished, streamAlongside?.(client, marketQueue)]);
      const stats = side.simulator.stats();
      assert.ok(summary.statements, 'the run wrote its statements');
      const trace = JSON.parse(readFileSync(path.join(summary.statements.dir, summary.statements.trace.file), 'utf8')) as RunTrace;
      return {
        summary,
        trace,
        history: await historyFigures(client, run.workflowId),
        transport: { retries: [...side.transport.retries], logins: [...side.transport.logins] },
        simulator: {
          ...stats,
          requests: stats.requests - statsBefore.requests,
          rejectedByLimits: stats.rejectedByLimits - statsBefore.rejectedByLimits,
          injectedFaults: stats.injectedFaults - statsBefore.injectedFaults,
          sessionsInvalidated: stats.sessionsInvalidated - statsBefore.sessionsInvalidated,
        },
        issuedTokens: side.simulator.core.sessions.issuedTokens().length - tokensBefore,
        runMs,
        ...(streamed ? { stream: streamed } : {}),
      };
    } finally {
      await client?.connection.close();
      for (const w of workers) w.worker.shutdown();
      await Promise.allSettled(running);
      for (const w of workers) await w.close();
    }
  }

  before(async () => {
    stack = testStack();
    const cleanSide = await prepareSide('clean', {});
    const faultedSide = await prepareSide('faulted', { rowCap: ROW_CAP });
    const streamMongo = await openTestDatabase(stack, 'faults_stream');
    streamDbs.push(streamMongo);
    streamDb = streamMongo.db;
    await ensureIndexes(streamDb);

    clean = await reconcile(cleanSide);
    // At run time, as `POST /__admin/faults` would: the snapshots above were taken without faults.
    faultedSide.simulator.setFaults(FAULTS);
    const run = await reconcile(faultedSide, (client, marketQueue) => streamThroughFaults(client, faultedSide, marketQueue));
    faulted = run;
    stream = run.stream as StreamFigures;
  }, { timeout: SIZE.timeoutMs });

  after(async () => {
    for (const side of sides) {
      if (side.capitalFor && side.accountId) side.capitalFor(side.accountId).session.close();
      await side.simulator?.close();
      await side.mongo?.close();
    }
    for (const mongo of streamDbs) await mongo.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The market stream of the faulted side: drops, then a silent feed, then quotes again; stopped at the end. */
  async function streamThroughFaults(client: Client, side: Side, taskQueue: string): Promise<StreamFigures> {
    const { simulator, accountId } = side;
    const streamId = uniqueName('broker-faults');
    const startedMs = Date.now();
    const droppedBefore = simulator.stats().streaming.connectionsDropped;
    const { workflowId } = await startMarketStream(client, { accountId, streamId, epics: STREAM_EPICS, taskQueue, settings: STREAM_SETTINGS });
    const handle = client.workflow.getHandle(workflowId);
    const state = (): Promise<MarketStreamState> => handle.query(streamStateQuery);
    try {
      const firstFrom = simulator.core.clock.now();
      await until('quotes of every epic', async () => (await freshEpics(streamDb, firstFrom)).size === STREAM_EPICS.length, 2 * MINUTE_MS);
      const batches = (await state()).batches.length;

      // Drops: every batch's connection is cut DROPS times and reconnects within its activity.
      const reconnects = await until(`every batch through ${DROPS} drops`, async () => {
        if (simulator.stats().streaming.connectionsDropped - droppedBefore < DROPS * batches) return undefined;
        const status = await marketStreamStatus(client, accountId, streamId);
        const perBatch = status.activities.map((a) => a.progress?.reconnects ?? 0);
        return perBatch.length === batches && perBatch.every((n) => n >= DROPS) ? sum(perBatch) : undefined;
      }, (DROPS + 2) * SIZE.dropStreamsEveryMs + 2 * MINUTE_MS);
      const connectionsDropped = simulator.stats().streaming.connectionsDropped - droppedBefore;
      const afterDrops = simulator.core.clock.now();
      await until('quotes of every epic after the drops', async () => (await freshEpics(streamDb, afterDrops)).size === STREAM_EPICS.length, MINUTE_MS);

      // Silence: longer than the batches' limit, so each fails and the supervisor restarts it.
      const beforeSilence = await state();
      const failuresBefore = beforeSilence.totals.batchFailures;
      const silencedAtSimMs = simulator.core.clock.now();
      const silencedAt = Date.now();
      simulator.setFaults({ silentFeed: true });
      try {
        await until('every batch failed on the silent feed', async () => {
          const s = await state();
          return s.totals.batchFailures >= failuresBefore + s.batches.length && s.batches.every((b) => /silent feed/.test(b.lastError ?? ''));
        }, 3 * SIZE.tuning.silentFailAfterMs + 2 * MINUTE_MS);
      } finally {
        simulator.setFaults({ silentFeed: false });
      }
      const silenceMs = Date.now() - silencedAt;
      const restoredAt = simulator.core.clock.now();
      await until('quotes of every epic after the silence', async () => (await freshEpics(streamDb, restoredAt)).size === STREAM_EPICS.length, 2 * MINUTE_MS);
      const afterSilence = await until('every batch streaming again', async () => {
        const s = await state();
        return s.batches.every((b) => b.status === 'streaming') ? s : undefined;
      }, MINUTE_MS);
      // The minute the silence began in closes, so its bar (silence, restart, resumed quotes) is checked below.
      const silenceMinuteMs = Math.floor(silencedAtSimMs / MINUTE_MS) * MINUTE_MS;
      await until('closed bars of the minute the silence began in', async () => {
        const bars = await streamDb.collection<StreamedBarDocument>(STREAMED_BARS).find({ resolution: 'MINUTE' }).toArray();
        return new Set(bars.filter((b) => b.startMs >= silenceMinuteMs).map((b) => b.epic)).size === STREAM_EPICS.length;
      }, 3 * MINUTE_MS);
      return { workflowId, batches, connectionsDropped, reconnects, beforeSilence, afterSilence, silenceMs, streamedMs: Date.now() - startedMs };
    } finally {
      await stopMarketStream(client, accountId, streamId).catch(() => undefined);
    }
  }

  test('the faulted run ends exactly like the fault-free one', async (t) => {
    const [cleanSide, faultedSide] = sides as [Side, Side];
    const expected = await runOutcome(cleanSide.mongo.db, clean.summary);
    const actual = await runOutcome(faultedSide.mongo.db, faulted.summary);
    assert.deepEqual(outcomeDifferences(expected, actual), []);
    assert.equal(faulted.summary.status, clean.summary.status);
    assert.ok(clean.summary.ingest.rows > 0, 'the month has rows');
    t.diagnostic(
      `seed ${SEED}, ${SIZE.transactionsPerMonth} transactions a month; fault-free run ${(clean.runMs / 1000).toFixed(1)} s, faulted ${(faulted.runMs / 1000).toFixed(1)} s (with the stream beside it) to the run's result; ` +
        `${clean.summary.ingest.rows} rows, status ${clean.summary.status}, roll-forward ${clean.summary.rollForward.status}`,
    );
  });

  test('the faults happened: 5xx, 429 and truncated bodies retried, capped windows split, sessions invalidated and renewed', (t) => {
    const stats = faulted.simulator;
    const kinds = retriesByKind(faulted.transport.retries);
    const renewals = faulted.transport.logins.filter((reason) => /invalid\.session|null\.client/.test(reason));
    t.diagnostic(
      `simulator: ${stats.requests} requests, ${stats.injectedFaults} faults injected (5xx, 429, truncated bodies), ${stats.rejectedByLimits} rejected by its limits, ${stats.sessionsInvalidated} sessions invalidated, ${faulted.issuedTokens} logins; ` +
        `client: ${faulted.transport.retries.length} retries (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}), ${faulted.transport.logins.length} logins (${renewals.length} after an invalidated session)`,
    );
    assert.ok(kinds['server error'] > 0 && kinds['rate limit'] > 0 && kinds['truncated body'] > 0, 'every kind of fault was retried');
    // Each injected fault or limit rejection answers one attempt, which the client retries unless it
    // was its last. A 429 on POST /session may also be the simulator's login limit, which it does not count.
    const faultRetries = faulted.transport.retries.filter((r) => INJECTED_KINDS.includes(retryKind(r.problem)) && !(r.endpoint === 'POST /session' && retryKind(r.problem) === 'rate limit')).length;
    assert.ok(faultRetries <= stats.injectedFaults + stats.rejectedByLimits, `${faultRetries} retries of injected faults, ${stats.injectedFaults + stats.rejectedByLimits} injected or rejected`);
    assert.ok(stats.sessionsInvalidated > 0, 'sessions were invalidated');
    assert.ok(renewals.length > 0, 'the client logged in again after an invalidated session');

    // Truncated windows: answers cut at the cap were split, nothing is left possibly truncated.
    const transactionReads = faulted.trace.windows.flatMap((w) => w.requests).filter((r) => r.path === '/history/transactions');
    assert.ok(transactionReads.some((r) => r.rows === ROW_CAP && r.verdict === 'split'), 'some answers were capped and their windows split');
    assert.ok(transactionReads.every((r) => r.rows <= ROW_CAP), 'no answer over the cap');
    assert.ok(clean.trace.windows.flatMap((w) => w.requests).some((r) => r.rows > ROW_CAP), 'without the cap some answers were longer: the cap cut rows');
    for (const run of [clean, faulted]) {
      assert.equal(run.summary.ingest.possiblyTruncated, 0);
      assert.deepEqual(run.trace.windows.flatMap((w) => w.possiblyTruncated), []);
    }
  });

  test('the trace, the history and the summary show the retries and renewals; the fault-free run shows none', (t) => {
    const figures = (run: RunMaterial) => ({
      traceRetries: sum(run.trace.windows.map((w) => w.retries)),
      traceRenewals: sum(run.trace.windows.map((w) => w.sessionRenewals)),
      traceLogLines: run.trace.log.filter((line) => /; [1-9]\d* retries,|, [1-9]\d* session renewals$/.test(line)).length,
    });
    const f = figures(faulted);
    const c = figures(clean);
    t.diagnostic(
      `faulted: trace ${f.traceRetries} retries and ${f.traceRenewals} session renewals over ${faulted.trace.windows.length} windows; summary ${faulted.summary.ingest.retries} / ${faulted.summary.ingest.sessionRenewals}; ` +
        `history ${faulted.history.windowRetries} / ${faulted.history.windowSessionRenewals} in ${faulted.history.executions} executions, ${faulted.history.retriedActivities.length} activities retried by Temporal${faulted.history.retriedActivities.map((a) => `; ${a}`).join('')}`,
    );

    // The three records agree: each window's activity result (history), the run's summary, trace.json.
    assert.equal(f.traceRetries, faulted.summary.ingest.retries);
    assert.equal(f.traceRenewals, faulted.summary.ingest.sessionRenewals);
    assert.equal(faulted.history.windowRetries, f.traceRetries);
    assert.equal(faulted.history.windowSessionRenewals, f.traceRenewals);

    // The faulted trace shows them, within what the simulator injected and issued.
    const stats = faulted.simulator;
    assert.ok(f.traceRetries > 0, 'the trace shows retries');
    assert.ok(f.traceRetries <= faulted.transport.retries.length, `${f.traceRetries} retries in the trace, ${faulted.transport.retries.length} by the client, ${stats.injectedFaults} faults injected`);
    assert.ok(f.traceRenewals > 0, 'the trace shows session renewals');
    assert.ok(f.traceRenewals <= faulted.issuedTokens, `${f.traceRenewals} renewals in the trace, ${faulted.issuedTokens} logins on the broker`);
    assert.ok(f.traceLogLines > 0, "the trace's log lines name them");
    // Temporal's retries are the second line: a request that outlives two invalidations, or a fault
    // that outlasts the client's attempts, fails its activity, which is retried; nothing else may.
    assert.deepEqual(faulted.history.retriedActivities.filter((a) => !/ after (CapitalSessionError|CapitalUnavailableError): /.test(a)), [], 'activities retried for a broker fault only');

    // The fault-free run: nothing injected, nothing renewed, no broker answer retried. Only the
    // connection's own hiccups may be (a kept-alive socket reset while the machine is loaded: seen
    // at full size), and then the trace counts no more of them than the client made.
    t.diagnostic(`fault-free: ${clean.transport.retries.length} retries${clean.transport.retries.map((r) => `; ${r.endpoint} ${r.problem}`).join('')}; trace ${c.traceRetries} retries, ${c.traceRenewals} session renewals`);
    assert.equal(clean.simulator.injectedFaults, 0);
    assert.equal(clean.simulator.sessionsInvalidated, 0);
    assert.deepEqual(clean.transport.retries.filter((r) => retryKind(r.problem) !== 'network'), [], 'no broker answer retried');
    assert.ok(c.traceRetries <= clean.transport.retries.length, `${c.traceRetries} retries in the trace`);
    assert.deepEqual({ renewals: c.traceRenewals, summaryRenewals: clean.summary.ingest.sessionRenewals, historyRenewals: clean.history.windowSessionRenewals }, { renewals: 0, summaryRenewals: 0, historyRenewals: 0 });
    assert.deepEqual({ summaryRetries: clean.summary.ingest.retries, historyRetries: clean.history.windowRetries }, { summaryRetries: c.traceRetries, historyRetries: c.traceRetries });
    assert.equal(c.traceLogLines > 0, c.traceRetries > 0, "the trace's log lines name retries only if there were some");
    assert.deepEqual(clean.history.retriedActivities, [], 'Temporal retried no activity of the fault-free run');
  });

  test('the stream reconnected through the drops and the silence, its quotes resumed, its bars equal the bars rebuilt from its quotes', async (t) => {
    const { beforeSilence, afterSilence } = stream;
    t.diagnostic(
      `${STREAM_EPICS.length} epics in ${stream.batches} batches for ${(stream.streamedMs / 1000).toFixed(1)} s: ${stream.connectionsDropped} connections dropped, ${stream.reconnects} reconnects, ` +
        `${beforeSilence.totals.batchFailures} batch failures before the silence${beforeSilence.batches.map((b) => (b.lastError ? ` (${b.lastError})` : '')).join('')}, silent feed for ${(stream.silenceMs / 1000).toFixed(1)} s; supervisor: ${afterSilence.totals.batchRuns} batch runs, ${afterSilence.totals.batchFailures} failures, ${afterSilence.totals.sessionRenewals} renewals, ${afterSilence.totals.sessionPings} pings`,
    );
    assert.ok(stream.connectionsDropped >= DROPS, `${stream.connectionsDropped} connections dropped`);
    assert.ok(stream.reconnects >= DROPS * stream.batches, `${stream.reconnects} reconnects`);
    assert.ok(afterSilence.totals.batchFailures >= stream.batches, 'every batch failed on the silent feed');
    assert.ok(afterSilence.batches.every((b) => b.runs >= 2 && b.status === 'streaming'), `every batch restarted: runs ${afterSilence.batches.map((b) => b.runs).join(', ')}`);

    const bars = (await streamDb.collection<StreamedBarDocument>(STREAMED_BARS).find({ resolution: 'MINUTE' }).toArray()).filter((bar) => STREAM_EPICS.includes(bar.epic));
    assert.ok(bars.length >= STREAM_EPICS.length, `${bars.length} closed minute bars`);
    for (const epic of STREAM_EPICS) {
      const own = bars.filter((bar) => bar.epic === epic);
      if (own.length === 0) continue;
      const fromMs = Math.min(...own.map((bar) => bar.startMs));
      const toMs = Math.max(...own.map((bar) => bar.startMs)) + MINUTE_MS - 1;
      const quotes = await quotesBetween(streamDb, { epic, fromMs, toMs, limit: QUOTES_PER_AGGREGATION_MAX });
      const rebuilt = new Map(aggregateQuotes(quotes.map((q) => ({ epic: q.epic, timestamp: q.atMs, bid: q.bid, ofr: q.ask })), ['MINUTE']).bars.map((bar) => [barKey(bar), bar]));
      for (const bar of own) {
        const again = rebuilt.get(barKey(bar));
        assert.ok(again, `${barKey(bar)} has stored quotes`);
        assert.deepEqual(
          { bid: bar.bid, ask: bar.ask, quoteCount: bar.quoteCount, first: bar.firstQuoteMs, last: bar.lastQuoteMs },
          { bid: again.bid, ask: again.ask, quoteCount: again.quoteCount, first: again.firstQuoteMs, last: again.lastQuoteMs },
          barKey(bar),
        );
      }
    }
    t.diagnostic(`${bars.length} closed minute bars checked against their quotes`);
  });
});

/** Epics whose newest stored quote is newer than `sinceMs` (simulator time). */
async function freshEpics(db: Db, sinceMs: number): Promise<Set<string>> {
  return new Set((await latestQuotes(db, STREAM_EPICS)).filter((quote) => quote.atMs > sinceMs).map((quote) => quote.epic));
}
