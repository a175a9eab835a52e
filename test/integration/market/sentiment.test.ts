/**
 * Client sentiment through the real worker against the simulator over HTTP: a poll stores one
 * point per market with the simulator's exact percentages, a repeated poll stores nothing, calls
 * are cut to the broker's size with unknown markets reported, the Schedule is created, updated,
 * run and deleted, the API and `recon sentiment` answer the stored history, and each poll prunes
 * points past the retention.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SENTIMENT_MARKETS_PER_CALL, createSentimentActivities, type SentimentPollResult } from '../../../activities/market-sentiment';
import { parseTokenSpec } from '../../../api/auth/tokens';
import type { SentimentHistoryAnswer } from '../../../api/routes/market-sentiment';
import { buildApi } from '../../../api/server';
import type { CapitalClient } from '../../../lib/capital';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { canonical, toDecimal } from '../../../lib/money';
import { ensureIndexes } from '../../../lib/store/indexes';
import { latestSentiments, SENTIMENT_DAY_PREFIX, sentimentCollectionOf, sentimentDocuments, sentimentHistory, storeSentiment, type SentimentDocument } from '../../../lib/store/market-sentiment';
import type { MongoHandle } from '../../../lib/store/mongo';
import { sentimentPollingStatus, startSentimentPolling, stopSentimentPolling, triggerSentimentPoll, type SentimentPollingStatus } from '../../../lib/temporal/sentiment-schedules';
import { sentimentAt } from '../../../simulator/data';
import { allMarkets } from '../../../simulator/data/markets';
import { pollMarketSentiment } from '../../../workflows/market-sentiment';
import { recon } from '../../helpers/recon-cli';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 31;
const TOKEN = 's'.repeat(40);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A six-hour knot of the simulator's sentiment curve. */
const FROZEN_AT_MS = Date.UTC(2025, 2, 4, 12);
const MARKETS = ['BTCUSD', 'GOLD', 'SILVER'];
/** Shaped like an epic, unknown to the simulator. */
const UNKNOWN = 'NOSUCHMARKET';

const iso = (ms: number) => new Date(ms).toISOString();
/** The simulator's number as the exact decimal text it puts on the wire. */
const exact = (value: number) => canonical(toDecimal(value));

