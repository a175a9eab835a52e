import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activitySchema } from '../../../lib/capital/schemas/history';
import { positionWithMarketSchema } from '../../../lib/capital/schemas/positions';
import { workingOrderSchema } from '../../../lib/capital/schemas/working-orders';
import { observeOrders, type MonitoredOrder, type OrderPollInput, type OrderPollOutcome } from '../../../lib/trading/order-monitor';
import { DEFAULT_GOVERNANCE_POLICY, type OrderIntentTerms } from '../../../lib/trading/orders';

const T0 = Date.UTC(2025, 2, 4, 9, 0);
const MINUTE_MS = 60_000;

function utc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19);
}

const market = (epic: string) => ({ instrumentName: epic, expiry: '-', epic, instrumentType: 'COMMODITIES', marketStatus: 'TRADEABLE', lotSize: 1, bid: 1900, offer: 1901, updateTime: utc(T0), updateTimeUTC: utc(T0), delayTime: 0, streamingPricesAvailable: true, scalingFactor: 1 });

function order(dealId: string, fields: Record<string, unknown> = {}) {
  return workingOrderSchema.parse({
    workingOrderData: { dealId, direction: 'BUY', epic: 'GOLD', orderSize: 1, orderLevel: 1850, timeInForce: 'GOOD_TILL_CANCELLED', createdDate: utc(T0), createdDateUTC: utc(T0), guaranteedStop: false, orderType: 'LIMIT', stopDistance: 20, trailingStop: false, currencyCode: 'USD', ...fields },
    marketData: market('GOLD'),
  });
}

function position(dealId: string, workingOrderId: string, fields: Record<string, unknown> = {}) {
  return positionWithMarketSchema.parse({
    position: { contractSize: 1, createdDate: utc(T0), createdDateUTC: utc(T0), dealId, dealReference: `p_${dealId}`, workingOrderId, size: 1, leverage: 20, upl: 0, direction: 'BUY', level: 1850, currency: 'USD', guaranteedStop: false, stopLevel: 1830, ...fields },
    market: market('GOLD'),
  });
}

function row(dealId: string, status: string, atMs: number, type = 'WORKING_ORDER') {
  return activitySchema.parse({ date: utc(atMs), dateUTC: utc(atMs), epic: 'GOLD', dealId, source: 'USER', type, status, details: { dealReference: `o_${dealId}` } });
}

/** Runs polls one after another, carrying the stored state as the activity does. */
function polls() {
  const known = new Map<string, MonitoredOrder>();
  let previousOrders: OrderPollInput['previousOrders'];
  let count = 0;
  return (input: Partial<OrderPollInput> & { nowMs: number }, snapshotId = `poll-${++count}`): OrderPollOutcome => {
    const outcome = observeOrders({ snapshotId, previousOrders, known, workingOrders: [], positions: [], activities: [], intents: new Map(), policy: DEFAULT_GOVERNANCE_POLICY, ...input });
    for (const [dealId, updated] of outcome.updated) known.set(dealId, updated);
    previousOrders = outcome.orders;
    return outcome;
  };
}

