import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activitySchema } from '../../../lib/capital/schemas/history';
import { positionSchema } from '../../../lib/capital/schemas/positions';
import { indexOrderEvidence, rejectionOfIntent, resolveVanishedOrder } from '../../../lib/trading/orders';

const T0 = Date.UTC(2025, 0, 15, 10, 0);
const HOUR_MS = 3_600_000;

function utc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23);
}

/** A `/positions` position as the broker sends it, parsed by the real schema. */
function position(dealId: string, workingOrderId: string, createdAtMs = T0) {
  return positionSchema.parse({
    contractSize: 1,
    createdDate: utc(createdAtMs),
    createdDateUTC: utc(createdAtMs),
    dealId,
    dealReference: `p_${dealId}`,
    workingOrderId,
    size: 1,
    leverage: 20,
    upl: '0',
    direction: 'BUY',
    level: 1900,
    currency: 'USD',
    guaranteedStop: false,
  });
}

/** A detailed `/history/activity` row, parsed by the real schema (dateUTC spelling, as on the wire). */
function activity(dealId: string, type: string, status: string, atMs = T0, details: Record<string, unknown> = {}, source = 'SYSTEM') {
  return activitySchema.parse({ date: utc(atMs), dateUTC: utc(atMs), epic: 'GOLD', dealId, source, type, status, details: { dealReference: `o_${dealId}`, ...details } });
}

const nowMs = T0 + 2 * HOUR_MS;

describe('resolving a vanished working order', () => {
  test('an open position opened by the order proves it FILLED, naming the position', () => {
    const evidence = indexOrderEvidence({ positions: [position('P-1', 'WO-1', T0 + HOUR_MS)], activities: [] });
    const result = resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs);
    assert.equal(result.resolved, true);
    if (!result.resolved) return;
    assert.equal(result.state, 'FILLED');
    assert.equal(result.evidence.rule, 'position-opened-by-order');
    assert.equal(result.evidence.positionDealId, 'P-1');
    assert.equal(result.evidence.happenedAtMs, T0 + HOUR_MS);
    assert.match(result.evidence.sentence, /open position P-1 names working order WO-1/);
    assert.deepEqual(result.conflicts, []);
  });

  for (const [status, state] of [
    ['EXECUTED', 'FILLED'],
    ['CANCELLED', 'CANCELLED'],
    ['EXPIRED', 'EXPIRED'],
    ['REJECTED', 'REJECTED'],
  ] as const) {
    test(`a WORKING_ORDER ${status} activity row ends it ${state}`, () => {
      const evidence = indexOrderEvidence({ positions: [], activities: [activity('WO-1', 'WORKING_ORDER', status, T0 + HOUR_MS)] });
      const result = resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs);
      assert.equal(result.resolved, true);
      if (!result.resolved) return;
      assert.equal(result.state, state);
      assert.equal(result.evidence.rule, 'working-order-activity');
      assert.deepEqual(result.evidence.activity, { dealId: 'WO-1', type: 'WORKING_ORDER', status, source: 'SYSTEM', dateUtc: utc(T0 + HOUR_MS) });
      assert.equal(result.evidence.happenedAtMs, T0 + HOUR_MS);
    });
  }

  test('a POSITION activity row naming the order in details.workingOrderId proves it FILLED (the position may be closed by now)', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('P-9', 'POSITION', 'ACCEPTED', T0 + HOUR_MS, { workingOrderId: 'WO-1' })] });
    const result = resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs);
    assert.equal(result.resolved, true);
    if (!result.resolved) return;
    assert.equal(result.state, 'FILLED');
    assert.equal(result.evidence.rule, 'position-activity-from-order');
    assert.equal(result.evidence.positionDealId, 'P-9');
  });

  test('a REJECTED POSITION row naming the order is not a fill', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('P-9', 'POSITION', 'REJECTED', T0, { workingOrderId: 'WO-1' })] });
    assert.equal(resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs).resolved, false);
  });

  test('with no evidence, a good-till time already passed means EXPIRED, at that time', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [] });
    const result = resolveVanishedOrder({ dealId: 'WO-1', goodTillMs: T0 + HOUR_MS }, evidence, nowMs);
    assert.equal(result.resolved, true);
    if (!result.resolved) return;
    assert.equal(result.state, 'EXPIRED');
    assert.equal(result.evidence.rule, 'good-till-passed');
    assert.equal(result.evidence.happenedAtMs, T0 + HOUR_MS);
    assert.match(result.evidence.sentence, /good-till time 2025-01-15T11:00:00.000Z is not after now/);
  });

  test('a good-till time exactly now counts as passed', () => {
    const result = resolveVanishedOrder({ dealId: 'WO-1', goodTillMs: nowMs }, indexOrderEvidence({ positions: [], activities: [] }), nowMs);
    assert.equal(result.resolved && result.state, 'EXPIRED');
  });

  test('no evidence and a good-till time still ahead: unresolved, it may reappear', () => {
    const result = resolveVanishedOrder({ dealId: 'WO-1', goodTillMs: nowMs + 1 }, indexOrderEvidence({ positions: [], activities: [] }), nowMs);
    assert.equal(result.resolved, false);
    if (!result.resolved) assert.match(result.reason, /still ahead; it stays flagged missing and may reappear/);
  });

  test('no evidence on a good-till-cancelled order: unresolved', () => {
    const result = resolveVanishedOrder({ dealId: 'WO-1' }, indexOrderEvidence({ positions: [], activities: [] }), nowMs);
    assert.equal(result.resolved, false);
    if (!result.resolved) assert.match(result.reason, /good till cancelled/);
  });

  test('ACCEPTED and MODIFIED rows prove nothing about the end, and rows of other orders are ignored', () => {
    const evidence = indexOrderEvidence({
      positions: [position('P-2', 'WO-2')],
      activities: [activity('WO-1', 'WORKING_ORDER', 'ACCEPTED'), activity('WO-1', 'WORKING_ORDER', 'MODIFIED', T0 + 1), activity('WO-2', 'WORKING_ORDER', 'CANCELLED')],
    });
    assert.equal(resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs).resolved, false);
  });

  test('activity beats the good-till rule: filled a minute before its good-till time is FILLED, not EXPIRED', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('WO-1', 'WORKING_ORDER', 'EXECUTED', T0 + HOUR_MS - 60_000)] });
    const result = resolveVanishedOrder({ dealId: 'WO-1', goodTillMs: T0 + HOUR_MS }, evidence, nowMs);
    assert.equal(result.resolved && result.state, 'FILLED');
  });

  test('a live position beats a CANCELLED row, and the disagreeing row is returned as a conflict', () => {
    const evidence = indexOrderEvidence({ positions: [position('P-1', 'WO-1')], activities: [activity('WO-1', 'WORKING_ORDER', 'CANCELLED', T0 + HOUR_MS, {}, 'USER')] });
    const result = resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs);
    assert.equal(result.resolved, true);
    if (!result.resolved) return;
    assert.equal(result.state, 'FILLED');
    assert.deepEqual(result.conflicts.map((c) => [c.rule, c.state]), [['working-order-activity', 'CANCELLED']]);
  });

  test('evidence that agrees is not a conflict (position, EXECUTED row and POSITION row all say FILLED)', () => {
    const evidence = indexOrderEvidence({
      positions: [position('P-1', 'WO-1')],
      activities: [activity('WO-1', 'WORKING_ORDER', 'EXECUTED'), activity('P-1', 'POSITION', 'ACCEPTED', T0, { workingOrderId: 'WO-1' })],
    });
    const result = resolveVanishedOrder({ dealId: 'WO-1' }, evidence, nowMs);
    assert.deepEqual(result.resolved && result.conflicts, []);
  });

  test('of two end rows for one order, the newest decides whatever the input order', () => {
    const rows = [activity('WO-1', 'WORKING_ORDER', 'REJECTED', T0), activity('WO-1', 'WORKING_ORDER', 'CANCELLED', T0 + HOUR_MS)];
    for (const activities of [rows, [...rows].reverse()]) {
      const result = resolveVanishedOrder({ dealId: 'WO-1' }, indexOrderEvidence({ positions: [], activities }), nowMs);
      assert.equal(result.resolved && result.state, 'CANCELLED');
      assert.deepEqual(result.resolved && result.conflicts.map((c) => c.state), ['REJECTED']);
    }
  });
});