describe('client sentiment against the simulator', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  let capital: CapitalClient;
  let accountId: string;
  let first: SentimentPollResult;
  const scheduledAccounts: string[] = [];

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'sentiment');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED });
    accountId = fixture.simulator.accounts()[0]!.accountId;
    // One client for the worker and the direct calls: a second login would wait on a frozen clock.
    capital = fixture.client;
    ctx = await startTestWorker(stack, mongo, () => capital);
    app = buildApi({ temporal: ctx.client, taskQueue: ctx.taskQueue, db: mongo.db, statementsDir: ctx.statementsDir, tokens: parseTokenSpec(`desk:${TOKEN}:market:read`), log: quietLog });
    await app.ready();
  });

  after(async () => {
    for (const account of scheduledAccounts) await stopSentimentPolling(ctx.client, account).catch(() => undefined);
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  function activities(sentimentRetentionDays = 90) {
    return createSentimentActivities({ db: mongo.db, log: quietLog, capitalFor: () => capital, sentimentRetentionDays });
  }

  async function pointsOf(marketId: string, atMs: number): Promise<SentimentDocument[]> {
    return sentimentHistory(mongo.db, { marketId, fromMs: atMs, toMs: atMs, limit: 10 });
  }

  test("a poll stores one point per market with the simulator's exact percentages; an unknown market is reported, not fatal", async () => {
    fixture.simulator.core.clock.freeze(FROZEN_AT_MS);
    first = await ctx.client.workflow.execute(pollMarketSentiment, { taskQueue: ctx.taskQueue, workflowId: `sentiment-it:first:${randomUUID()}`, args: [{ accountId, marketIds: [...MARKETS, UNKNOWN] }] });
    assert.equal(first.markets, 4);
    assert.equal(first.stored, 3);
    assert.deepEqual(first.unknownMarketIds, [UNKNOWN]);
    assert.equal(first.unknownCount, 1);
    assert.equal(first.setAsideCount, 0);
    for (const marketId of MARKETS) {
      const expected = sentimentAt(marketId, FROZEN_AT_MS);
      const points = await pointsOf(marketId, first.atMs);
      assert.equal(points.length, 1, marketId);
      const [point] = points;
      assert.equal(point!.longPercent, exact(expected.longPositionPercentage), `${marketId} long`);
      assert.equal(point!.shortPercent, exact(expected.shortPositionPercentage), `${marketId} short`);
      assert.equal(toDecimal(point!.longPercent).plus(point!.shortPercent).toFixed(), '100');
      assert.equal(point!.instrumentId, instrumentId(marketId));
      assert.match(point!.sourceId, /^sentiment-it:first:/);
    }
    assert.deepEqual(await pointsOf(UNKNOWN, first.atMs), []);
  });

  test('the same poll again stores nothing and changes nothing', async () => {
    fixture.simulator.core.clock.freeze(FROZEN_AT_MS + 2_000);
    const day = mongo.db.collection(sentimentCollectionOf(first.atMs));
    const before = await day.find({}).sort({ _id: 1 }).toArray();
    const again = await activities().pollClientSentiment({ accountId, marketIds: [...MARKETS, UNKNOWN], atMs: first.atMs, sourceId: 'a-retry' });
    assert.equal(again.stored, 0);
    assert.equal(again.alreadyStored, 3);
    assert.deepEqual(await day.find({}).sort({ _id: 1 }).toArray(), before);
    const latest = await latestSentiments(mongo.db, MARKETS);
    assert.deepEqual(latest.map((point) => [point.marketId, point.atMs, point.sourceId === 'a-retry']), MARKETS.map((marketId) => [marketId, first.atMs, false]));
  });

  test('a late poll of an earlier time adds its points without moving the latest back', async () => {
    fixture.simulator.core.clock.freeze(FROZEN_AT_MS + 4_000);
    const late = await activities().pollClientSentiment({ accountId, marketIds: MARKETS, atMs: first.atMs - HOUR_MS, sourceId: 'a-late-poll' });
    assert.equal(late.stored, 3);
    const latest = await latestSentiments(mongo.db, MARKETS);
    assert.deepEqual(latest.map((point) => point.atMs), [first.atMs, first.atMs, first.atMs]);
  });

  test('the API answers the history oldest first, the newest `limit`, and the latest of each market', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const range = `from=${iso(first.atMs - 2 * HOUR_MS)}&to=${iso(first.atMs)}`;
    const history = await app.inject({ method: 'GET', url: `/market/sentiment/GOLD?${range}`, headers });
    assert.equal(history.statusCode, 200, history.body);
    const answer = history.json() as SentimentHistoryAnswer;
    assert.equal(answer.instrumentId, instrumentId('GOLD'));
    assert.deepEqual(answer.points.map((point) => [point.at, point.sourceId.startsWith('sentiment-it:first:') ? 'first' : point.sourceId]), [[iso(first.atMs - HOUR_MS), 'a-late-poll'], [iso(first.atMs), 'first']]);
    const gold = sentimentAt('GOLD', FROZEN_AT_MS);
    assert.deepEqual([answer.points[1]!.longPercent, answer.points[1]!.shortPercent], [exact(gold.longPositionPercentage), exact(gold.shortPositionPercentage)]);

    const newest = await app.inject({ method: 'GET', url: `/market/sentiment/GOLD?${range}&limit=1`, headers });
    assert.deepEqual((newest.json() as SentimentHistoryAnswer).points.map((point) => point.at), [iso(first.atMs)]);

    const latest = await app.inject({ method: 'GET', url: `/market/sentiment?marketIds=GOLD,SILVER,${UNKNOWN}`, headers });
    assert.equal(latest.statusCode, 200, latest.body);
    const body = latest.json() as { items: Array<{ marketId: string; at: string; longPercent: string }>; missing: string[] };
    assert.deepEqual(body.items.map((item) => [item.marketId, item.at, item.longPercent]), [['GOLD', iso(first.atMs), exact(gold.longPositionPercentage)], ['SILVER', iso(first.atMs), exact(sentimentAt('SILVER', FROZEN_AT_MS).longPositionPercentage)]]);
    assert.deepEqual(body.missing, [UNKNOWN]);

    const backwards = await app.inject({ method: 'GET', url: `/market/sentiment/GOLD?from=${iso(first.atMs)}&to=${iso(first.atMs - HOUR_MS)}`, headers });
    assert.equal(backwards.statusCode, 400);
    const badMarket = await app.inject({ method: 'GET', url: '/market/sentiment/gold', headers });
    assert.equal(badMarket.statusCode, 400);
    const anonymous = await app.inject({ method: 'GET', url: '/market/sentiment/GOLD' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('recon sentiment prints the stored history', async () => {
    const env = { MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName, LOG_LEVEL: 'silent' };
    const json = await recon(env, 'sentiment', 'SILVER', '--from', iso(first.atMs - 2 * HOUR_MS), '--to', iso(first.atMs), '--json');
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as SentimentHistoryAnswer;
    const silver = sentimentAt('SILVER', FROZEN_AT_MS);
    assert.deepEqual(answer.points.map((point) => point.at), [iso(first.atMs - HOUR_MS), iso(first.atMs)]);
    assert.equal(answer.points[1]!.shortPercent, exact(silver.shortPositionPercentage));
    const table = await recon(env, 'sentiment', 'SILVER', '--from', iso(first.atMs - 2 * HOUR_MS), '--to', iso(first.atMs));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${exact(silver.longPositionPercentage).replace('.', '\\.')}\\s+${exact(silver.shortPositionPercentage).replace('.', '\\.')}`));
    assert.match(table.stdout, /SILVER \(ins_[0-9a-f]{16}\): 2 points/);
  });

  test(`markets are read ${SENTIMENT_MARKETS_PER_CALL} per call (the simulator refuses more than 100); a refused call is read market by market`, async () => {
    const epics = allMarkets().map((market) => market.epic).slice(0, 110);
    assert.equal(epics.length, 110, 'the simulator lists enough markets');
    const asked = [...epics, UNKNOWN].sort();
    const chunkOfUnknown = Math.floor(asked.indexOf(UNKNOWN) / SENTIMENT_MARKETS_PER_CALL);
    const chunkSize = asked.slice(chunkOfUnknown * SENTIMENT_MARKETS_PER_CALL, (chunkOfUnknown + 1) * SENTIMENT_MARKETS_PER_CALL).length;

    fixture.simulator.core.clock.unfreeze();
    const startedAtMs = fixture.simulator.core.clock.now();
    const result = await ctx.client.workflow.execute(pollMarketSentiment, { taskQueue: ctx.taskQueue, workflowId: `sentiment-it:chunks:${randomUUID()}`, args: [{ accountId, marketIds: asked }] });
    const endedAtMs = fixture.simulator.core.clock.now();
    assert.equal(result.markets, 111);
    assert.equal(result.stored, 110);
    assert.deepEqual(result.unknownMarketIds, [UNKNOWN]);
    assert.equal(result.calls, 3 + chunkSize, 'three calls of up to 50, then the refused one market by market');

    // The clock ran during the poll: each point is what the simulator answered at some instant of it.
    for (const epic of epics) {
      const [point] = await pointsOf(epic, result.atMs);
      assert.ok(point, `${epic} stored`);
      let seen = false;
      for (let atMs = startedAtMs; atMs <= endedAtMs && !seen; atMs++) {
        const expected = sentimentAt(epic, atMs);
        seen = point.longPercent === exact(expected.longPositionPercentage) && point.shortPercent === exact(expected.shortPositionPercentage);
      }
      assert.ok(seen, `${epic}: ${point.longPercent}/${point.shortPercent} is the simulator's reading during the poll`);
    }
  });

  test('the Schedule is created, updated in place, runs, and is deleted', async () => {
    const account = `SENT-${randomUUID().slice(0, 8)}`;
    scheduledAccounts.push(account);
    const created = await startSentimentPolling(ctx.client, { accountId: account, marketIds: ['GOLD'], everySeconds: 60, taskQueue: ctx.taskQueue });
    assert.equal(created.scheduleId, `recon-sentiment:${account}`);
    assert.equal(created.exists, true);
    assert.equal(created.intervalSeconds, 60);
    assert.deepEqual(created.marketIds, ['GOLD']);
    assert.equal(created.taskQueue, ctx.taskQueue);

    const updated = await startSentimentPolling(ctx.client, { accountId: account, marketIds: ['SILVER', 'GOLD'], everySeconds: 120, taskQueue: ctx.taskQueue });
    assert.equal(updated.intervalSeconds, 120);
    assert.deepEqual(updated.marketIds, ['GOLD', 'SILVER']);

    const cli = await recon({ LOG_LEVEL: 'silent' }, 'sentiment', 'status', '--account', account, '--json');
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual((JSON.parse(cli.stdout) as SentimentPollingStatus).marketIds, ['GOLD', 'SILVER']);

    await triggerSentimentPoll(ctx.client, account);
    let status: SentimentPollingStatus | undefined;
    for (let round = 0; round < 120; round++) {
      status = await sentimentPollingStatus(ctx.client, account);
      if (status.recentRuns.some((run) => run.status === 'COMPLETED')) break;
      await sleep(500);
    }
    const run = status?.recentRuns.find((r) => r.status === 'COMPLETED');
    assert.ok(run, `a scheduled poll completed: ${JSON.stringify(status?.recentRuns)}`);
    assert.ok(run.workflowId.startsWith(`recon-sentiment:${account}`), run.workflowId);
    const result = (await ctx.client.workflow.getHandle(run.workflowId).result()) as SentimentPollResult;
    assert.equal(result.stored, 2);
    assert.ok(Math.abs(result.atMs - Date.parse(run.scheduledAt)) < 1_000, `the poll's time ${iso(result.atMs)} is the scheduled time ${run.scheduledAt}`);
    for (const marketId of ['GOLD', 'SILVER']) {
      const [point] = await pointsOf(marketId, result.atMs);
      assert.equal(point?.sourceId, run.workflowId);
    }

    assert.equal(await stopSentimentPolling(ctx.client, account), true);
    assert.equal((await sentimentPollingStatus(ctx.client, account)).exists, false);
    assert.equal(await stopSentimentPolling(ctx.client, account), false);
  });

  test('each poll prunes points past the retention: whole days dropped, the cut day point by point', async () => {
    const pollAtMs = Date.UTC(2025, 5, 1, 12);
    const cutMs = pollAtMs - 90 * DAY_MS;
    const old = (marketId: string, atMs: number) => sentimentDocuments([{ marketId, longPercent: '40', shortPercent: '60' }], { atMs, sourceId: 'seeded', receivedAtMs: atMs })[0]!;
    const seeded = [old('OLDMARKET', cutMs - 40 * DAY_MS), old('OLDMARKET', cutMs - 60_000), old('OLDMARKET', cutMs + 60_000), old('OLDMARKET', pollAtMs - 31 * DAY_MS), old('STALEMARKET', cutMs - 40 * DAY_MS)];
    await storeSentiment(mongo.db, seeded);
    const history = async (marketId: string) => (await sentimentHistory(mongo.db, { marketId, fromMs: 0, toMs: pollAtMs, limit: 100 })).map((point) => point.atMs);

    const pruned = await activities(90).pollClientSentiment({ accountId, marketIds: ['GOLD'], atMs: pollAtMs, sourceId: 'retention-90' });
    assert.equal(pruned.pruned.droppedDays, 1);
    assert.equal(pruned.pruned.deletedPoints, 2, 'the cut day point and the stale latest point');
    assert.deepEqual(await history('OLDMARKET'), [cutMs + 60_000, pollAtMs - 31 * DAY_MS]);
    assert.deepEqual(await history('STALEMARKET'), []);
    assert.deepEqual((await latestSentiments(mongo.db, ['OLDMARKET', 'STALEMARKET'])).map((point) => point.marketId), ['OLDMARKET']);
    const days = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => name.startsWith(SENTIMENT_DAY_PREFIX));
    assert.ok(!days.includes(sentimentCollectionOf(cutMs - 40 * DAY_MS)), 'the old day is gone');

    await activities(30).pollClientSentiment({ accountId, marketIds: ['GOLD'], atMs: pollAtMs, sourceId: 'retention-30' });
    assert.deepEqual(await history('OLDMARKET'), [], 'a shorter retention prunes the month-old point too');
    assert.equal((await pointsOf('GOLD', first.atMs)).length, 1, 'newer points stay');
  });
});
