import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { startDevStack } from '../lib/devstack';
import { connectTemporalClient } from '../lib/temporal/client';
import { marketStreamStatus, startMarketStream, stopMarketStream, type StreamStatus } from '../lib/temporal/market-streams';
import { connectMongo } from '../lib/store/mongo';
import { allMarkets } from '../simulator/data/markets';
import { workflowBundle } from '../workers/bundle';
import { MALLOC_ARENAS_DEFAULT, workerHeapOptions } from '../workers/heap-budget';
import { startBenchChild } from './children';
import { Measurements, median, type Figure } from './harness';
import type { MarketWorkerChildArgs } from './market-worker-child';
import type { BenchContext } from './run';
import type { StreamSimulatorChildArgs } from './stream-simulator-child';

const EPICS = allMarkets()
  .slice(0, 100)
  .map((market) => market.epic);
/** Offered total quote rates of the throughput ramp. */
const RAMP = [2_500, 5_000, 10_000, 15_000, 20_000];
const RAMP_SECONDS = 40;
const LATENCY_RATE = 1_000;
const LATENCY_SECONDS = 60;
/** The memory run's rate: half the target, a busy but realistic stream. */
const MEMORY_RATE = 5_000;
/** A rate is sustained when this share of the offered quotes is processed into bars, nothing is shed ... */
const SUSTAINED_SHARE = 0.98;
/** ... and the receipt-to-stored p99 stays under this. */
const SUSTAINED_P99_MS = 1_000;

interface SimulatorReady {
  url: string;
  credentials: { apiKey: string; identifier: string; password: string };
  accountId: string;
  controlUrl: string;
}
interface SimulatorStats {
  quotesSent: number;
  quotesDropped: number;
  connections: number;
}

/**
 * Streaming into the store through the real market-data worker (its own process) and the
 * supervisor workflow, from the simulator (its own process) over WebSocket, 100 epics in three
 * connections: the throughput ramp and the receipt-to-stored latency at 1,000 quotes/s.
 */
export async function marketStream(ctx: BenchContext): Promise<Figure[]> {
  return streamBench(ctx, 'throughput');
}

/**
 * The worker's RSS over a long stream (`--minutes`, default 10) at 5,000 quotes/s, with the heap
 * budget and malloc arenas `recon worker` runs with (RECON_WORKER_HEAP_MB, MALLOC_ARENA_MAX).
 */
export async function marketStreamMemory(ctx: BenchContext): Promise<Figure[]> {
  return streamBench(ctx, 'memory');
}

