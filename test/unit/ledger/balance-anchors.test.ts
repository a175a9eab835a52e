import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchorAt, balanceAtBoundary, type BalanceSnapshot, chooseAnchors, DEFAULT_ANCHOR_POLICY, outside } from '../../../lib/ledger/balance-anchors';
import { canonical, toDecimal } from '../../../lib/money';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const january = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };

/** An exact snapshot (a statement's balance) unless `uncertainMs` says how long its read took. */
function snapshot(snapshotId: string, atMs: number, cash = '1000.00', uncertainMs = 0): BalanceSnapshot {
  return { snapshotId, atMs, uncertainUntilMs: atMs + uncertainMs, cash: toDecimal(cash) };
}

const ids = (choice: ReturnType<typeof chooseAnchors>) => ({ opening: choice.opening?.snapshot.snapshotId, closing: choice.closing?.snapshot.snapshotId });

describe('anchorAt: the bridge between a snapshot and its boundary', () => {
  const boundaryMs = january.toMs;

  test('a snapshot after the boundary bridges [boundary, snapshot): those transactions are in its cash', () => {
    const anchor = anchorAt(snapshot('after', boundaryMs + 3 * HOUR_MS), boundaryMs);
    assert.deepEqual(anchor.bridge, { fromMs: boundaryMs, toMs: boundaryMs + 3 * HOUR_MS });
    assert.equal(anchor.boundaryMs, boundaryMs);
    assert.equal(anchor.snapshot.snapshotId, 'after');
  });

  test('a snapshot before the boundary bridges [snapshot, boundary): those transactions are not in its cash yet', () => {
    const anchor = anchorAt(snapshot('before', boundaryMs - 2 * DAY_MS), boundaryMs);
    assert.deepEqual(anchor.bridge, { fromMs: boundaryMs - 2 * DAY_MS, toMs: boundaryMs });
  });

  test('a snapshot exactly at the boundary needs no bridge: the range is empty', () => {
    const anchor = anchorAt(snapshot('exact', boundaryMs), boundaryMs);
    assert.deepEqual(anchor.bridge, { fromMs: boundaryMs, toMs: boundaryMs });
  });

  test('the uncertain range is the half-open read interval [atMs, uncertainUntilMs), on either side of the boundary', () => {
    const after = anchorAt(snapshot('api-after', boundaryMs + HOUR_MS, '1', 250), boundaryMs);
    assert.deepEqual(after.uncertain, { fromMs: boundaryMs + HOUR_MS, toMs: boundaryMs + HOUR_MS + 250 });
    const before = anchorAt(snapshot('api-before', boundaryMs - HOUR_MS, '1', 250), boundaryMs);
    assert.deepEqual(before.uncertain, { fromMs: boundaryMs - HOUR_MS, toMs: boundaryMs - HOUR_MS + 250 });
  });

  test('an exact snapshot has an empty uncertain range (from = to = atMs)', () => {
    const anchor = anchorAt(snapshot('statement', boundaryMs - HOUR_MS), boundaryMs);
    assert.deepEqual(anchor.uncertain, { fromMs: boundaryMs - HOUR_MS, toMs: boundaryMs - HOUR_MS });
  });

  test('an uncertainUntilMs before atMs (clock readings out of order) still gives an empty uncertain range, never an inverted one', () => {
    const skewed: BalanceSnapshot = { snapshotId: 'skewed', atMs: boundaryMs + 500, uncertainUntilMs: boundaryMs + 100, cash: toDecimal('1') };
    assert.deepEqual(anchorAt(skewed, boundaryMs).uncertain, { fromMs: boundaryMs + 500, toMs: boundaryMs + 500 });
  });
});

