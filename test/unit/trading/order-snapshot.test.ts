import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workingOrderDataSchema } from '../../../lib/capital/schemas/working-orders';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import {
  type OrderLifecycle,
  type OrderTerms,
  OrderSnapshotError,
  classifyAppearance,
  diffSnapshots,
  markMissing,
  orderTermsOf,
  readWorkingOrders,
  startIntended,
  startObserved,
} from '../../../lib/trading/orders';

const T0 = Date.UTC(2025, 0, 15, 10, 0);

/** A `/workingorders` item as the broker sends it, parsed by the real schema. */
function wire(overrides: Record<string, unknown> = {}) {
  return workingOrderDataSchema.parse({
    dealId: 'WO-1',
    direction: 'BUY',
    epic: 'GOLD',
    orderSize: 1,
    orderLevel: 1900.5,
    timeInForce: 'GOOD_TILL_CANCELLED',
    createdDate: '2025-01-15T11:00:00.000',
    createdDateUTC: '2025-01-15T10:00:00.000',
    guaranteedStop: false,
    orderType: 'LIMIT',
    currencyCode: 'USD',
    ...overrides,
  });
}

function terms(dealId: string, overrides: Partial<OrderTerms> = {}): OrderTerms {
  return { ...orderTermsOf(wire({ dealId })), ...overrides };
}

describe('working order → terms', () => {
  test('decimals become canonical text, times epoch ms, the epic gets its instrument id', () => {
    const order = orderTermsOf(
      wire({ orderSize: '2.50', orderLevel: 1900.5, stopDistance: '10.0', profitLevel: 1950, timeInForce: 'GOOD_TILL_DATE', goodTillDateUTC: '2025-01-20T10:00:00.000', trailingStop: true }),
    );
    assert.deepEqual(order, {
      dealId: 'WO-1',
      epic: 'GOLD',
      instrumentId: instrumentId('GOLD'),
      direction: 'BUY',
      orderType: 'LIMIT',
      size: '2.5',
      level: '1900.5',
      timeInForce: 'GOOD_TILL_DATE',
      goodTillMs: Date.UTC(2025, 0, 20, 10, 0),
      stopDistance: '10',
      profitLevel: '1950',
      guaranteedStop: false,
      trailingStop: true,
      currency: 'USD',
      createdAtMs: T0,
    });
  });

  test('absent optional terms stay absent and an older API without trailingStop reads as false', () => {
    const order = orderTermsOf(wire());
    for (const field of ['goodTillMs', 'stopDistance', 'stopLevel', 'profitDistance', 'profitLevel']) assert.equal(field in order, false, field);
    assert.equal(order.trailingStop, false);
  });

  test('a nanosecond fraction from the Java backend is truncated to milliseconds', () => {
    assert.equal(orderTermsOf(wire({ createdDateUTC: '2025-01-15T10:00:00.123456789' })).createdAtMs, T0 + 123);
  });

  test('an impossible created date is an OrderSnapshotError naming the order and the field', () => {
    assert.throws(() => orderTermsOf(wire({ createdDateUTC: '2025-02-30T10:00:00.000' })), (error: unknown) => error instanceof OrderSnapshotError && /WO-1: createdDateUTC/.test(error.message));
  });
});

describe('reading a whole working-order list', () => {
  test('bad orders are quarantined with the reason, the rest sorted by dealId', () => {
    const { terms: read, quarantined } = readWorkingOrders([wire({ dealId: 'WO-3' }), wire({ dealId: 'WO-2', goodTillDateUTC: '2025-02-30T00:00:00' }), wire({ dealId: 'WO-1' })]);
    assert.deepEqual(read.map((t) => t.dealId), ['WO-1', 'WO-3']);
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0]?.dealId, 'WO-2');
    assert.match(quarantined[0]?.reason ?? '', /goodTillDateUTC/);
  });

  test('an order delivered twice is one order; two different orders under one dealId are both quarantined', () => {
    const twice = readWorkingOrders([wire({ dealId: 'WO-1' }), wire({ dealId: 'WO-1', orderLevel: '1900.50' })]);
    assert.equal(twice.terms.length, 1);
    assert.deepEqual(twice.quarantined, []);
    const clash = readWorkingOrders([wire({ dealId: 'WO-1' }), wire({ dealId: 'WO-1', orderLevel: 1800 }), wire({ dealId: 'WO-2' })]);
    assert.deepEqual(clash.terms.map((t) => t.dealId), ['WO-2']);
    assert.deepEqual(clash.quarantined, [{ dealId: 'WO-1', reason: '2 different working orders share dealId WO-1' }]);
  });
});

