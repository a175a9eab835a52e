/**
 * The streaming supervisor through Temporal against the simulator over WebSocket: 100 epics in
 * batches of 40, drops, sessions that expire within seconds, a silent feed, epics added and
 * removed while streaming, continue-as-new, and a clean stop. What the store holds is checked
 * against itself: every closed bar equals the bar rebuilt from the stored quotes of its bucket.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { aggregateQuotes, barKey } from '../../../lib/market/ohlc';
import { ensureIndexes } from '../../../lib/store/indexes';
import { latestQuotes, STREAMED_BARS, type StreamedBarDocument } from '../../../lib/store/market-bars';
import { STREAM_OHLC_BARS, type StreamOhlcDocument } from '../../../lib/store/market-stream-ohlc';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { canonical, toDecimal } from '../../../lib/money';
import { generatedPrices } from '../../../simulator/market-feed';
import { quotesBetween } from '../../../lib/store/market-quotes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { addStreamEpics, marketStreamStatus, removeStreamEpics, startMarketStream, stopMarketStream } from '../../../lib/temporal/market-streams';
import { allMarkets } from '../../../simulator/data/markets';
import type { MarketStreamState, StreamSettings } from '../../../workflows/market-stream';
import { streamStateQuery } from '../../../workflows/market-stream';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestMarketWorker, testStack, type TestMarketWorkerContext } from '../../helpers/stack';
import { recon } from '../../helpers/recon-cli';
import { until } from '../../helpers/until';
import { stopSentimentPolling } from '../../../lib/temporal/sentiment-schedules';

const SEED = 37;
const EPICS = allMarkets().slice(0, 100).map((market) => market.epic);
const EXTRA = allMarkets().slice(100, 110).map((market) => market.epic);

const FAST: Partial<StreamSettings> = {
  batchRunMs: 10 * 60_000,
  sessionPingMs: 2_000,
  sessionRenewMs: 5_000,
  tuning: { pingIntervalMs: 2_000, staleAfterMs: 2_000, silentFailAfterMs: 3_000, writeEveryMs: 50, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } },
};

/** Epics whose newest stored quote is newer than `sinceMs` (store time, from the simulator's clock). */
async function freshEpics(db: Db, epics: readonly string[], sinceMs: number): Promise<Set<string>> {
  return new Set((await latestQuotes(db, epics)).filter((quote) => quote.atMs > sinceMs).map((quote) => quote.epic));
}