describe('balanceAtBoundary: carrying the snapshot cash across the bridge, exactly', () => {
  const boundaryMs = january.toMs;

  test('snapshot after the boundary: balance = cash − bridge net (the bridge is already in the cash)', () => {
    const anchor = anchorAt(snapshot('after', boundaryMs + DAY_MS, '10234.56'), boundaryMs);
    assert.equal(canonical(balanceAtBoundary(anchor, toDecimal('234.51'))), '10000.05');
    assert.equal(canonical(balanceAtBoundary(anchor, toDecimal('-0.44'))), '10235');
  });

  test('snapshot before the boundary: balance = cash + bridge net (the bridge is still to come)', () => {
    const anchor = anchorAt(snapshot('before', boundaryMs - DAY_MS, '10234.56'), boundaryMs);
    assert.equal(canonical(balanceAtBoundary(anchor, toDecimal('234.51'))), '10469.07');
    assert.equal(canonical(balanceAtBoundary(anchor, toDecimal('-10234.57'))), '-0.01');
  });

  test('snapshot exactly at the boundary: balance is the cash (its bridge nets to zero)', () => {
    const anchor = anchorAt(snapshot('exact', boundaryMs, '99.99'), boundaryMs);
    assert.equal(canonical(balanceAtBoundary(anchor, toDecimal('0'))), '99.99');
  });

  test('no floating-point drift: 0.1 + 0.2 style amounts stay exact', () => {
    const before = anchorAt(snapshot('before', boundaryMs - HOUR_MS, '0.1'), boundaryMs);
    assert.equal(canonical(balanceAtBoundary(before, toDecimal('0.2'))), '0.3');
    const after = anchorAt(snapshot('after', boundaryMs + HOUR_MS, '0.3'), boundaryMs);
    assert.equal(canonical(balanceAtBoundary(after, toDecimal('0.1'))), '0.2');
  });

  test('carried both ways, the same ledger gives the same boundary balance', () => {
    // 1000 at Jan 31 00:00; +12.34 then −2.34 booked before Feb 1; +50 booked on Feb 1 → 1060 on Feb 1 12:00.
    const before = anchorAt(snapshot('before', boundaryMs - DAY_MS, '1000'), boundaryMs);
    const after = anchorAt(snapshot('after', boundaryMs + 12 * HOUR_MS, '1060'), boundaryMs);
    const fromBefore = balanceAtBoundary(before, toDecimal('12.34').plus(toDecimal('-2.34')));
    const fromAfter = balanceAtBoundary(after, toDecimal('50'));
    assert.equal(canonical(fromBefore), '1010');
    assert.equal(canonical(fromAfter), '1010');
  });
});

