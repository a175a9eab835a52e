/**
 * Historical prices through the real worker against the simulator over HTTP: back-fills page
 * `GET /prices` by 1000 with no gap or overlap, never store the forming bar, never ask twice for
 * what they fetched (a closed market included), merge with streamed bars (closed broker bars win,
 * a forming streamed bar shows), and the API and `recon prices` answer the simulator's own bars.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseTokenSpec } from '../../../api/auth/tokens';
import type { OhlcAnswer } from '../../../api/routes/market';
import { buildApi } from '../../../api/server';
import { ApplicationFailure } from '@temporalio/common';
import { createBackfillActivities } from '../../../activities/market-backfill';
import { CapitalClient, CapitalRequestError } from '../../../lib/capital';
import { pricesResponseSchema } from '../../../lib/capital/schemas/prices';
import { restBaseUrl } from '../../../lib/capital/environments';
import { limitersForUser } from '../../../lib/capital/rate-limit';
import { CapitalSession } from '../../../lib/capital/session';
import { CapitalTransport } from '../../../lib/capital/transport';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { canonical, toDecimal } from '../../../lib/money';
import { aggregateQuotes, type QuoteBar } from '../../../lib/market/ohlc';
import { bucketEndMs, bucketStartMs, type Resolution } from '../../../lib/market/resolutions';
import { ensureIndexes } from '../../../lib/store/indexes';
import { brokerBarsBetween, coveredRanges } from '../../../lib/store/market-broker-bars';
import { storeStreamedBars } from '../../../lib/store/market-bars';
import type { MongoHandle } from '../../../lib/store/mongo';
import { barPoints, bars as simulatorBars, type PriceBar as SimulatorBar } from '../../../simulator/data';
import { allMarkets } from '../../../simulator/data/markets';
import { backfillPrices } from '../../../workflows/market-backfill';
import { recon } from '../../helpers/recon-cli';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 29;
const TOKEN = 'p'.repeat(40);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Trades around the clock, so every hour has a bar. */
const EPIC = 'BTCUSD';

interface PricesCall {
  epic: string;
  resolution: string | null;
  max: number;
  from: string;
  to: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const queryMs = (text: string) => Date.parse(`${text}Z`);
const price = (value: number) => canonical(toDecimal(value));

/** A client of the simulator whose every `GET /prices` request is recorded as it goes over the wire. */
function recordingClient(fixture: SimulatorFixture, calls: PricesCall[]): CapitalClient {
  const capital = { environment: 'custom' as const, baseUrl: fixture.simulator.url, ...fixture.simulator.credentials };
  const recordingFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const match = /\/prices\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const query = url.searchParams;
      calls.push({ epic: decodeURIComponent(match[1]!), resolution: query.get('resolution'), max: Number(query.get('max')), from: query.get('from') ?? '', to: query.get('to') ?? '' });
    }
    return fetch(input, init);
  };
  const transport = new CapitalTransport({ baseUrl: restBaseUrl(capital), limiters: limitersForUser(`prices-it-${randomUUID()}`, { demo: false }), log: quietLog, retry: { baseDelayMs: 5, maxDelayMs: 50 }, fetch: recordingFetch });
  const session = new CapitalSession({ transport, credentials: fixture.simulator.credentials, log: quietLog });
  return new CapitalClient(session, transport);
}

/** The simulator's own bars with bucket starts in [fromMs, toMs), by start. */
function simulatorBarsBetween(epic: string, resolution: Resolution, fromMs: number, toMs: number): Map<number, SimulatorBar> {
  return new Map(simulatorBars(epic, resolution, fromMs, toMs).map((bar) => [Date.parse(`${bar.snapshotTimeUTC}Z`), bar]));
}

function assertSameAsSimulator(bar: OhlcAnswer['bars'][number], expected: SimulatorBar | undefined): void {
  assert.ok(expected, `the simulator has a bar at ${bar.time}`);
  assert.deepEqual(
    { bid: bar.bid, ask: bar.ask, volume: bar.volume },
    {
      bid: { open: price(expected.openPrice.bid), high: price(expected.highPrice.bid), low: price(expected.lowPrice.bid), close: price(expected.closePrice.bid) },
      ask: { open: price(expected.openPrice.ask), high: price(expected.highPrice.ask), low: price(expected.lowPrice.ask), close: price(expected.closePrice.ask) },
      volume: expected.lastTradedVolume,
    },
    `bar ${bar.time}`,
  );
}

