import { randomUUID } from 'node:crypto';
import { createActivities } from '../activities';
import { createCapitalClient, recordTransportEvent } from '../lib/capital';
import { startDevStack } from '../lib/devstack';
import { loadDefaultChart, loadDefaultRules } from '../lib/ledger/defaults';
import { parseBookRecord } from '../lib/store/books-file';
import { ensureBookIndexes, saveBookEntries } from '../lib/store/books';
import { saveChartAndRules } from '../lib/store/chart';
import { connectMongo, type MongoHandle } from '../lib/store/mongo';
import { ensureTransactionIndexes } from '../lib/store/transactions';
import { connectTemporalClient } from '../lib/temporal/client';
import { startSimulator } from '../simulator';
import { booksBetween } from '../simulator/data/books';
import { workflowBundle } from '../workers/bundle';
import { createReconWorker } from '../workers/recon-worker';
import type { reconcileAccountPeriod } from '../workflows/reconcile-account-period';
import { figure, type Figure } from './harness';
import type { BenchContext } from './run';

const PERIOD = '2025-01';
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };

/**
 * One month of N transactions reconciled end to end, through Temporal and in-process (the same
 * activities called directly), with the database's raw insertMany ceiling for N documents, all in
 * one run so the ratios compare like with like.
 */
export async function reconcileMonth(ctx: BenchContext): Promise<Figure[]> {
  const stack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const simulator = await startSimulator({ seed: 1, accountCount: 1, transactionsPerMonth: ctx.transactions, log: ctx.log, port: 0 });
  const account = simulator.accounts()[0]!;
  const capital = createCapitalClient({ capital: { environment: 'custom', baseUrl: simulator.url, ...simulator.credentials }, log: ctx.log, onEvent: recordTransportEvent });
  const rss = peakRssSampler();
  const through: number[] = [];
  const inProcess: number[] = [];
  const ceiling: number[] = [];
  let historyEventsMax = 0;
  let payloadBytesMax = 0;
  let rows = 0;
  try {
    for (let run = 0; run < ctx.runs; run++) {
      // Through Temporal.
      const mongo = await prepareDatabase(stack.mongo.uri, account, ctx);
      const { worker, close } = await createReconWorker({ address: stack.temporal.address, namespace: stack.temporal.namespace, taskQueue: `bench-${randomUUID()}`, bundle: await workflowBundle(ctx.config.cacheDir, ctx.log), db: mongo.db, log: ctx.log, capitalFor: () => capital });
      const client = await connectTemporalClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
      const started = performance.now();
      const summary = await worker.runUntil(
        client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
          taskQueue: worker.options.taskQueue,
          workflowId: `bench:${randomUUID()}`,
          args: [{ accountId: account.accountId, period: PERIOD, timeZone: 'UTC' }],
        }),
      );
      through.push((performance.now() - started) / 1000);
      rows = summary.ingest.rows;
      const histories = await historySizes(client, summary.runId, Math.ceil(summary.ingest.windows / 100));
      historyEventsMax = Math.max(historyEventsMax, histories.eventsMax);
      payloadBytesMax = Math.max(payloadBytesMax, histories.payloadBytesMax);
      await client.connection.close();
      await close();
      await dropAndClose(mongo);

      // In-process: the same activities, no Temporal.
      const direct = await prepareDatabase(stack.mongo.uri, account, ctx);
      const activities = createActivities({ db: direct.db, log: ctx.log, capitalFor: () => capital });
      const startedDirect = performance.now();
      const plan = await activities.planPeriod({ period: PERIOD, timeZone: 'UTC' });
      let next = 0;
      const lane = async () => {
        while (next < plan.windows.length) {
          const w = plan.windows[next++]!;
          await activities.ingestWindow({ runId: 'direct', accountId: account.accountId, windowIndex: w.index, fromMs: w.fromMs, toMs: w.toMs });
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
      const period = { runId: 'direct', accountId: account.accountId, fromMs: plan.startMs, toMs: plan.endMs };
      await activities.postLedger(period);
      await activities.reconcilePeriod(period);
      inProcess.push((performance.now() - startedDirect) / 1000);
      await dropAndClose(direct);

      // The store's raw ceiling for as many documents.
      const raw = await connectMongo(stack.mongo.uri, `bench_raw_${randomUUID().slice(0, 8)}`);
      const startedRaw = performance.now();
      for (let offset = 0; offset < rows; offset += 1000) {
        await raw.db.collection('ceiling').insertMany(Array.from({ length: Math.min(1000, rows - offset) }, (_, i) => ({ _id: `k${offset + i}` as unknown as never, amount: '1.00', at: offset + i })), { ordered: false });
      }
      ceiling.push(rows / ((performance.now() - startedRaw) / 1000));
      await dropAndClose(raw);
    }
  } finally {
    capital.session.close();
    await simulator.close();
    await stack.stop();
  }
  const ratio = through.map((t, i) => t / (inProcess[i] as number));
  return [
    figure(`month of ${rows} transactions through Temporal`, 's', through),
    figure('throughput through Temporal', 'tx/s', through.map((t) => rows / t)),
    figure('same pipeline in-process (no Temporal)', 's', inProcess),
    figure('overhead ratio (Temporal ÷ in-process)', '×', ratio),
    figure('raw insertMany ceiling for as many docs', 'docs/s', ceiling),
    figure('peak RSS of the worker process', 'MB', [rss.stop()]),
    figure('largest history (events)', 'events', [historyEventsMax]),
    figure('largest payload', 'bytes', [payloadBytesMax]),
  ];
}

async function prepareDatabase(uri: string, account: { accountId: string } & Parameters<typeof booksBetween>[0]['account'], ctx: BenchContext): Promise<MongoHandle> {
  const mongo = await connectMongo(uri, `bench_${randomUUID().slice(0, 8)}`);
  await saveChartAndRules(mongo.db, { chart: loadDefaultChart(), ruleSets: loadDefaultRules() });
  await ensureBookIndexes(mongo.db);
  await ensureTransactionIndexes(mongo.db);
  await saveBookEntries(mongo.db, (function* () {
    for (const entry of booksBetween({ seed: 1, account, ...JANUARY })) yield parseBookRecord(entry);
  })());
  void ctx;
  return mongo;
}

async function dropAndClose(mongo: MongoHandle): Promise<void> {
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
}

/** Event count and largest payload over the parent's and its children's histories. */
async function historySizes(client: Awaited<ReturnType<typeof connectTemporalClient>>, workflowId: string, children: number) {
  let eventsMax = 0;
  let payloadBytesMax = 0;
  for (const id of [workflowId, ...Array.from({ length: children }, (_, i) => `${workflowId}:ingest:${i}`)]) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    eventsMax = Math.max(eventsMax, history.events?.length ?? 0);
    for (const event of history.events ?? []) {
      const bytes = JSON.stringify(event).length;
      payloadBytesMax = Math.max(payloadBytesMax, bytes);
    }
  }
  return { eventsMax, payloadBytesMax };
}

function peakRssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);
    },
  };
}