describe('chooseAnchors: which snapshots prove the period', () => {
  test('the snapshot nearest the period end closes it; the one nearest the start opens it', () => {
    const snapshots = [
      snapshot('start-minus-2d', january.fromMs - 2 * DAY_MS),
      snapshot('start-plus-1h', january.fromMs + HOUR_MS),
      snapshot('mid-month', Date.UTC(2025, 0, 15)),
      snapshot('end-minus-5h', january.toMs - 5 * HOUR_MS),
      snapshot('end-plus-3h', january.toMs + 3 * HOUR_MS),
    ];
    const choice = chooseAnchors(snapshots, january);
    assert.deepEqual(ids(choice), { opening: 'start-plus-1h', closing: 'end-plus-3h' });
    assert.deepEqual(choice.problems, []);
    assert.equal(choice.opening?.boundaryMs, january.fromMs);
    assert.equal(choice.closing?.boundaryMs, january.toMs);
    assert.deepEqual(choice.opening?.bridge, { fromMs: january.fromMs, toMs: january.fromMs + HOUR_MS });
    assert.deepEqual(choice.closing?.bridge, { fromMs: january.toMs, toMs: january.toMs + 3 * HOUR_MS });
  });

  test('the opening is chosen only among snapshots strictly before the closing one', () => {
    // A one-day period: the snapshot 2 h after the start is also the nearest to the end, so it closes;
    // the opening must then come from the earlier snapshot, although it is farther from the start.
    const day = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };
    const snapshots = [snapshot('start-plus-2h', day.fromMs + 2 * HOUR_MS), snapshot('start-minus-6h', day.fromMs - 6 * HOUR_MS)];
    const choice = chooseAnchors(snapshots, day);
    assert.deepEqual(ids(choice), { opening: 'start-minus-6h', closing: 'start-plus-2h' });
    assert.deepEqual(choice.problems, []);
  });

  test('a single snapshot never serves both ends: the opening is missing and the problem says so', () => {
    const day = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };
    const choice = chooseAnchors([snapshot('only', day.fromMs + 12 * HOUR_MS)], day);
    assert.equal(choice.closing?.snapshot.snapshotId, 'only');
    assert.equal(choice.opening, undefined);
    assert.equal(choice.problems.length, 1);
    assert.match(choice.problems[0] ?? '', /period's start 2025-01-06T00:00:00\.000Z other than the closing one/);
  });

  test('a snapshot at the same instant as the closing one cannot open the period either', () => {
    const day = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };
    const at = day.fromMs + 12 * HOUR_MS;
    const choice = chooseAnchors([snapshot('statement', at), snapshot('api', at, '1000.00', 300)], day);
    assert.equal(choice.closing?.snapshot.snapshotId, 'statement');
    assert.equal(choice.opening, undefined);
    assert.match(choice.problems.join('\n'), /other than the closing one/);
  });

  test('snapshots farther than maxBridgeMs are ignored, and each problem names its boundary and the limit', () => {
    const snapshots = [snapshot('too-early', january.fromMs - DEFAULT_ANCHOR_POLICY.maxBridgeMs - 1), snapshot('too-late', january.toMs + DEFAULT_ANCHOR_POLICY.maxBridgeMs + 1)];
    const choice = chooseAnchors(snapshots, january);
    assert.deepEqual(ids(choice), { opening: undefined, closing: undefined });
    assert.deepEqual(choice.problems, [
      "no balance snapshot within 7 days of the period's end 2025-02-01T00:00:00.000Z",
      "no balance snapshot within 7 days of the period's start 2025-01-01T00:00:00.000Z",
    ]);
  });

  test('a snapshot exactly maxBridgeMs away is still usable (the limit is inclusive)', () => {
    const policy = { maxBridgeMs: 2 * DAY_MS };
    const snapshots = [snapshot('open', january.fromMs - 2 * DAY_MS), snapshot('close', january.toMs + 2 * DAY_MS)];
    const choice = chooseAnchors(snapshots, january, policy);
    assert.deepEqual(ids(choice), { opening: 'open', closing: 'close' });
    assert.deepEqual(choice.problems, []);
  });

  test('a custom policy is honoured and its limit is stated in days in the problem', () => {
    const policy = { maxBridgeMs: 36 * HOUR_MS };
    const choice = chooseAnchors([snapshot('close', january.toMs), snapshot('far-open', january.fromMs - 2 * DAY_MS)], january, policy);
    assert.equal(choice.closing?.snapshot.snapshotId, 'close');
    assert.equal(choice.opening, undefined);
    assert.deepEqual(choice.problems, ["no balance snapshot within 1.5 days of the period's start 2025-01-01T00:00:00.000Z other than the closing one"]);
  });

  test('only the end that lacks a snapshot is reported', () => {
    const noClosing = chooseAnchors([snapshot('open', january.fromMs)], january);
    assert.deepEqual(ids(noClosing), { opening: 'open', closing: undefined });
    assert.equal(noClosing.problems.length, 1);
    assert.match(noClosing.problems[0] ?? '', /period's end 2025-02-01T00:00:00\.000Z$/);

    const noOpening = chooseAnchors([snapshot('close', january.toMs)], january);
    assert.deepEqual(ids(noOpening), { opening: undefined, closing: 'close' });
    assert.equal(noOpening.problems.length, 1);
    assert.match(noOpening.problems[0] ?? '', /period's start 2025-01-01T00:00:00\.000Z other than the closing one$/);
  });

  test('no snapshots at all: both ends reported, no anchors', () => {
    const choice = chooseAnchors([], january);
    assert.deepEqual(ids(choice), { opening: undefined, closing: undefined });
    assert.equal(choice.problems.length, 2);
    assert.ok(!('opening' in choice) && !('closing' in choice), 'absent anchors are left out, not set to undefined');
  });

  test('ties in distance go to the exact snapshot over an uncertain one, whatever the input order', () => {
    // Equidistant from the end (one hour either side): the statement wins over the API read.
    const uncertain = snapshot('a-api', january.toMs - HOUR_MS, '1', 400);
    const exact = snapshot('z-statement', january.toMs + HOUR_MS, '2');
    const opening = snapshot('open', january.fromMs);
    for (const order of [[uncertain, exact, opening], [exact, uncertain, opening], [opening, exact, uncertain]]) {
      assert.equal(chooseAnchors(order, january).closing?.snapshot.snapshotId, 'z-statement');
    }
  });

  test('a narrower uncertainty wins a tie over a wider one', () => {
    const wide = snapshot('a-wide', january.toMs + HOUR_MS, '1', 900);
    const narrow = snapshot('b-narrow', january.toMs - HOUR_MS, '1', 100);
    for (const order of [[wide, narrow], [narrow, wide]]) {
      assert.equal(chooseAnchors(order, january).closing?.snapshot.snapshotId, 'b-narrow');
    }
  });

  test('equally exact and equidistant: the smaller id wins (not the earlier instant), whatever the input order', () => {
    const endBefore = snapshot('y', january.toMs - HOUR_MS);
    const endAfter = snapshot('x', january.toMs + HOUR_MS);
    const startBefore = snapshot('q', january.fromMs - HOUR_MS);
    const startAfter = snapshot('p', january.fromMs + HOUR_MS);
    const forward = chooseAnchors([endBefore, endAfter, startBefore, startAfter], january);
    const backward = chooseAnchors([startAfter, startBefore, endAfter, endBefore], january);
    assert.deepEqual(ids(forward), { opening: 'p', closing: 'x' });
    assert.deepEqual(ids(backward), ids(forward));
  });

  test('the choice does not depend on input order', () => {
    const snapshots = [
      snapshot('s1', january.fromMs - 3 * DAY_MS),
      snapshot('s2', january.fromMs + 4 * HOUR_MS, '1', 250),
      snapshot('s3', Date.UTC(2025, 0, 20)),
      snapshot('s4', january.toMs - 30 * 60_000),
      snapshot('s5', january.toMs + 2 * DAY_MS),
    ];
    const expected = ids(chooseAnchors(snapshots, january));
    assert.deepEqual(expected, { opening: 's2', closing: 's4' });
    assert.deepEqual(ids(chooseAnchors([...snapshots].reverse(), january)), expected);
    assert.deepEqual(ids(chooseAnchors([snapshots[2], snapshots[4], snapshots[0], snapshots[3], snapshots[1]] as BalanceSnapshot[], january)), expected);
  });

  test('the input list is not modified', () => {
    const snapshots = [snapshot('b', january.toMs), snapshot('a', january.fromMs)];
    const copy = snapshots.map((s) => s.snapshotId);
    chooseAnchors(snapshots, january);
    assert.deepEqual(snapshots.map((s) => s.snapshotId), copy);
  });
});

