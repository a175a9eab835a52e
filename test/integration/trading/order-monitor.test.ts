/**
 * The working-order monitor against the simulator, through Temporal: polls every 10 simulated
 * minutes over a trading day, then every lifecycle is compared with the simulator's own order
 * histories (its activity feed, generated from the same deal plans as its working orders).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../../api/server';
import { parseTokenSpec } from '../../../api/auth/tokens';
import type { StoredOrder } from '../../../activities';
import { createActivities } from '../../../activities';
import { recordTransportEvent, type CapitalClient } from '../../../lib/capital';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { listAlerts } from '../../../lib/store/alerts';
import { exposureSnapshotAt } from '../../../lib/store/exposure';
import { listLifecycles, loadOrderSnapshot, orderChanges, type OrderLifecycleDocument } from '../../../lib/store/orders';
import type { ExposureSnapshot } from '../../../lib/trading/exposure';
import { monitoringStatus, startMonitoring, stopMonitoring } from '../../../lib/temporal/monitor-schedules';
import { activityBetween, openPositionsAt, workingOrdersAt } from '../../../simulator/data';
import { monitorWorkingOrders, snapshotExposure } from '../../../workflows/trading-monitors';
import { recon } from '../../helpers/recon-cli';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 13;
const MINUTE_MS = 60_000;
/** A Tuesday, markets open, long enough after the simulated accounts opened to have live orders. */
const START_MS = Date.UTC(2025, 2, 4, 7, 0);
const POLL_EVERY_MS = 10 * MINUTE_MS;
const POLLS = 61;
const END_MS = START_MS + (POLLS - 1) * POLL_EVERY_MS;
const TOKEN = 'a'.repeat(40);
const END_STATE: Record<string, string> = { EXECUTED: 'FILLED', CANCELLED: 'CANCELLED', EXPIRED: 'EXPIRED', REJECTED: 'REJECTED' };

