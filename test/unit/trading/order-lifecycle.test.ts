import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LEGAL_TRANSITIONS,
  LIFECYCLE_HISTORY_STEPS_MAX,
  ORDER_STATES,
  type OrderLifecycle,
  OrderLifecycleError,
  type OrderState,
  applyTransition,
  isLegalTransition,
  isTerminal,
  markMissing,
  markSeen,
  startIntended,
  startObserved,
} from '../../../lib/trading/orders';

const T0 = Date.UTC(2025, 0, 15, 10, 0);
const MINUTE_MS = 60_000;

/** The table the brief specifies, written out independently of the code's table. */
const EXPECTED_LEGAL = new Set([
  'INTENDED>CREATED',
  'INTENDED>FILLED',
  'INTENDED>REJECTED',
  'CREATED>AMENDED',
  'CREATED>FILLED',
  'CREATED>CANCELLED',
  'CREATED>EXPIRED',
  'CREATED>REJECTED',
  'AMENDED>AMENDED',
  'AMENDED>FILLED',
  'AMENDED>CANCELLED',
  'AMENDED>EXPIRED',
  'AMENDED>REJECTED',
]);

function inState(state: OrderState): OrderLifecycle {
  return { dealId: 'WO-1', state, history: [{ state, atMs: T0, reason: 'fixture' }], amendmentsDropped: 0 };
}