describe('outside: the parts of a range beyond the period', () => {
  test('a range wholly before the period is returned whole', () => {
    const range = { fromMs: january.fromMs - 3 * DAY_MS, toMs: january.fromMs - DAY_MS };
    assert.deepEqual(outside(range, january), [range]);
  });

  test('a range wholly after the period is returned whole', () => {
    const range = { fromMs: january.toMs + DAY_MS, toMs: january.toMs + 2 * DAY_MS };
    assert.deepEqual(outside(range, january), [range]);
  });

  test('a range ending exactly at the start, or starting exactly at the end, is all outside', () => {
    assert.deepEqual(outside({ fromMs: january.fromMs - HOUR_MS, toMs: january.fromMs }, january), [{ fromMs: january.fromMs - HOUR_MS, toMs: january.fromMs }]);
    assert.deepEqual(outside({ fromMs: january.toMs, toMs: january.toMs + HOUR_MS }, january), [{ fromMs: january.toMs, toMs: january.toMs + HOUR_MS }]);
  });

  test('a range overlapping the start keeps only its part before the start', () => {
    assert.deepEqual(outside({ fromMs: january.fromMs - HOUR_MS, toMs: january.fromMs + HOUR_MS }, january), [{ fromMs: january.fromMs - HOUR_MS, toMs: january.fromMs }]);
  });

  test('a range overlapping the end keeps only its part after the end', () => {
    assert.deepEqual(outside({ fromMs: january.toMs - HOUR_MS, toMs: january.toMs + HOUR_MS }, january), [{ fromMs: january.toMs, toMs: january.toMs + HOUR_MS }]);
  });

  test('a range spanning the whole period gives both sides, earlier first', () => {
    assert.deepEqual(outside({ fromMs: january.fromMs - DAY_MS, toMs: january.toMs + 2 * DAY_MS }, january), [
      { fromMs: january.fromMs - DAY_MS, toMs: january.fromMs },
      { fromMs: january.toMs, toMs: january.toMs + 2 * DAY_MS },
    ]);
  });

  test('a range inside the period, equal to it, or empty gives nothing', () => {
    assert.deepEqual(outside({ fromMs: january.fromMs + DAY_MS, toMs: january.toMs - DAY_MS }, january), []);
    assert.deepEqual(outside(january, january), []);
    assert.deepEqual(outside({ fromMs: january.toMs + HOUR_MS, toMs: january.toMs + HOUR_MS }, january), []);
    assert.deepEqual(outside({ fromMs: january.fromMs - HOUR_MS, toMs: january.fromMs - HOUR_MS }, january), []);
  });

  test("an anchor's bridge beyond the period is exactly what outside() returns", () => {
    const closing = anchorAt(snapshot('after', january.toMs + 5 * HOUR_MS), january.toMs);
    assert.deepEqual(outside(closing.bridge, january), [closing.bridge]);
    const openingInside = anchorAt(snapshot('inside', january.fromMs + 5 * HOUR_MS), january.fromMs);
    assert.deepEqual(outside(openingInside.bridge, january), []);
  });
});