/** Waits until at least `marginMs` is left in the current bucket, so a forming bar stays forming for a while. */
async function awayFromBucketEnd(resolution: Resolution, marginMs: number): Promise<void> {
  const leftMs = bucketEndMs(resolution, bucketStartMs(resolution, Date.now())) - Date.now();
  if (leftMs < marginMs) await sleep(leftMs + 1_000);
}

/** A bar built from two quotes in the bucket starting at `startMs`, far from any real price. */
function streamedBar(epic: string, resolution: Resolution, startMs: number): QuoteBar {
  const quotes = [
    { epic, timestamp: startMs + 1_000, bid: '1.5', ofr: '2.5' },
    { epic, timestamp: startMs + 2_000, bid: '1.25', ofr: '2.25' },
  ];
  const [bar] = aggregateQuotes(quotes, [resolution]).bars;
  return bar!;
}

describe('historical prices: back-fill from GET /prices, merged with streamed bars', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  const calls: PricesCall[] = [];
  /** A closed stretch of 1,190 hours ending ten hours before the test started. */
  const lastClosedMs = bucketStartMs('HOUR', Date.now()) - 10 * HOUR_MS;
  const RANGE = { fromMs: lastClosedMs - 1190 * HOUR_MS, toMs: lastClosedMs - 1 };
  const headers = { authorization: `Bearer ${TOKEN}` };

  const ohlc = async (epic: string, query: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url: `/market/ohlc/${epic}?${new URLSearchParams(query).toString()}`, headers });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<OhlcAnswer>();
  };

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'prices');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED });
    const capital = recordingClient(fixture, calls);
    ctx = await startTestWorker(stack, mongo, () => capital);
    app = buildApi({ temporal: ctx.client, taskQueue: ctx.taskQueue, db: mongo.db, statementsDir: ctx.statementsDir, tokens: parseTokenSpec(`dashboards:${TOKEN}:market:read`), log: quietLog });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('1,190 hours are fetched in two pages, 1000 then 190, second by second with no gap or overlap', async () => {
    calls.length = 0;
    const answer = await ohlc(EPIC, { resolution: 'HOUR', from: iso(RANGE.fromMs), to: iso(RANGE.toMs) });
    assert.equal(answer.backfill.status, 'done');
    assert.equal(answer.backfill.pages, 2);
    assert.deepEqual(
      calls.map((call) => [call.epic, call.resolution, call.max]),
      [
        [EPIC, 'HOUR', 1000],
        [EPIC, 'HOUR', 190],
      ],
    );
    const [first, second] = calls as [PricesCall, PricesCall];
    assert.equal(queryMs(first.from), RANGE.fromMs);
    assert.equal(queryMs(first.to), RANGE.fromMs + 1000 * HOUR_MS - 1000, 'page 1 ends one second before hour 1001');
    assert.equal(queryMs(second.from), queryMs(first.to) + 1000, 'page 2 starts the second after page 1 ends');
    assert.equal(queryMs(second.to), lastClosedMs - 1000, 'page 2 ends on the last second of the range');

    const stored = await brokerBarsBetween(mongo.db, { epic: EPIC, resolution: 'HOUR', fromMs: RANGE.fromMs, toMs: RANGE.toMs });
    assert.equal(stored.length, 1190);
    assert.deepEqual(await coveredRanges(mongo.db, EPIC, 'HOUR'), [{ fromMs: RANGE.fromMs, toMs: lastClosedMs }]);

    const expected = simulatorBarsBetween(EPIC, 'HOUR', RANGE.fromMs, lastClosedMs);
    assert.equal(answer.bars.length, expected.size);
    assert.equal(answer.instrumentId, instrumentId(EPIC));
    for (const bar of answer.bars) {
      assert.equal(bar.source, 'broker');
      assert.equal(bar.forming, false);
      assert.equal(bar.instrumentId, instrumentId(EPIC));
      assertSameAsSimulator(bar, expected.get(Date.parse(bar.time)));
    }
    assert.deepEqual(answer.setAside, []);
    assert.deepEqual(answer.coverage.missing, []);
  });

  test('the same range again asks the broker for nothing, through the API or the workflow', async () => {
    calls.length = 0;
    const answer = await ohlc(EPIC, { resolution: 'HOUR', from: iso(RANGE.fromMs), to: iso(RANGE.toMs) });
    assert.equal(answer.backfill.status, 'not-needed');
    assert.equal(answer.bars.length, 1190);
    const rerun = await ctx.client.workflow.execute(backfillPrices, { taskQueue: ctx.taskQueue, workflowId: `prices-it:${randomUUID()}`, args: [{ epic: EPIC, resolution: 'HOUR', ...RANGE }] });
    assert.equal(rerun.pages, 0);
    assert.equal(rerun.complete, true);
    assert.deepEqual(calls, []);
  });

  test('a range ending now never asks for or stores the forming bar', async () => {
    calls.length = 0;
    const nowMs = Date.now();
    const fromMs = bucketStartMs('HOUR', nowMs) - 5 * HOUR_MS;
    const result = await ctx.client.workflow.execute(backfillPrices, { taskQueue: ctx.taskQueue, workflowId: `prices-it:${randomUUID()}`, args: [{ epic: EPIC, resolution: 'HOUR', fromMs, toMs: nowMs }] });
    const formingStartMs = bucketStartMs('HOUR', result.brokerNowMs);
    assert.ok(calls.length >= 1);
    for (const call of calls) assert.ok(queryMs(call.to) < formingStartMs, `asked up to ${call.to}, before the forming hour ${iso(formingStartMs)}`);
    const stored = await brokerBarsBetween(mongo.db, { epic: EPIC, resolution: 'HOUR', fromMs, toMs: nowMs + HOUR_MS });
    assert.equal(stored.at(-1)?.startMs, formingStartMs - HOUR_MS, 'the last stored bar is the last closed hour');
    assert.ok(stored.every((bar) => bar.startMs < formingStartMs && bar.instrumentId === instrumentId(EPIC)));
    const covered = await coveredRanges(mongo.db, EPIC, 'HOUR');
    assert.ok(covered.every((range) => range.toMs <= formingStartMs), 'the forming hour is not recorded as fetched');
  });

  test('closed broker bars win over streamed ones; the forming streamed bar shows', async () => {
    await awayFromBucketEnd('HOUR', 2 * 60_000);
    const formingStartMs = bucketStartMs('HOUR', Date.now());
    const overlapping = [RANGE.fromMs, RANGE.fromMs + 500 * HOUR_MS, lastClosedMs - HOUR_MS].map((startMs) => streamedBar(EPIC, 'HOUR', startMs));
    await storeStreamedBars(mongo.db, [...overlapping, streamedBar(EPIC, 'HOUR', formingStartMs)]);

    const history = await ohlc(EPIC, { resolution: 'HOUR', from: iso(RANGE.fromMs), to: iso(RANGE.toMs), backfill: 'false' });
    const expected = simulatorBarsBetween(EPIC, 'HOUR', RANGE.fromMs, lastClosedMs);
    assert.equal(history.bars.length, 1190);
    for (const bar of history.bars) {
      assert.equal(bar.source, 'broker', `broker bar at ${bar.time}`);
      assertSameAsSimulator(bar, expected.get(Date.parse(bar.time)));
    }

    calls.length = 0;
    const recent = await ohlc(EPIC, { resolution: 'HOUR', from: iso(formingStartMs - 3 * HOUR_MS), to: iso(Date.now()) });
    // The closed hours were fetched by the test before, unless an hour ended since: then only that one is.
    assert.ok(['not-needed', 'done'].includes(recent.backfill.status), recent.backfill.status);
    assert.ok(calls.every((call) => queryMs(call.to) < formingStartMs));
    assert.deepEqual(
      recent.bars.map((bar) => [bar.time, bar.source, bar.forming]),
      [
        [iso(formingStartMs - 3 * HOUR_MS), 'broker', false],
        [iso(formingStartMs - 2 * HOUR_MS), 'broker', false],
        [iso(formingStartMs - HOUR_MS), 'broker', false],
        [iso(formingStartMs), 'stream', true],
      ],
    );
    const forming = recent.bars.at(-1)!;
    assert.deepEqual({ bid: forming.bid, ask: forming.ask, quoteCount: forming.quoteCount, volume: forming.volume }, { bid: { open: '1.5', high: '1.5', low: '1.25', close: '1.25' }, ask: { open: '2.5', high: '2.5', low: '2.25', close: '2.25' }, quoteCount: 2, volume: null });
  });

  test('a span where the market was closed is recorded and not asked for again', async () => {
    const market = allMarkets().find((m) => m.sessions === 'US_SHARES');
    assert.ok(market, 'the simulator lists US shares');
    // The last whole weekend (Saturday and Sunday, UTC) at least a week ago.
    const today = bucketStartMs('DAY', Date.now());
    const saturday = today - ((new Date(today).getUTCDay() + 1) % 7) * DAY_MS - 7 * DAY_MS;
    const weekend = { fromMs: saturday, toMs: saturday + 2 * DAY_MS - 1 };
    assert.equal(barPoints(market.epic, 'HOUR', weekend.fromMs, weekend.toMs + 1).length, 0, `${market.epic} is closed at the weekend`);

    calls.length = 0;
    const first = await ohlc(market.epic, { resolution: 'HOUR', from: iso(weekend.fromMs), to: iso(weekend.toMs) });
    assert.equal(first.backfill.status, 'done');
    assert.deepEqual(first.bars, []);
    assert.deepEqual(first.coverage.missing, []);
    assert.equal(calls.length, 1, 'one page of 48 hours');
    calls.length = 0;
    const again = await ohlc(market.epic, { resolution: 'HOUR', from: iso(weekend.fromMs), to: iso(weekend.toMs) });
    assert.equal(again.backfill.status, 'not-needed');
    assert.deepEqual(calls, []);
  });

  test('recon prices back-fills through the worker and prints the same bars as the API and the simulator', async () => {
    const env = { MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName, TEMPORAL_ADDRESS: testStack().address, TEMPORAL_NAMESPACE: testStack().namespace, TEMPORAL_TASK_QUEUE: ctx.taskQueue, LOG_LEVEL: 'silent' };
    const daysEndMs = bucketStartMs('DAY', Date.now()) - DAY_MS;
    const days = { from: iso(daysEndMs - 30 * DAY_MS), to: iso(daysEndMs - 1) };
    calls.length = 0;
    const printed = await recon(env, 'prices', EPIC, '--resolution', 'DAY', '--from', days.from, '--to', days.to);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stderr, /Back-filling BTCUSD DAY from GET \/prices/);
    assert.match(printed.stderr, /done: 1 page, 30 bars stored/);
    assert.deepEqual(calls.map((call) => [call.resolution, call.max]), [['DAY', 30]]);
    const expectedDays = simulatorBarsBetween(EPIC, 'DAY', daysEndMs - 30 * DAY_MS, daysEndMs);
    const rows = printed.stdout.split('\n').filter((line) => /^\d{4}-\d{2}-\d{2} 00:00 /.test(line));
    assert.equal(rows.length, 30);
    for (const row of rows) {
      const [date, , source, ...cells] = row.trim().split(/\s+/);
      const expected = expectedDays.get(Date.parse(`${date}T00:00:00Z`))!;
      assert.equal(source, 'broker');
      assert.deepEqual(cells, [expected.openPrice.bid, expected.highPrice.bid, expected.lowPrice.bid, expected.closePrice.bid, expected.openPrice.ask, expected.highPrice.ask, expected.lowPrice.ask, expected.closePrice.ask, expected.lastTradedVolume].map((value) => price(value)));
    }

    calls.length = 0;
    const json = await recon(env, 'prices', EPIC, '--resolution', 'HOUR', '--from', iso(RANGE.fromMs), '--to', iso(RANGE.toMs), '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(calls, [], 'everything was stored already');
    const fromCli = JSON.parse(json.stdout) as OhlcAnswer;
    const fromApi = await ohlc(EPIC, { resolution: 'HOUR', from: iso(RANGE.fromMs), to: iso(RANGE.toMs) });
    assert.equal(fromCli.bars.length, 1190);
    assert.deepEqual(fromCli.bars, fromApi.bars);
  });

  test('doubtful broker rows are set aside with their reason and shown; a forming bar in an answer is not stored', async () => {
    const epic = 'SETASIDE.TEST';
    const nowMs = Date.now();
    const fromMs = bucketStartMs('HOUR', nowMs) - 4 * HOUR_MS;
    const row = (startMs: number, overrides: Record<string, unknown> = {}) => {
      const time = iso(startMs).slice(0, 19);
      return { snapshotTime: time, snapshotTimeUTC: time, openPrice: { bid: 10, ask: 11 }, highPrice: { bid: 12, ask: 13 }, lowPrice: { bid: 9, ask: 10 }, closePrice: { bid: 11, ask: 12 }, lastTradedVolume: 5, ...overrides };
    };
    const answer = pricesResponseSchema.parse({
      instrumentType: 'CRYPTOCURRENCIES',
      prices: [row(fromMs), row(fromMs + HOUR_MS, { highPrice: { bid: 1, ask: 2 } }), row(fromMs + 2 * HOUR_MS + 30 * 60_000), row(fromMs + 3 * HOUR_MS), row(bucketStartMs('HOUR', nowMs))],
    });
    const broker = { serverTime: async () => ({ serverTime: nowMs }), prices: async () => answer } as unknown as CapitalClient;
    const { backfillPricesChunk } = createBackfillActivities({ db: mongo.db, log: quietLog, capitalFor: () => broker });
    const result = await backfillPricesChunk({ epic, resolution: 'HOUR', fromMs, toMs: nowMs, pagesMax: 5 });
    assert.equal(result.pagesFetched, 1);
    assert.equal(result.barsInserted, 2);
    assert.deepEqual(result.setAside, { inconsistent: 1, misaligned: 1, forming: 1 });

    const shown = await ohlc(epic, { resolution: 'HOUR', from: iso(fromMs), to: iso(nowMs), backfill: 'false' });
    assert.deepEqual(shown.bars.map((bar) => [bar.time, bar.source, bar.bid.open]), [
      [iso(fromMs), 'broker', '10'],
      [iso(fromMs + 3 * HOUR_MS), 'broker', '10'],
    ]);
    assert.deepEqual(shown.setAside.map((rowShown) => [rowShown.time, rowShown.reason]), [
      [iso(fromMs + HOUR_MS), 'inconsistent'],
      [iso(fromMs + 2 * HOUR_MS + 30 * 60_000), 'misaligned'],
    ]);
    assert.deepEqual(shown.coverage.missing, [], 'the page answered for its hours, bad rows and all');

    const refusing = { serverTime: async () => ({ serverTime: nowMs }), prices: async () => { throw new CapitalRequestError('GET /prices/:epic', 400, 'error.invalid.daterange', undefined); } } as unknown as CapitalClient;
    const refused = createBackfillActivities({ db: mongo.db, log: quietLog, capitalFor: () => refusing });
    await assert.rejects(refused.backfillPricesChunk({ epic: 'REFUSED.TEST', resolution: 'MINUTE', fromMs: nowMs - 3_600_000, toMs: nowMs, pagesMax: 1 }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure && error.type === 'PricesRangeRefused' && error.nonRetryable, String(error));
      assert.match(error.message, /more recent range or a coarser resolution/);
      return true;
    });
  });

  test('limits and errors are named', async () => {
    const tooMany = await app.inject({ method: 'GET', url: `/market/ohlc/${EPIC}?resolution=MINUTE&from=2025-01-01&to=2025-03-01&backfill=false`, headers });
    assert.equal(tooMany.statusCode, 400);
    assert.equal(tooMany.json().error, 'range_too_large');
    const backwards = await app.inject({ method: 'GET', url: `/market/ohlc/${EPIC}?from=2025-03-01&to=2025-01-01`, headers });
    assert.equal(backwards.json().error, 'bad_range');
    const lowerCase = await app.inject({ method: 'GET', url: '/market/ohlc/btcusd', headers });
    assert.equal(lowerCase.statusCode, 400);
    const quotes = await app.inject({ method: 'GET', url: `/market/quotes/latest?epics=${EPIC},GOLD`, headers });
    assert.equal(quotes.statusCode, 200, quotes.body);
    assert.deepEqual(quotes.json().missing.sort(), [EPIC, 'GOLD'], 'nothing streams in this test');
    const cli = await recon({ MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName, LOG_LEVEL: 'silent' }, 'prices', EPIC, '--from', '2025-03-01', '--to', '2025-01-01');
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /is before/);
  });
});