describe('working-order monitor against the simulator', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let accountId: string;
  let lifecycles: Array<OrderLifecycleDocument<StoredOrder>>;
  let app: FastifyInstance;
  let capital: CapitalClient;

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'orders');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 30_000 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    capital = fixture.newClient({ onEvent: recordTransportEvent });
    ctx = await startTestWorker(stack, mongo, () => capital);
    app = buildApi({ temporal: ctx.client, taskQueue: ctx.taskQueue, db: mongo.db, statementsDir: ctx.statementsDir, tokens: parseTokenSpec(`risk:${TOKEN}:trading:read+trading:write`), log: quietLog });
    await app.ready();

    for (let poll = 0; poll < POLLS; poll++) {
      fixture.simulator.core.clock.freeze(START_MS + poll * POLL_EVERY_MS);
      await ctx.client.workflow.execute(monitorWorkingOrders, { taskQueue: ctx.taskQueue, workflowId: `orders-it:${accountId}:${poll}:${randomUUID()}`, args: [{ accountId }] });
    }
    lifecycles = await listLifecycles<StoredOrder>(mongo.db, { accountId, limit: 100_000 });
  });

  after(async () => {
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  function account() {
    return fixture.simulator.accounts().find((a) => a.accountId === accountId)!;
  }

  test("every order that ended during the day ends in the simulator's state for it", () => {
    const rows = [...activityBetween({ seed: SEED, account: account(), fromMs: START_MS - 10 * MINUTE_MS, toMs: END_MS + 1, detailed: true })];
    const endings = new Map<string, string>();
    for (const row of rows) if (row.type === 'WORKING_ORDER' && END_STATE[row.status] && Date.parse(`${row.dateUTC}Z`) > START_MS) endings.set(row.dealId, END_STATE[row.status]!);
    assert.ok(endings.size >= 20, `a meaningful day: ${endings.size} orders ended (want at least 20)`);
    const byDealId = new Map(lifecycles.map((l) => [l.dealId, l]));
    const kinds = new Set<string>();
    for (const [dealId, state] of endings) {
      const lifecycle = byDealId.get(dealId);
      assert.ok(lifecycle, `order ${dealId} (ended ${state}) has a lifecycle`);
      assert.equal(lifecycle.state, state, `order ${dealId}: ${lifecycle.lifecycle.lifecycle.history.map((s) => `${s.state} (${s.reason})`).join(' → ')}`);
      kinds.add(state);
    }
    assert.ok(kinds.has('FILLED') && kinds.has('CANCELLED'), `fills and cancellations among the endings: ${[...kinds].join(', ')}`);
  });

  test("orders still working at the end of the day are open, with the broker's terms, none missing or stepped illegally", async () => {
    const working = workingOrdersAt({ seed: SEED, account: account(), atMs: END_MS });
    assert.ok(working.length > 0, 'some orders are working at the end');
    const byDealId = new Map(lifecycles.map((l) => [l.dealId, l]));
    for (const { workingOrderData: order } of working) {
      const lifecycle = byDealId.get(order.dealId);
      assert.ok(lifecycle, `working order ${order.dealId} is tracked`);
      assert.ok(['CREATED', 'AMENDED'].includes(lifecycle.state), `${order.dealId} is ${lifecycle.state}`);
      assert.equal(lifecycle.missingSinceMs, undefined);
      assert.equal(lifecycle.lifecycle.terms?.level, String(order.orderLevel));
    }
    const snapshot = await loadOrderSnapshot(mongo.db, accountId);
    assert.equal(snapshot?.orders.length, working.length);
    assert.equal(lifecycles.filter((l) => l.missingSinceMs !== undefined).length, 0, 'nothing unexplained');
    const illegal = await listAlerts(mongo.db, { accountId, kind: 'illegal-transition', limit: 10 });
    assert.deepEqual(illegal.map((a) => a.message), []);
  });

  test('an amendment seen between polls is in the change log with its before and after values', async () => {
    const amended = lifecycles.filter((l) => l.lifecycle.lifecycle.history.some((s) => s.state === 'AMENDED') && l.lifecycle.terms);
    assert.ok(amended.length > 0, 'the day has amended orders');
    const withFields = [];
    for (const order of amended) {
      const log = await orderChanges(mongo.db, accountId, order.dealId, 100);
      const change = log.find((c) => c.kind === 'amended' && c.changes.length > 0);
      if (change) withFields.push(change);
    }
    assert.ok(withFields.length > 0, 'at least one amendment was seen on the broker, not only in the feed');
    const [change] = withFields;
    assert.ok(change!.changes.every((c) => c.before !== c.after));
    assert.ok(change!.changes.some((c) => c.field === 'level'), JSON.stringify(change));
  });

  test('stop-required alerts follow the positions and orders: open while they lack a stop, resolved once gone or given one', async () => {
    const stopRequired = (alert: { rule: string }) => alert.rule.startsWith('stop-required@');
    const open = (await listAlerts(mongo.db, { accountId, kind: 'governance', status: 'open', limit: 10_000 })).filter(stopRequired);
    const resolved = (await listAlerts(mongo.db, { accountId, kind: 'governance', status: 'resolved', limit: 10_000 })).filter(stopRequired);
    const positions = new Map(openPositionsAt({ seed: SEED, account: account(), atMs: END_MS }).map((p) => [p.position.dealId, p.position]));
    const orders = new Map(workingOrdersAt({ seed: SEED, account: account(), atMs: END_MS }).map((o) => [o.workingOrderData.dealId, o.workingOrderData]));
    const hasStop = (dealId: string) => {
      const position = positions.get(dealId);
      const order = orders.get(dealId);
      return position ? position.stopLevel !== undefined || position.trailingStop === true : order?.stopDistance !== undefined;
    };
    assert.ok(open.length > 0 && resolved.length > 0, `open ${open.length}, resolved ${resolved.length}`);
    for (const alert of open) {
      assert.ok(positions.has(alert.subject) || orders.has(alert.subject), `open alert on ${alert.subject}, which is still live`);
      assert.equal(hasStop(alert.subject), false, `${alert.subject} still has no stop`);
    }
    for (const alert of resolved) assert.ok(!(positions.has(alert.subject) || orders.has(alert.subject)) || hasStop(alert.subject), `resolved alert on ${alert.subject}: gone, or given a stop`);
  });

  test('a poll run again under the same snapshot id changes nothing', async () => {
    // The worker's client: another login would wait on the simulator's frozen clock.
    const activities = createActivities({ db: mongo.db, log: quietLog, capitalFor: () => capital });
    const snapshot = await loadOrderSnapshot(mongo.db, accountId);
    const before = await mongo.db.collection('order_changes').countDocuments({ accountId });
    const again = await activities.pollWorkingOrders({ accountId, snapshotId: snapshot!.snapshotId });
    assert.equal(again.changes, 0);
    assert.equal(await mongo.db.collection('order_changes').countDocuments({ accountId }), before);
  });

  test('the API and the exposure snapshot show the same account', async () => {
    await ctx.client.workflow.execute(snapshotExposure, { taskQueue: ctx.taskQueue, workflowId: `exposure-it:${randomUUID()}`, args: [{ accountId }] });
    const stored = await exposureSnapshotAt<ExposureSnapshot>(mongo.db, accountId);
    const positions = openPositionsAt({ seed: SEED, account: account(), atMs: END_MS });
    assert.equal(stored?.snapshot.positions.length, positions.length);
    assert.equal(stored?.snapshot.complete, true, 'every instrument currency converted into the account currency');

    const headers = { authorization: `Bearer ${TOKEN}` };
    const exposure = await app.inject({ method: 'GET', url: `/exposure?accountId=${accountId}`, headers });
    assert.equal(exposure.statusCode, 200, exposure.body);
    assert.equal(exposure.json().metrics.positionCount, positions.length);
    const orders = await app.inject({ method: 'GET', url: `/orders?accountId=${accountId}&state=closed&limit=1000`, headers });
    assert.equal(orders.statusCode, 200);
    const closed = lifecycles.filter((l) => ['FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'].includes(l.state));
    assert.equal(orders.json().items.length, closed.length);
    const one = closed[0]!;
    const detail = await app.inject({ method: 'GET', url: `/orders/${accountId}/${one.dealId}`, headers });
    assert.equal(detail.statusCode, 200);
    assert.equal(detail.json().state, one.state);
    assert.ok(detail.json().changeLog.length >= 1);
    const alerts = await app.inject({ method: 'GET', url: `/alerts?accountId=${accountId}`, headers });
    assert.equal(alerts.statusCode, 200);
    assert.ok(alerts.json().items.length > 0);
    const unauthorised = await app.inject({ method: 'GET', url: `/alerts?accountId=${accountId}` });
    assert.equal(unauthorised.statusCode, 401);
  });

  test('recon orders, exposure and alerts print what the monitors stored', async () => {
    const env = { MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName, LOG_LEVEL: 'silent' };
    const orders = await recon(env, 'orders', '--account', accountId, '--state', 'all', '--json');
    assert.equal(orders.code, 0, orders.stderr);
    assert.equal(JSON.parse(orders.stdout).length, Math.min(lifecycles.length, 200));
    const closed = lifecycles.find((l) => l.state === 'FILLED')!;
    const one = await recon(env, 'orders', closed.dealId, '--account', accountId);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`${closed.dealId} .*: FILLED`));
    const exposure = await recon(env, 'exposure', '--account', accountId);
    assert.equal(exposure.code, 0, exposure.stderr);
    assert.match(exposure.stdout, /effective leverage/);
    const alerts = await recon(env, 'alerts', '--account', accountId, '--json');
    assert.equal(alerts.code, 0, alerts.stderr);
    assert.ok(JSON.parse(alerts.stdout).every((a: { status: string }) => a.status === 'open'));
    const unknown = await recon(env, 'exposure', '--account', 'NO-SUCH-ACCOUNT');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no exposure snapshot of account NO-SUCH-ACCOUNT.*recon monitor start/);
  });

  test('the monitors run on their Temporal Schedules', async () => {
    fixture.simulator.core.clock.unfreeze();
    const status = await startMonitoring(ctx.client, { accountId, taskQueue: ctx.taskQueue, intervals: { orders: 10, exposure: 10 } });
    assert.deepEqual(status.map((s) => [s.monitor, s.exists, s.intervalSeconds]), [['orders', true, 10], ['exposure', true, 10]]);
    try {
      const deadline = Date.now() + 45_000;
      let completed: string[] = [];
      while (Date.now() < deadline) {
        const now = await monitoringStatus(ctx.client, accountId);
        completed = now.filter((s) => s.recentRuns.some((r) => r.status === 'COMPLETED')).map((s) => s.monitor);
        if (completed.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.deepEqual(completed, ['orders', 'exposure']);
    } finally {
      assert.deepEqual((await stopMonitoring(ctx.client, accountId)).length, 2);
    }
  });
});