describe('diffing two snapshots', () => {
  test('the same orders in another order: nothing changed', () => {
    const previous = [terms('WO-1'), terms('WO-2'), terms('WO-3')];
    const diff = diffSnapshots(previous, [...previous].reverse());
    assert.deepEqual(diff, { created: [], amended: [], vanished: [], inconsistent: [], unchanged: 3 });
  });

  test('new, vanished and amended orders, each list sorted by dealId whatever the input order', () => {
    const previous = [terms('WO-4'), terms('WO-1'), terms('WO-2')];
    const current = [terms('WO-3'), terms('WO-2', { level: '1901' }), terms('WO-0')];
    const diff = diffSnapshots(previous, current);
    assert.deepEqual(diff.created.map((t) => t.dealId), ['WO-0', 'WO-3']);
    assert.deepEqual(diff.vanished.map((t) => t.dealId), ['WO-1', 'WO-4']);
    assert.deepEqual(diff.amended.map((a) => ({ dealId: a.dealId, changes: a.changes })), [{ dealId: 'WO-2', changes: [{ field: 'level', before: '1900.5', after: '1901' }] }]);
    assert.equal(diff.unchanged, 0);
    assert.deepEqual(diffSnapshots([...previous].reverse(), [...current].reverse()), diff);
  });

  test('a map keyed by dealId and an array give the same diff', () => {
    const previous = [terms('WO-1'), terms('WO-2')];
    const current = [terms('WO-2', { size: '3' }), terms('WO-5')];
    const asMap = (list: OrderTerms[]) => new Map(list.map((t) => [t.dealId, t]));
    assert.deepEqual(diffSnapshots(asMap(previous), asMap(current)), diffSnapshots(previous, current));
  });

  test('decimal-equal terms written differently are not an amendment ("1.50" = "1.5", "10" = "10.000")', () => {
    const previous = [terms('WO-1', { size: '1.50', level: '1900.5', stopDistance: '10' })];
    const current = [terms('WO-1', { size: '1.5', level: '1900.50', stopDistance: '10.000' })];
    assert.deepEqual(diffSnapshots(previous, current), { created: [], amended: [], vanished: [], inconsistent: [], unchanged: 1 });
  });

  test('every amendable field is reported with before and after, absent as null', () => {
    const before = terms('WO-1', { stopDistance: '10', profitDistance: '20' });
    const after = terms('WO-1', {
      level: '1890',
      size: '2',
      stopDistance: undefined,
      stopLevel: '1880',
      profitDistance: '25',
      profitLevel: undefined,
      timeInForce: 'GOOD_TILL_DATE',
      goodTillMs: T0 + 86_400_000,
      guaranteedStop: true,
      trailingStop: true,
    });
    const [amendment] = diffSnapshots([before], [after]).amended;
    assert.deepEqual(amendment?.changes, [
      { field: 'level', before: '1900.5', after: '1890' },
      { field: 'size', before: '1', after: '2' },
      { field: 'stopDistance', before: '10', after: null },
      { field: 'stopLevel', before: null, after: '1880' },
      { field: 'profitDistance', before: '20', after: '25' },
      { field: 'goodTillMs', before: null, after: T0 + 86_400_000 },
      { field: 'timeInForce', before: 'GOOD_TILL_CANCELLED', after: 'GOOD_TILL_DATE' },
      { field: 'guaranteedStop', before: false, after: true },
      { field: 'trailingStop', before: false, after: true },
    ]);
    assert.equal(amendment?.before, before);
    assert.equal(amendment?.after, after);
  });

  test('a changed identity field (direction) is an inconsistency, not an amendment', () => {
    const diff = diffSnapshots([terms('WO-1')], [terms('WO-1', { direction: 'SELL' })]);
    assert.deepEqual(diff.amended, []);
    assert.deepEqual(diff.inconsistent, [{ dealId: 'WO-1', changes: [{ field: 'direction', before: 'BUY', after: 'SELL' }] }]);
    assert.equal(diff.unchanged, 0);
  });

  test('a snapshot holding one dealId twice, or a map key that is not the dealId, is refused', () => {
    assert.throws(() => diffSnapshots([terms('WO-1'), terms('WO-1')], []), /holds dealId WO-1 twice/);
    assert.throws(() => diffSnapshots(new Map([['WO-9', terms('WO-1')]]), []), /keys order WO-1 under 'WO-9'/);
  });
});

describe('reappearing orders', () => {
  test('vanished in one poll, back in the next: the diff says created, the lifecycle store says reappeared', () => {
    const s1 = [terms('WO-1'), terms('WO-2')];
    const s2 = [terms('WO-2')];
    const s3 = [terms('WO-1'), terms('WO-2')];
    assert.deepEqual(diffSnapshots(s1, s2).vanished.map((t) => t.dealId), ['WO-1']);
    const back = diffSnapshots(s2, s3);
    assert.deepEqual(back.created.map((t) => t.dealId), ['WO-1']);
    const known = markMissing(startObserved({ dealId: 'WO-1', atMs: T0, reason: 'listed' }), T0 + 60_000);
    assert.equal(classifyAppearance('WO-1', known), 'reappeared');
  });

  test('a dealId the store has never seen is new', () => {
    assert.equal(classifyAppearance('WO-8', undefined), 'new');
  });

  test('our own intended order, first listed by the broker, is intended', () => {
    assert.equal(classifyAppearance('WO-1', startIntended({ dealId: 'WO-1', intentId: 'i-1', atMs: T0, reason: 'placed' })), 'intended');
  });

  test('a live order the store knows and never flagged missing is known (the store ran ahead of the snapshot)', () => {
    assert.equal(classifyAppearance('WO-1', startObserved({ dealId: 'WO-1', atMs: T0, reason: 'listed' })), 'known');
  });

  test('an order listed again after it was cancelled is an after-terminal anomaly', () => {
    const cancelled: OrderLifecycle = { dealId: 'WO-1', state: 'CANCELLED', history: [{ state: 'CANCELLED', atMs: T0, reason: 'x' }], amendmentsDropped: 0 };
    assert.equal(classifyAppearance('WO-1', cancelled), 'after-terminal');
  });

  test('asking with another order’s lifecycle is a caller bug and throws', () => {
    assert.throws(() => classifyAppearance('WO-2', startObserved({ dealId: 'WO-1', atMs: T0, reason: 'x' })), OrderSnapshotError);
  });
});