async function streamBench(ctx: BenchContext, part: 'throughput' | 'memory'): Promise<Figure[]> {
  const stack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const database = `bench_stream_${randomUUID().slice(0, 8)}`;
  const mongo = await connectMongo(stack.mongo.uri, database);
  const simulatorChild = startBenchChild('stream-simulator-child.ts', { seed: 1, quotesPerSecond: LATENCY_RATE } satisfies StreamSimulatorChildArgs);
  const m = new Measurements();
  let client: Client | undefined;
  let workerChild: ReturnType<typeof startBenchChild> | undefined;
  try {
    const simulator = await simulatorChild.nextMessage<SimulatorReady>();
    await workflowBundle(ctx.config.cacheDir, ctx.log);
    const taskQueue = `bench-market-${randomUUID().slice(0, 8)}`;
    const temporal = { address: stack.temporal.address, namespace: stack.temporal.namespace, taskQueue };
    const budget = { NODE_OPTIONS: [process.env.NODE_OPTIONS, ...workerHeapOptions(ctx.config.worker.heapMb)].filter(Boolean).join(' '), MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? MALLOC_ARENAS_DEFAULT };
    workerChild = startBenchChild('market-worker-child.ts', { temporal, mongoUri: stack.mongo.uri, database, cacheDir: ctx.config.cacheDir, capital: { baseUrl: simulator.url, ...simulator.credentials } } satisfies MarketWorkerChildArgs, part === 'memory' ? budget : {});
    await workerChild.nextMessage<{ ready: true }>();
    client = await connectTemporalClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
    const phase = phaseRunner(client, simulator, taskQueue);

    for (let run = 0; part === 'throughput' && run < ctx.runs; run++) {
      let sustained = 0;
      for (const rate of RAMP) {
        const result = await phase(rate, RAMP_SECONDS, `ramp-${run}-${rate}`);
        const offered = result.sentPerSecond;
        m.add(`offered ${rate}/s: quotes processed into bars`, 'quotes/s', result.receivedPerSecond);
        m.add(`offered ${rate}/s: distinct quotes stored`, 'quotes/s', result.storedPerSecond);
        m.add(`offered ${rate}/s: exact repeats recognised (not stored)`, 'quotes/s', result.repeatedPerSecond);
        m.add(`offered ${rate}/s: receipt-to-stored p99 (slowest batch)`, 'ms', result.p99Ms);
        if (result.receivedPerSecond >= SUSTAINED_SHARE * offered && result.droppedShare <= 1 - SUSTAINED_SHARE && result.shed === 0 && result.p99Ms <= SUSTAINED_P99_MS) sustained = Math.max(sustained, result.receivedPerSecond);
        ctx.log.info({ rate, ...result }, 'ramp step');
      }
      m.add('highest sustained rate: quotes/s per worker into bars and the store (none shed, p99 ≤ 1 s)', 'quotes/s', sustained);
      const latency = await phase(LATENCY_RATE, LATENCY_SECONDS, `latency-${run}`);
      m.add(`at ${LATENCY_RATE} quotes/s: receipt-to-stored p50 (slowest batch)`, 'ms', latency.p50Ms);
      m.add(`at ${LATENCY_RATE} quotes/s: receipt-to-stored p99 (slowest batch)`, 'ms', latency.p99Ms);
      m.add(`at ${LATENCY_RATE} quotes/s: one store write, p99 (slowest batch)`, 'ms', latency.writeP99Ms);
    }

    if (part === 'throughput') return [...m.series.keys()].flatMap((name) => m.figures([name]));
    const minutes = ctx.minutes;
    const memory = await phase(MEMORY_RATE, minutes * 60, 'memory');
    await workerChild.stop();
    const { rssSamples, peakRssMb } = await workerChild.nextMessage<{ peakRssMb: number; rssSamples: Array<[number, number]> }>();
    workerChild = undefined;
    const during = rssSamples.filter(([atMs]) => atMs >= memory.startedAtMs && atMs <= memory.endedAtMs);
    const firstMinute = during.filter(([atMs]) => atMs < memory.startedAtMs + 60_000).map(([, mb]) => mb);
    const lastMinute = during.filter(([atMs]) => atMs > memory.endedAtMs - 60_000).map(([, mb]) => mb);
    m.add(`${minutes}-minute stream at ${MEMORY_RATE} quotes/s: worker RSS, first minute (median)`, 'MB', median(firstMinute));
    m.add(`${minutes}-minute stream at ${MEMORY_RATE} quotes/s: worker RSS, last minute (median)`, 'MB', median(lastMinute));
    m.add(`${minutes}-minute stream at ${MEMORY_RATE} quotes/s: worker RSS growth per minute after the first (least squares)`, 'MB/min', slopePerMinute(during.filter(([atMs]) => atMs >= memory.startedAtMs + 60_000)));
    m.add(`${minutes}-minute stream at ${MEMORY_RATE} quotes/s: quotes stored`, 'quotes/s', memory.storedPerSecond);
    m.add(`worker heap budget (--max-old-space-size)`, 'MB', ctx.config.worker.heapMb);
    m.add('worker peak RSS over the whole run', 'MB', peakRssMb);
    return [...m.series.keys()].flatMap((name) => m.figures([name]));
  } finally {
    await client?.connection.close();
    await workerChild?.stop();
    await simulatorChild.stop();
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await stack.stop();
  }
}