describe('one poll of the working-order monitor', () => {
  test('a first poll starts every listed order in CREATED', () => {
    const poll = polls();
    const outcome = poll({ nowMs: T0, workingOrders: [order('WO-1'), order('WO-2')] });
    assert.deepEqual([...outcome.updated.values()].map((o) => [o.lifecycle.dealId, o.lifecycle.state]), [['WO-1', 'CREATED'], ['WO-2', 'CREATED']]);
    assert.deepEqual(outcome.changes.map((c) => c.kind), ['created', 'created']);
    assert.equal(outcome.counts.live, 2);
  });

  test('changed terms step the order to AMENDED with each field before and after', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] });
    const outcome = poll({ nowMs: T0 + MINUTE_MS, workingOrders: [order('WO-1', { orderLevel: '1845.50' })] });
    assert.equal(outcome.updated.get('WO-1')?.lifecycle.state, 'AMENDED');
    assert.deepEqual(outcome.changes[0]?.changes, [{ field: 'level', before: '1850', after: '1845.5' }]);
  });

  test('a vanished order that opened a position is FILLED, naming the position', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] });
    const outcome = poll({ nowMs: T0 + MINUTE_MS, positions: [position('P-1', 'WO-1')] });
    assert.equal(outcome.updated.get('WO-1')?.lifecycle.state, 'FILLED');
    assert.match(outcome.changes[0]?.reason ?? '', /open position P-1 names working order WO-1/);
  });

  test('a vanished order with nothing to explain it is flagged missing with an alert, and clears when it reappears', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] });
    const gone = poll({ nowMs: T0 + MINUTE_MS });
    assert.equal(gone.updated.get('WO-1')?.lifecycle.state, 'CREATED');
    assert.equal(gone.updated.get('WO-1')?.lifecycle.missingSinceMs, T0 + MINUTE_MS);
    assert.deepEqual(gone.alerts.map((a) => [a.kind, a.subject, a.ongoing]), [['unexplained-order', 'WO-1', true]]);
    const back = poll({ nowMs: T0 + 2 * MINUTE_MS, workingOrders: [order('WO-1')] });
    assert.equal(back.updated.get('WO-1')?.lifecycle.missingSinceMs, undefined);
    assert.equal(back.changes[0]?.kind, 'reappeared');
    assert.deepEqual(back.alerts, [], 'the ongoing alert is no longer raised, so the store resolves it');
  });

  test('a missing order is explained by a later poll’s activity row', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] });
    poll({ nowMs: T0 + MINUTE_MS });
    const later = poll({ nowMs: T0 + 2 * MINUTE_MS, activities: [row('WO-1', 'CANCELLED', T0 + 30_000)] });
    assert.equal(later.updated.get('WO-1')?.lifecycle.state, 'CANCELLED');
    assert.equal(later.updated.get('WO-1')?.lifecycle.missingSinceMs, undefined);
  });

  test('an order that lived and ended between two polls is built from its activity rows', () => {
    const poll = polls();
    poll({ nowMs: T0 });
    const outcome = poll({ nowMs: T0 + 10 * MINUTE_MS, activities: [row('WO-9', 'EXPIRED', T0 + 8 * MINUTE_MS), row('WO-9', 'ACCEPTED', T0 + MINUTE_MS), row('WO-9', 'MODIFIED', T0 + 2 * MINUTE_MS)] });
    const history = outcome.updated.get('WO-9')?.lifecycle.history.map((s) => s.state);
    assert.deepEqual(history, ['CREATED', 'AMENDED', 'EXPIRED']);
  });

  test('a poll retried under the same snapshot id does not step an order twice', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] }, 'poll-a');
    const first = poll({ nowMs: T0 + MINUTE_MS, positions: [position('P-1', 'WO-1')] }, 'poll-b');
    assert.equal(first.updated.get('WO-1')?.lifecycle.state, 'FILLED');
    // The stored snapshot is still poll-a's (the retry happens before it was saved).
    const retry = observeOrders({ snapshotId: 'poll-b', nowMs: T0 + MINUTE_MS, previousOrders: [], known: first.updated, workingOrders: [], positions: [position('P-1', 'WO-1')], activities: [], intents: new Map(), policy: DEFAULT_GOVERNANCE_POLICY });
    assert.equal(retry.updated.size, 0);
    assert.deepEqual(retry.changes, []);
  });

  test('an order listed again after it ended is an illegal transition, reported and not applied', () => {
    const poll = polls();
    poll({ nowMs: T0, workingOrders: [order('WO-1')] });
    poll({ nowMs: T0 + MINUTE_MS, activities: [row('WO-1', 'CANCELLED', T0 + 30_000)] });
    const outcome = poll({ nowMs: T0 + 2 * MINUTE_MS, workingOrders: [order('WO-1')] });
    assert.equal(outcome.counts.illegal, 1);
    assert.equal(outcome.changes[0]?.kind, 'illegal-transition');
    assert.deepEqual(outcome.alerts.filter((a) => a.kind === 'illegal-transition').map((a) => a.subject), ['WO-1']);
    assert.equal(outcome.counts.CANCELLED, 1);
  });

  test('orders and positions without a stop raise governance alerts', () => {
    const outcome = polls()({ nowMs: T0, workingOrders: [order('WO-1', { stopDistance: undefined })], positions: [position('P-1', 'WO-0', { stopLevel: undefined })] });
    assert.deepEqual(outcome.alerts.filter((a) => a.kind === 'governance').map((a) => a.subject).sort(), ['P-1', 'WO-1']);
  });

  test('our order held with other terms than we asked is a drift alert', () => {
    const intent: OrderIntentTerms = { epic: 'GOLD', direction: 'BUY', size: '1', orderType: 'LIMIT', level: '1840', stopDistance: '20' };
    const outcome = polls()({ nowMs: T0, workingOrders: [order('WO-1')], intents: new Map([['WO-1', intent]]) });
    const drift = outcome.alerts.find((a) => a.kind === 'drift');
    assert.ok(drift, 'a drift alert');
    assert.match(drift.message, /level asked 1840, held 1850/);
  });
});