describe('the lifecycle table', () => {
  test('holds exactly the thirteen legal transitions, and the four terminal states have none', () => {
    const listed = ORDER_STATES.flatMap((from) => LEGAL_TRANSITIONS[from].map((to) => `${from}>${to}`));
    assert.deepEqual(new Set(listed), EXPECTED_LEGAL);
    assert.equal(listed.length, 13);
    for (const state of ['FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const) {
      assert.equal(isTerminal(state), true);
      assert.deepEqual(LEGAL_TRANSITIONS[state], []);
    }
    for (const state of ['INTENDED', 'CREATED', 'AMENDED'] as const) assert.equal(isTerminal(state), false);
  });

  test('the table cannot be changed at run time', () => {
    assert.equal(Object.isFrozen(LEGAL_TRANSITIONS), true);
    for (const from of ORDER_STATES) assert.equal(Object.isFrozen(LEGAL_TRANSITIONS[from]), true);
  });
});

describe('every (from, to) pair', () => {
  for (const from of ORDER_STATES) {
    for (const to of ORDER_STATES) {
      const legal = EXPECTED_LEGAL.has(`${from}>${to}`);
      test(`${from} → ${to} is ${legal ? 'applied' : 'refused and not applied'}`, () => {
        const order = inState(from);
        const snapshot = structuredClone(order);
        const result = applyTransition(order, { to, atMs: T0 + MINUTE_MS, snapshotId: 'snap-2', reason: 'scenario' });
        assert.equal(isLegalTransition(from, to), legal);
        assert.deepEqual(order, snapshot, 'the input is never mutated');
        if (legal) {
          assert.equal(result.ok, true);
          assert.equal(result.order.state, to);
          assert.deepEqual(result.order.history.at(-1), { state: to, atMs: T0 + MINUTE_MS, snapshotId: 'snap-2', reason: 'scenario' });
          assert.equal(result.order.history.length, 2);
        } else {
          assert.equal(result.ok, false);
          assert.equal(result.order, order, 'an illegal transition returns the very same order');
          if (!result.ok) {
            assert.equal(result.illegal.from, from);
            assert.equal(result.illegal.to, to);
            assert.equal(result.illegal.dealId, 'WO-1');
            assert.equal(result.illegal.kind, 'not-allowed');
            assert.ok(result.illegal.reason.length > 0);
          }
        }
      });
    }
  }
});

describe('lifecycle scenarios', () => {
  test('limit order from an intent: intended, seen on the broker, amended twice, filled', () => {
    let order = startIntended({ dealId: 'WO-7', intentId: 'intent-42', atMs: T0, reason: 'trade intent intent-42 placed a LIMIT BUY' });
    for (const [to, minutes] of [['CREATED', 1], ['AMENDED', 2], ['AMENDED', 3], ['FILLED', 4]] as const) {
      const result = applyTransition(order, { to, atMs: T0 + minutes * MINUTE_MS, snapshotId: `snap-${minutes}`, reason: `step ${to}` });
      assert.equal(result.ok, true);
      order = result.order;
    }
    assert.equal(order.state, 'FILLED');
    assert.equal(order.intentId, 'intent-42');
    assert.deepEqual(order.history.map((step) => step.state), ['INTENDED', 'CREATED', 'AMENDED', 'AMENDED', 'FILLED']);
    assert.equal(order.history[0]?.snapshotId, undefined);
  });

  test('market order from an intent fills straight into a position', () => {
    const result = applyTransition(startIntended({ dealId: 'MO-1', intentId: 'i-1', atMs: T0, reason: 'market BUY' }), { to: 'FILLED', atMs: T0 + 1000, reason: 'position P-1 names MO-1' });
    assert.equal(result.ok, true);
    assert.equal(result.order.state, 'FILLED');
  });

  test('an order seen on the broker without an intent starts CREATED, without an intent id', () => {
    const order = startObserved({ dealId: 'WO-9', atMs: T0, snapshotId: 'snap-1', reason: 'first listed' });
    assert.equal(order.state, 'CREATED');
    assert.equal('intentId' in order, false);
    assert.deepEqual(order.history, [{ state: 'CREATED', atMs: T0, snapshotId: 'snap-1', reason: 'first listed' }]);
  });

  test('a cancelled order that shows up again cannot be revived: the refusal says CANCELLED is terminal', () => {
    const result = applyTransition(inState('CANCELLED'), { to: 'CREATED', atMs: T0 + MINUTE_MS, reason: 'listed again' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.illegal.reason, /CANCELLED is terminal/);
  });

  test('an intended order cannot be amended before the broker has it', () => {
    const result = applyTransition(inState('INTENDED'), { to: 'AMENDED', atMs: T0 + MINUTE_MS, reason: 'x' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.illegal.reason, /must first be seen on the broker/);
  });

  test('a legal step dated before the last step is refused as out of order and not applied', () => {
    const order = inState('CREATED');
    const result = applyTransition(order, { to: 'CANCELLED', atMs: T0 - 1, reason: 'stale evidence' });
    assert.equal(result.ok, false);
    assert.equal(result.order, order);
    if (!result.ok) {
      assert.equal(result.illegal.kind, 'out-of-order');
      assert.match(result.illegal.reason, /older than the last step/);
    }
  });

  test('a step at the same instant as the last one is accepted (two facts from one poll)', () => {
    assert.equal(applyTransition(inState('CREATED'), { to: 'AMENDED', atMs: T0, reason: 'same poll' }).ok, true);
  });

  test('a start needs a dealId, an intent id for intents, and a real epoch time', () => {
    assert.throws(() => startObserved({ dealId: ' ', atMs: T0, reason: 'x' }), OrderLifecycleError);
    assert.throws(() => startIntended({ dealId: 'WO-1', intentId: '', atMs: T0, reason: 'x' }), /needs an intentId/);
    assert.throws(() => startObserved({ dealId: 'WO-1', atMs: 1.5, reason: 'x' }), /epoch milliseconds/);
  });
});

describe('the missing flag', () => {
  test('is set once, keeps the first time, and is cleared when the order is seen again', () => {
    const order = inState('CREATED');
    const missing = markMissing(order, T0 + MINUTE_MS);
    assert.equal(missing.missingSinceMs, T0 + MINUTE_MS);
    assert.equal(markMissing(missing, T0 + 2 * MINUTE_MS).missingSinceMs, T0 + MINUTE_MS);
    assert.equal(order.missingSinceMs, undefined, 'the input is not mutated');
    assert.equal('missingSinceMs' in markSeen(missing), false);
  });

  test('is cleared by any applied transition, and never set on a terminal order', () => {
    const missing = markMissing(inState('AMENDED'), T0 + MINUTE_MS);
    const result = applyTransition(missing, { to: 'EXPIRED', atMs: T0 + 2 * MINUTE_MS, reason: 'good-till passed' });
    assert.equal(result.ok, true);
    assert.equal('missingSinceMs' in result.order, false);
    assert.equal(markMissing(result.order, T0 + 3 * MINUTE_MS).missingSinceMs, undefined);
  });
});

describe('the history bound', () => {
  test('an order amended on every poll keeps its first step and newest steps, counting the dropped amendments', () => {
    let order = startObserved({ dealId: 'WO-1', atMs: T0, reason: 'listed' });
    const amendments = LIFECYCLE_HISTORY_STEPS_MAX + 50;
    for (let i = 1; i <= amendments; i++) {
      const result = applyTransition(order, { to: 'AMENDED', atMs: T0 + i * MINUTE_MS, reason: `amendment ${i}` });
      assert.equal(result.ok, true);
      order = result.order;
    }
    const filled = applyTransition(order, { to: 'FILLED', atMs: T0 + (amendments + 1) * MINUTE_MS, reason: 'filled' });
    assert.equal(filled.ok, true);
    order = filled.order;
    assert.equal(order.history.length, LIFECYCLE_HISTORY_STEPS_MAX);
    assert.equal(order.history[0]?.state, 'CREATED');
    assert.equal(order.history.at(-1)?.state, 'FILLED');
    assert.equal(order.history.at(-2)?.reason, `amendment ${amendments}`);
    assert.equal(order.amendmentsDropped, amendments + 2 - LIFECYCLE_HISTORY_STEPS_MAX);
  });
});