describe('rejections of orders we intended', () => {
  test('a REJECTED WORKING_ORDER row found by the confirmed dealId', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('WO-1', 'WORKING_ORDER', 'REJECTED', T0 + 5000)] });
    const rejection = rejectionOfIntent({ dealId: 'WO-1' }, evidence);
    assert.equal(rejection?.state, 'REJECTED');
    assert.equal(rejection?.rule, 'rejected-activity');
    assert.equal(rejection?.happenedAtMs, T0 + 5000);
  });

  test('a REJECTED POSITION row (market order) found by the deal reference only', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('X-1', 'POSITION', 'REJECTED', T0, { dealReference: 'o_intent-7' })] });
    const rejection = rejectionOfIntent({ dealReference: 'o_intent-7' }, evidence);
    assert.equal(rejection?.activity?.dealId, 'X-1');
    assert.match(rejection?.sentence ?? '', /deal reference o_intent-7/);
  });

  test('a rejected stop edit (EDIT_STOP_AND_LIMIT REJECTED) is not a rejected order', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('P-1', 'EDIT_STOP_AND_LIMIT', 'REJECTED', T0, { dealReference: 'p_P-1' })] });
    assert.equal(rejectionOfIntent({ dealId: 'P-1', dealReference: 'p_P-1' }, evidence), undefined);
  });

  test('an intent with no rejection row has none', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('WO-1', 'WORKING_ORDER', 'ACCEPTED')] });
    assert.equal(rejectionOfIntent({ dealId: 'WO-1', dealReference: 'o_WO-1' }, evidence), undefined);
  });

  test('a row found both by dealId and by reference counts once', () => {
    const evidence = indexOrderEvidence({ positions: [], activities: [activity('WO-1', 'WORKING_ORDER', 'REJECTED')] });
    assert.equal(rejectionOfIntent({ dealId: 'WO-1', dealReference: 'o_WO-1' }, evidence)?.activity?.dealId, 'WO-1');
  });
});