describe('streaming supervisor against the simulator', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestMarketWorkerContext;
  let client: Client;
  let accountId: string;

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'stream');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED, quotesPerSecond: 2_000, session: { idleTimeoutMs: 10 * 60_000, hardLifetimeMs: 4_000, encryptionTimestampToleranceMs: 600_000 } });
    accountId = fixture.simulator.accounts()[0]!.accountId;
    ctx = await startTestMarketWorker(stack, mongo, () => fixture.client);
    client = ctx.client;
  });

  after(async () => {
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('100 epics stream in three batches of at most 40, through drops and sessions that expire after 4 s', async () => {
    const started = await startMarketStream(client, { accountId, streamId: 'hundred', epics: EPICS, taskQueue: ctx.taskQueue, settings: FAST });
    assert.equal(started.started, true);
    const t0 = fixture.simulator.core.clock.now();
    await until('quotes of all 100 epics stored', async () => (await freshEpics(mongo.db, EPICS, t0)).size === 100, 60_000);
    const status = await marketStreamStatus(client, accountId, 'hundred');
    assert.equal(status.running, true);
    assert.equal(status.state?.batches.length, 3);
    assert.ok(status.state!.batches.every((batch) => batch.epics.length <= 40));
    assert.deepEqual(status.state!.batches.flatMap((batch) => batch.epics).sort(), [...EPICS].sort());

    // Drops, and sessions dying under the stream: every epic keeps getting quotes.
    for (let round = 0; round < 3; round++) {
      fixture.simulator.streaming.dropAll();
      fixture.simulator.core.sessions.invalidateAll();
      const since = fixture.simulator.core.clock.now();
      await until(`quotes of all 100 epics after drop ${round + 1}`, async () => (await freshEpics(mongo.db, EPICS, since)).size === 100, 60_000);
    }
    const after = await marketStreamStatus(client, accountId, 'hundred');
    assert.ok(after.activities.length === 3, `three batch activities pending: ${after.activities.length}`);
    const reconnects = after.activities.reduce((sum, activity) => sum + (activity.progress?.reconnects ?? 0), 0);
    assert.ok(reconnects >= 3, `the batches reconnected (${reconnects})`);
    assert.ok((after.state?.totals.sessionRenewals ?? 0) + (after.state?.totals.sessionPings ?? 0) > 0, 'the supervisor pinged or renewed the session');

    assert.equal(await stopMarketStream(client, accountId, 'hundred'), true);
    const stopped = await marketStreamStatus(client, accountId, 'hundred');
    assert.equal(stopped.status, 'CANCELLED');
    assert.equal(stopped.activities.length, 0);
    await until('the simulator sees no connection left', async () => fixture.simulator.streaming.stats().connections === 0, 10_000);
  });

  test('stored closed bars equal the bars rebuilt from the stored quotes of their bucket', async () => {
    const documents = await mongo.db.collection<StreamedBarDocument>(STREAMED_BARS).find({ resolution: 'MINUTE' }).limit(20).toArray();
    if (documents.length === 0) {
      // The first test streamed for less than a minute: stream a few epics across a minute boundary.
      const epics = EPICS.slice(0, 3);
      await startMarketStream(client, { accountId, streamId: 'bars', epics, taskQueue: ctx.taskQueue, settings: FAST });
      await until('a closed MINUTE bar', async () => (await mongo.db.collection<StreamedBarDocument>(STREAMED_BARS).countDocuments({ resolution: 'MINUTE' })) > 0, 80_000);
      await stopMarketStream(client, accountId, 'bars');
      documents.push(...(await mongo.db.collection<StreamedBarDocument>(STREAMED_BARS).find({ resolution: 'MINUTE' }).limit(20).toArray()));
    }
    assert.ok(documents.length > 0);
    for (const document of documents) {
      const quotes = await quotesBetween(mongo.db, { epic: document.epic, fromMs: document.startMs, toMs: document.startMs + 59_999, limit: 100_000 });
      const rebuilt = aggregateQuotes(quotes.map((q) => ({ epic: q.epic, timestamp: q.atMs, bid: q.bid, ofr: q.ask })), ['MINUTE']).bars;
      assert.equal(rebuilt.length, 1, barKey(document));
      const [bar] = rebuilt;
      assert.deepEqual({ bid: document.bid, ask: document.ask, quoteCount: document.quoteCount, first: document.firstQuoteMs, last: document.lastQuoteMs }, { bid: bar!.bid, ask: bar!.ask, quoteCount: bar!.quoteCount, first: bar!.firstQuoteMs, last: bar!.lastQuoteMs }, barKey(document));
    }
  });

  test('epics added and removed while streaming restart only the batch they touch', async () => {
    await startMarketStream(client, { accountId, streamId: 'signals', epics: EPICS, taskQueue: ctx.taskQueue, settings: FAST });
    const handle = client.workflow.getHandle(`market-stream:${accountId}:signals`);
    await until('three batches streaming', async () => (await handle.query(streamStateQuery)).batches.filter((b) => b.status === 'streaming').length === 3);
    await addStreamEpics(client, accountId, 'signals', EXTRA);
    const added = await until('the extra epics placed', async () => {
      const state: MarketStreamState = await handle.query(streamStateQuery);
      return state.epics.length === 110 && state.batches.every((b) => b.status === 'streaming') ? state : undefined;
    });
    assert.equal(added.batches.length, 3, '110 epics still fit three connections');
    const runs = added.batches.map((batch) => batch.runs);
    assert.deepEqual(runs.filter((n) => n === 1).length, 2, `only the batch that took the new epics restarted: runs ${runs.join(', ')}`);
    const since = fixture.simulator.core.clock.now();
    await until('quotes of the added epics', async () => (await freshEpics(mongo.db, EXTRA, since)).size === EXTRA.length, 30_000);

    await removeStreamEpics(client, accountId, 'signals', EXTRA);
    // Three first runs, the restart that took the extras, the one that let them go.
    await until('the batch without the extras streaming', async () => {
      const state: MarketStreamState = await handle.query(streamStateQuery);
      return state.epics.length === 100 && state.totals.batchRuns === 5 && state.batches.every((b) => b.status === 'streaming');
    });
    const removedAt = fixture.simulator.core.clock.now();
    await sleep(1_500);
    assert.equal((await freshEpics(mongo.db, EXTRA, removedAt)).size, 0, 'removed epics get no more quotes');
    await stopMarketStream(client, accountId, 'signals');
  });

  test('a silent feed fails its batches, which restart with backoff and stream again once quotes return', async () => {
    const epics = EPICS.slice(0, 5);
    await startMarketStream(client, { accountId, streamId: 'silent', epics, taskQueue: ctx.taskQueue, settings: FAST });
    const handle = client.workflow.getHandle(`market-stream:${accountId}:silent`);
    await until('streaming', async () => (await freshEpics(mongo.db, epics, fixture.simulator.core.clock.now() - 1_000)).size === 5);
    fixture.simulator.setFaults({ silentFeed: true });
    try {
      const failed = await until('a failure seen by the supervisor', async () => {
        const state: MarketStreamState = await handle.query(streamStateQuery);
        return state.totals.batchFailures > 0 ? state : undefined;
      }, 30_000);
      assert.match(failed.batches[0]!.lastError ?? '', /silent feed/);
    } finally {
      fixture.simulator.setFaults({ silentFeed: false });
    }
    const since = fixture.simulator.core.clock.now();
    await until('quotes again after the silence', async () => (await freshEpics(mongo.db, epics, since)).size === 5, 60_000);
    await stopMarketStream(client, accountId, 'silent');
  });

  test('continue-as-new keeps the epics, their batches and the totals', async () => {
    const epics = EPICS.slice(0, 50);
    const started = await startMarketStream(client, { accountId, streamId: 'can', epics, taskQueue: ctx.taskQueue, settings: { ...FAST, sessionPingMs: 500, historyEventsMax: 60 } });
    const handle = client.workflow.getHandle(`market-stream:${accountId}:can`);
    const continued = await until('a continued run', async () => {
      const state: MarketStreamState = await handle.query(streamStateQuery);
      return state.totals.continuedAsNew > 0 && state.batches.every((b) => b.status === 'streaming') ? state : undefined;
    }, 60_000);
    const description = await handle.describe();
    assert.notEqual(description.runId, started.runId);
    assert.deepEqual(continued.epics, [...epics].sort());
    assert.deepEqual(continued.batches.map((b) => b.epics.length), [40, 10]);
    assert.ok(continued.totals.sessionPings > 0, 'totals carried over');
    const since = fixture.simulator.core.clock.now();
    await until('quotes after continue-as-new', async () => (await freshEpics(mongo.db, epics, since)).size === 50, 30_000);
    await stopMarketStream(client, accountId, 'can');
  });

  test('a start for a running stream adds its epics instead of starting another', async () => {
    const first = await startMarketStream(client, { accountId, streamId: 'twice', epics: EPICS.slice(0, 2), taskQueue: ctx.taskQueue, settings: FAST });
    const second = await startMarketStream(client, { accountId, streamId: 'twice', epics: EPICS.slice(2, 4), taskQueue: ctx.taskQueue });
    assert.equal(first.started, true);
    assert.equal(second.started, false);
    assert.equal(second.runId, first.runId);
    const state = await until('four epics', async () => {
      const s: MarketStreamState = await client.workflow.getHandle(`market-stream:${accountId}:twice`).query(streamStateQuery);
      return s.epics.length === 4 ? s : undefined;
    });
    assert.deepEqual(state.epics, EPICS.slice(0, 4).sort());
    await stopMarketStream(client, accountId, 'twice');
  });

  test("the broker's ohlc.event bars are stored as their own series once final", async () => {
    const epics = EPICS.slice(0, 3);
    await startMarketStream(client, { accountId, streamId: 'ohlc', epics, taskQueue: ctx.taskQueue, settings: { ...FAST, ohlcResolutions: ['MINUTE'] } });
    await until('ohlc frames', async () => (await marketStreamStatus(client, accountId, 'ohlc')).activities.some((a) => (a.progress?.sink.ohlcFrames ?? 0) >= 3));
    // The next minute starts on the simulator's clock: its first frames make the previous bars final.
    fixture.simulator.core.clock.advance(60_000);
    const stored = await until('final bars of all three epics', async () => {
      const documents = await mongo.db.collection<StreamOhlcDocument>(STREAM_OHLC_BARS).find({}).toArray();
      return new Set(documents.map((d) => d.epic)).size === 3 ? documents : undefined;
    });
    for (const bar of stored) {
      assert.equal(bar.resolution, 'MINUTE');
      const expected = generatedPrices.bar(bar.epic, 'MINUTE', bar.startMs);
      assert.deepEqual([bar.open, bar.high, bar.low, bar.close], [expected.o, expected.h, expected.l, expected.c].map((n) => canonical(toDecimal(n))), `${bar.epic} ${bar.priceType} ${new Date(bar.startMs).toISOString()}`);
      assert.equal(bar.instrumentId, instrumentId(bar.epic));
    }
    await stopMarketStream(client, accountId, 'ohlc');
  });

  test('recon stream start, add, status, remove and stop, as a user runs them', async () => {
    const stack = testStack();
    const env = { TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: stack.namespace, MONGODB_URI: stack.mongoUri, RECON_MARKET_TASK_QUEUE: ctx.taskQueue, TEMPORAL_TASK_QUEUE: `no-recon-worker-${SEED}` };
    const account = ['--account', accountId, '--stream', 'cli'];
    const started = await recon(env, 'stream', 'start', ...account, '--epics', EPICS.slice(0, 3).join(','), '--sentiment-every', '600');
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /Started market-stream:.*:cli with 3 epics/);
    assert.match(started.stdout, /Client sentiment of 3 markets is polled every 600 s/);
    assert.equal((await recon(env, 'stream', 'add', ...account, '--epics', EPICS[3]!)).code, 0);
    const status = await until('a status with four epics streaming', async () => {
      const result = await recon(env, 'stream', 'status', ...account, '--json');
      const parsed = JSON.parse(result.stdout) as { state?: MarketStreamState; activities: unknown[]; sentiment: { exists: boolean; marketIds: string[] } };
      return parsed.state?.epics.length === 4 && parsed.activities.length === 1 ? parsed : undefined;
    });
    assert.deepEqual(status.sentiment.marketIds, EPICS.slice(0, 3).sort());
    const table = await recon(env, 'stream', 'status', ...account);
    assert.match(table.stdout, /4 epics in 1 batches/);
    assert.match(table.stdout, /batch\s+epics\s+status/);
    assert.equal((await recon(env, 'stream', 'remove', ...account, '--epics', EPICS[3]!)).code, 0);
    const bad = await recon(env, 'stream', 'add', ...account, '--epics', 'not an epic');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /epic/);
    const stopped = await recon(env, 'stream', 'stop', ...account);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /Stopped the cli stream/);
    assert.match((await recon(env, 'stream', 'status', ...account)).stdout, /not running \(CANCELLED\)/);
    await stopSentimentPolling(client, accountId);
  });
});
