import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityBetween, type ActivityRow } from '../../../simulator/data/activity';
import { openPositionsAt, workingOrdersAt, type PositionItem, type WorkingOrderItem } from '../../../simulator/data/positions';
import { transactionsBetween } from '../../../simulator/data/transactions';
import { shapeDifferences } from '../../helpers/json-shape';
import { busyAccount, DAY_MS, exampleBody, MARCH_START_MS, SEED, splitPoints, utcMs } from './helpers';

const account = busyAccount(8000);
const LOOKBACK_FROM = MARCH_START_MS;
const SAMPLE_FROM = MARCH_START_MS + 14 * DAY_MS;
const SAMPLE_TO = MARCH_START_MS + 18 * DAY_MS;

const activity = [...activityBetween({ seed: SEED, account, fromMs: LOOKBACK_FROM, toMs: SAMPLE_TO, detailed: true })];
/** A POSITION row is a close when its deal has a TRADE at that instant (checked in the activity tests). */
const closeKeys = new Set(
  [...transactionsBetween({ seed: SEED, account, fromMs: LOOKBACK_FROM, toMs: SAMPLE_TO })].filter((r) => r.transactionType === 'TRADE').map((r) => `${r.dealId}|${r.dateUtc}`),
);

/** Instants to sample: random ones, a Saturday noon, and exact event instants (both sides). */
function sampleInstants(): number[] {
  const events = activity.filter((r) => utcMs(r.dateUTC) >= SAMPLE_FROM).filter((_, i) => i % 97 === 0).slice(0, 6);
  const exact = events.flatMap((r) => [utcMs(r.dateUTC), utcMs(r.dateUTC) - 1]);
  return [...splitPoints('positions', SAMPLE_FROM, SAMPLE_TO, 8), Date.UTC(2025, 2, 15, 12), ...exact];
}

/** Positions open at `at` according to the activity feed: opened at or before it and not yet closed. */
function openFromActivity(at: number): string[] {
  const open = new Set<string>();
  for (const row of activity) {
    if (utcMs(row.dateUTC) > at) break;
    if (row.type !== 'POSITION') continue;
    if (closeKeys.has(`${row.dealId}|${row.dateUTC}`)) open.delete(row.dealId);
    else open.add(row.dealId);
  }
  return [...open].sort();
}

/** Orders working at `at` according to the feed: placed and not yet filled, cancelled or expired. */
function workingFromActivity(at: number): string[] {
  const working = new Set<string>();
  for (const row of activity) {
    if (utcMs(row.dateUTC) > at) break;
    if (row.type !== 'WORKING_ORDER') continue;
    if (row.status === 'ACCEPTED') working.add(row.dealId);
    if (row.status === 'EXECUTED' || row.status === 'CANCELLED' || row.status === 'EXPIRED') working.delete(row.dealId);
  }
  return [...working].sort();
}

const samples = sampleInstants().map((at) => ({
  at,
  positions: openPositionsAt({ seed: SEED, account, atMs: at }),
  orders: workingOrdersAt({ seed: SEED, account, atMs: at }),
}));

describe('simulator positions and working orders: consistent with the activity feed', () => {
  test('a position is open from its open activity until its close activity', () => {
    for (const { at, positions } of samples) {
      assert.deepEqual(positions.map((p) => p.position.dealId).sort(), openFromActivity(at), new Date(at).toISOString());
    }
    assert.ok(samples.some((s) => s.positions.length > 3));
  });

  test('an order is working from its placement until it fills, is cancelled or expires', () => {
    for (const { at, orders } of samples) {
      assert.deepEqual(orders.map((o) => o.workingOrderData.dealId).sort(), workingFromActivity(at), new Date(at).toISOString());
    }
    assert.ok(samples.some((s) => s.orders.length > 0));
  });

  test('positions keep the open level, size and direction of their open activity', () => {
    const opens = new Map<string, ActivityRow>();
    for (const row of activity) if (row.type === 'POSITION' && !opens.has(row.dealId)) opens.set(row.dealId, row);
    for (const { positions } of samples) {
      for (const { position } of positions) {
        const open = opens.get(position.dealId);
        assert.equal(position.createdDateUTC, open?.dateUTC);
        assert.equal(position.level, open?.details?.level);
        assert.equal(position.size, open?.details?.size);
        assert.equal(position.direction, open?.details?.direction);
        if (open?.details?.workingOrderId) assert.equal(position.workingOrderId, open.details.workingOrderId);
      }
    }
  });
});

describe('simulator positions and working orders: brackets, good-till dates and shapes', () => {
  const positions: PositionItem[] = samples.flatMap((s) => s.positions);
  const orders: WorkingOrderItem[] = samples.flatMap((s) => s.orders);

  test('some positions carry stop and profit levels, some a trailing stop; stops sit on the losing side', () => {
    assert.ok(positions.some((p) => p.position.stopLevel !== undefined));
    assert.ok(positions.some((p) => p.position.profitLevel !== undefined));
    assert.ok(positions.some((p) => p.position.trailingStop === true && (p.position.stopDistance ?? 0) > 0));
    for (const { position } of positions) {
      if (position.stopLevel === undefined) continue;
      if (position.direction === 'BUY') assert.ok(position.stopLevel < position.level, position.dealId);
      else assert.ok(position.stopLevel > position.level, position.dealId);
    }
  });

  test('some working orders are good-till-date; their dates are in the future of the sample', () => {
    const dated = samples.flatMap((s) => s.orders.filter((o) => o.workingOrderData.goodTillDate).map((o) => ({ at: s.at, order: o })));
    assert.ok(dated.length > 0);
    for (const { at, order } of dated) assert.ok(utcMs(order.workingOrderData.goodTillDateUTC ?? '') > at);
  });

  test('positions and orders have the keys and types of the newest official examples', () => {
    const positionExample = (exampleBody('newest-docs-positions.json') as { positions: unknown[] }).positions;
    const plain = positions.filter((p) => p.position.stopLevel === undefined && p.position.profitLevel === undefined && p.position.trailingStop === undefined);
    assert.ok(plain.length > 0);
    assert.deepEqual(shapeDifferences(positionExample, plain), []);
    const orderExamples = (exampleBody('newest-docs-workingorders.json') as { workingOrders: unknown[] }).workingOrders;
    const gtc = orders.filter((o) => o.workingOrderData.timeInForce === 'GOOD_TILL_CANCELLED' && o.workingOrderData.stopDistance === undefined && o.workingOrderData.profitDistance === undefined);
    assert.ok(gtc.length > 0);
    assert.deepEqual(shapeDifferences([orderExamples[1]], gtc), []);
    const gtd = orders.filter((o) => o.workingOrderData.timeInForce === 'GOOD_TILL_DATE' && o.workingOrderData.stopDistance === undefined && o.workingOrderData.profitDistance === undefined);
    const gtdTemplate = structuredClone(orderExamples[0]) as { workingOrderData: Record<string, unknown> };
    delete gtdTemplate.workingOrderData.stopDistance;
    delete gtdTemplate.workingOrderData.profitDistance;
    assert.deepEqual(shapeDifferences([gtdTemplate], gtd), []);
  });

  test('created dates are local (UTC + account offset), and nothing is open before the account opens', () => {
    for (const { position } of positions) assert.equal(utcMs(position.createdDate) - utcMs(position.createdDateUTC), account.timezoneOffset * 3_600_000);
    assert.deepEqual(openPositionsAt({ seed: SEED, account, atMs: account.openedAtMs - 1 }), []);
    assert.deepEqual(workingOrdersAt({ seed: SEED, account, atMs: account.openedAtMs - 1 }), []);
  });
});