/** Streams the 100 epics at `rate` for `seconds` under a fresh supervisor, and measures the steady state. */
function phaseRunner(client: Client, simulator: SimulatorReady, taskQueue: string) {
  const control = async <T>(path: string, method = 'GET'): Promise<T> => (await (await fetch(`${simulator.controlUrl}${path}`, { method })).json()) as T;
  return async (rate: number, seconds: number, streamId: string) => {
    await control(`/rate?quotesPerSecond=${rate}`, 'POST');
    await startMarketStream(client, { accountId: simulator.accountId, streamId, epics: EPICS, taskQueue, settings: { batchRunMs: 2 * 60 * 60_000 } });
    // Warm-up: every batch connected and reporting.
    const deadline = Date.now() + 60_000;
    let status: StreamStatus;
    do {
      await sleep(1_000);
      status = await marketStreamStatus(client, simulator.accountId, streamId);
      if (Date.now() > deadline) throw new Error(`the ${streamId} stream did not start within 60 s`);
    } while (status.activities.length < 3 || status.activities.some((a) => (a.progress?.sink.quotesReceived ?? 0) === 0));
    await sleep(3_000);
    const before = await marketStreamStatus(client, simulator.accountId, streamId);
    const simulatorBefore = await control<SimulatorStats>('/stats');
    const startedAtMs = Date.now();
    await sleep(seconds * 1_000);
    const after = await marketStreamStatus(client, simulator.accountId, streamId);
    const simulatorAfter = await control<SimulatorStats>('/stats');
    const endedAtMs = Date.now();
    await stopMarketStream(client, simulator.accountId, streamId, 120_000);
    const elapsedSeconds = (endedAtMs - startedAtMs) / 1_000;
    const sent = simulatorAfter.quotesSent - simulatorBefore.quotesSent;
    const dropped = simulatorAfter.quotesDropped - simulatorBefore.quotesDropped;
    const rates = ratesBetween(before, after);
    const latency = latencies(after);
    return {
      startedAtMs,
      endedAtMs,
      sentPerSecond: sent / elapsedSeconds,
      droppedShare: sent + dropped > 0 ? dropped / (sent + dropped) : 0,
      ...rates,
      ...latency,
      shed: after.activities.reduce((sum, activity) => sum + (activity.progress?.sink.quotesShed ?? 0), 0),
    };
  };
}

/**
 * Quotes/s processed (aggregated into bars), stored, and recognised as exact repeats, summed over
 * the batches: each batch's counts divided by the time between the two progress reports.
 */
function ratesBetween(before: StreamStatus, after: StreamStatus): { receivedPerSecond: number; storedPerSecond: number; repeatedPerSecond: number } {
  const rates = { receivedPerSecond: 0, storedPerSecond: 0, repeatedPerSecond: 0 };
  for (const later of after.activities) {
    const earlier = before.activities.find((activity) => activity.activityId === later.activityId)?.progress;
    const latest = later.progress;
    if (!earlier || !latest || latest.atMs <= earlier.atMs) continue;
    const seconds = (latest.atMs - earlier.atMs) / 1_000;
    rates.receivedPerSecond += (latest.sink.quotesReceived - earlier.sink.quotesReceived) / seconds;
    rates.storedPerSecond += (latest.sink.quotesStored - earlier.sink.quotesStored) / seconds;
    rates.repeatedPerSecond += (latest.sink.repeatedQuotes - earlier.sink.repeatedQuotes) / seconds;
  }
  return rates;
}

/** The slowest batch's percentiles over its last complete 15-s window. */
function latencies(status: StreamStatus): { p50Ms: number; p99Ms: number; writeP99Ms: number } {
  const sinks = status.activities.flatMap((activity) => (activity.progress ? [activity.progress.sink] : []));
  return {
    p50Ms: Math.max(0, ...sinks.map((sink) => sink.recentLatency.p50Ms ?? 0)),
    p99Ms: Math.max(0, ...sinks.map((sink) => sink.recentLatency.p99Ms ?? 0)),
    writeP99Ms: Math.max(0, ...sinks.map((sink) => sink.writeMs.p99Ms ?? 0)),
  };
}

function slopePerMinute(samples: Array<[number, number]>): number {
  if (samples.length < 2) return 0;
  const xs = samples.map(([atMs]) => atMs / 60_000);
  const ys = samples.map(([, mb]) => mb);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < xs.length; i++) {
    numerator += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
    denominator += ((xs[i] as number) - meanX) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}
