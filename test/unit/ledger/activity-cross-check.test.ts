import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CROSS_CHECK_RULE, crossCheckTrades, DEFAULT_CROSS_CHECK_POLICY, type PositionActivity, type TradeRecord } from '../../../lib/ledger/activity-cross-check';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const january = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
const t0 = Date.UTC(2025, 0, 10, 10, 0, 0);

function row(dealId: string, atMs: number, source = 'USER', epic = 'GOLD', status = 'ACCEPTED'): PositionActivity {
  return { dealId, epic, atMs, source, status };
}

function trade(key: string, bookedAtMs: number, link: { dealId?: string; epic?: string }): TradeRecord {
  return { key, bookedAtMs, ...link };
}

/** An opened-then-closed position: its opening an hour before the close, both by the user. */
function roundTrip(dealId: string, closeAtMs: number, epic = 'GOLD', closeSource = 'USER'): PositionActivity[] {
  return [row(dealId, closeAtMs - HOUR_MS, 'USER', epic), row(dealId, closeAtMs, closeSource, epic)];
}

const kinds = (result: ReturnType<typeof crossCheckTrades>) => result.exceptions.map((e) => e.kind);

describe('cross-check: a TRADE and its close pair by deal id and instant', () => {
  test('a USER close with its TRADE at the same instant pairs; nothing is flagged', () => {
    const result = crossCheckTrades(roundTrip('D1', t0), [trade('T1', t0, { dealId: 'D1', epic: 'GOLD' })], january);
    assert.deepEqual(result, { trades: 1, closes: 1, paired: 1, exceptions: [] });
  });

  test('the TRADE may be booked up to toleranceMs before or after the close (inclusive)', () => {
    assert.equal(DEFAULT_CROSS_CHECK_POLICY.toleranceMs, 1_000);
    for (const offsetMs of [-1_000, -1, 1, 999, 1_000]) {
      const result = crossCheckTrades(roundTrip('D1', t0), [trade('T1', t0 + offsetMs, { dealId: 'D1' })], january);
      assert.deepEqual(result, { trades: 1, closes: 1, paired: 1, exceptions: [] }, `offset ${offsetMs} ms`);
    }
  });

  test('beyond toleranceMs they do not pair: the TRADE and the close are both flagged', () => {
    for (const offsetMs of [-1_001, 1_001, HOUR_MS]) {
      const result = crossCheckTrades(roundTrip('D1', t0), [trade('T1', t0 + offsetMs, { dealId: 'D1' })], january);
      assert.equal(result.paired, 0, `offset ${offsetMs} ms`);
      assert.deepEqual(kinds(result), ['TRADE_WITHOUT_ACTIVITY', 'ACTIVITY_WITHOUT_TRADE']);
    }
  });

  test('a wider tolerance from the policy is honoured, and named in the reason', () => {
    const activity = roundTrip('D1', t0);
    const late = [trade('T1', t0 + 4_000, { dealId: 'D1' })];
    assert.equal(crossCheckTrades(activity, late, january, { ...DEFAULT_CROSS_CHECK_POLICY, toleranceMs: 5_000 }).paired, 1);
    const strict = crossCheckTrades(activity, late, january, { ...DEFAULT_CROSS_CHECK_POLICY, toleranceMs: 3_000 });
    assert.equal(strict.paired, 0);
    assert.match(strict.exceptions[0]?.reason ?? '', /within 3000 ms/);
  });

  test('a TRADE with a deal id does not pair with a close of another deal, even on the same epic and instant', () => {
    const result = crossCheckTrades(roundTrip('D1', t0), [trade('T1', t0, { dealId: 'D2', epic: 'GOLD' })], january);
    assert.equal(result.paired, 0);
    assert.deepEqual(kinds(result), ['TRADE_WITHOUT_ACTIVITY', 'ACTIVITY_WITHOUT_TRADE']);
  });

  test('each close pairs with one TRADE only: a second TRADE for the same close is flagged', () => {
    const trades = [trade('T1', t0, { dealId: 'D1' }), trade('T2', t0, { dealId: 'D1' })];
    const result = crossCheckTrades(roundTrip('D1', t0), trades, january);
    assert.equal(result.trades, 2);
    assert.equal(result.closes, 1);
    assert.equal(result.paired, 1);
    assert.deepEqual(
      result.exceptions.map((e) => [e.kind, e.brokerKeys]),
      [['TRADE_WITHOUT_ACTIVITY', ['T2']]],
    );
  });
});

describe('cross-check: which position rows are closes', () => {
  for (const source of ['SL', 'TP', 'CLOSE_OUT', 'DEALER']) {
    test(`a ${source} row is a close even without its opening in the feed`, () => {
      const alone = [row('D1', t0, source)];
      const flagged = crossCheckTrades(alone, [], january);
      assert.equal(flagged.closes, 1);
      assert.deepEqual(kinds(flagged), ['ACTIVITY_WITHOUT_TRADE']);
      assert.match(flagged.exceptions[0]?.reason ?? '', new RegExp(`\\(source ${source}\\)`));

      const paired = crossCheckTrades(alone, [trade('T1', t0, { dealId: 'D1' })], january);
      assert.deepEqual(paired, { trades: 1, closes: 1, paired: 1, exceptions: [] });
    });
  }

  test('a lone USER or SYSTEM row with no TRADE is an opening: not counted, not flagged', () => {
    for (const source of ['USER', 'SYSTEM']) {
      assert.deepEqual(crossCheckTrades([row('D1', t0, source)], [], january), { trades: 0, closes: 0, paired: 0, exceptions: [] });
    }
  });

  test('a USER row is a close when an earlier row of the same deal was read, even in the look-back', () => {
    const openedInLookback = [row('D1', january.fromMs - 3 * DAY_MS), row('D1', t0)];
    const result = crossCheckTrades(openedInLookback, [], january);
    assert.equal(result.closes, 1);
    assert.deepEqual(kinds(result), ['ACTIVITY_WITHOUT_TRADE']);
    assert.equal(result.exceptions[0]?.exceptionId, `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:D1:${t0}`);
  });

  test('the order of the input rows does not decide which is the opening: time does', () => {
    const closeFirst = [row('D1', t0), row('D1', t0 - HOUR_MS)];
    const result = crossCheckTrades(closeFirst, [], january);
    assert.equal(result.closes, 1);
    assert.equal(result.exceptions[0]?.exceptionId, `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:D1:${t0}`);
  });

  test('an earlier row of another deal does not make a USER row a close', () => {
    const result = crossCheckTrades([row('D1', t0 - HOUR_MS), row('D2', t0)], [], january);
    assert.deepEqual(result, { trades: 0, closes: 0, paired: 0, exceptions: [] });
  });

  test('a USER close of an old position (opening not in the feed) pairs when its TRADE points at it', () => {
    const result = crossCheckTrades([row('OLD', t0)], [trade('T1', t0 + 300, { dealId: 'OLD' })], january);
    assert.deepEqual(result, { trades: 1, closes: 1, paired: 1, exceptions: [] });
  });

  test('a recognised close is preferred over an opening row of the same epic in the same instant', () => {
    // D2 opens 100 ms before D1 closes; a TRADE with only the epic must take D1's close, not D2's opening.
    const activity = [...roundTrip('D1', t0 + 100), row('D2', t0)];
    const result = crossCheckTrades(activity, [trade('T1', t0 + 50, { epic: 'GOLD' })], january);
    assert.deepEqual(result, { trades: 1, closes: 1, paired: 1, exceptions: [] });
  });
});

describe('cross-check: TRADE rows without a deal id pair by epic and instant', () => {
  test('same epic within the tolerance: paired', () => {
    const result = crossCheckTrades(roundTrip('D1', t0, 'EURUSD'), [trade('T1', t0 + 200, { epic: 'EURUSD' })], january);
    assert.deepEqual(result, { trades: 1, closes: 1, paired: 1, exceptions: [] });
  });

  test('another epic at the same instant: not paired, the reason names the epic it looked for', () => {
    const result = crossCheckTrades(roundTrip('D1', t0, 'EURUSD'), [trade('T1', t0, { epic: 'GBPUSD' })], january);
    assert.equal(result.paired, 0);
    assert.deepEqual(kinds(result), ['TRADE_WITHOUT_ACTIVITY', 'ACTIVITY_WITHOUT_TRADE']);
    assert.match(result.exceptions[0]?.reason ?? '', /for epic GBPUSD/);
  });

  test('neither deal id nor epic: the TRADE cannot pair and says so', () => {
    const result = crossCheckTrades(roundTrip('D1', t0), [trade('T1', t0, {})], january);
    assert.equal(result.paired, 0);
    assert.match(result.exceptions[0]?.reason ?? '', /for epic \(none\)/);
  });

  test('two closes on one epic in the same second pair one-to-one with two TRADE rows', () => {
    const activity = [...roundTrip('D1', t0), ...roundTrip('D2', t0 + 400)];
    const trades = [trade('T1', t0, { epic: 'GOLD' }), trade('T2', t0 + 400, { epic: 'GOLD' })];
    assert.deepEqual(crossCheckTrades(activity, trades, january), { trades: 2, closes: 2, paired: 2, exceptions: [] });
  });

  test('in a month of one epic, each TRADE finds the close at exactly ±toleranceMs, past those already paired', () => {
    // Closes every 10 s over a day: the epic's pool is long, and each TRADE's span sits inside it.
    const closes = Array.from({ length: 8_640 }, (_, i) => t0 + i * 10_000);
    const activity = closes.map((atMs, i) => row(`D${i}`, atMs, 'SL'));
    const offset = (i: number) => [-1_000, 1_000, 0][i % 3] as number;
    // A second TRADE toleranceMs after every 7th close (after its first): it must not pair again (flagged).
    const trades = [...closes.map((atMs, i) => trade(`T${i}`, atMs + offset(i), { epic: 'GOLD' })), ...closes.filter((_, i) => i % 7 === 0).map((atMs, i) => trade(`X${i}`, atMs + 1_000, { epic: 'GOLD' }))];
    const result = crossCheckTrades(activity, trades, january);
    const again = Math.ceil(closes.length / 7);
    assert.equal(result.paired, closes.length);
    assert.deepEqual(kinds(result), Array<string>(again).fill('TRADE_WITHOUT_ACTIVITY'));
    assert.ok(result.exceptions.every((e) => e.brokerKeys[0]?.startsWith('X')));
  });
});

describe('cross-check: exceptions', () => {
  test('a TRADE without activity: its key in brokerKeys, the rule, a deterministic id and a reason with deal and instant', () => {
    const result = crossCheckTrades([], [trade('tx-2025-01-10-001', t0, { dealId: 'D7' })], january);
    assert.deepEqual(result, {
      trades: 1,
      closes: 0,
      paired: 0,
      exceptions: [
        {
          exceptionId: `${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:tx-2025-01-10-001`,
          kind: 'TRADE_WITHOUT_ACTIVITY',
          reason: 'TRADE tx-2025-01-10-001 booked 2025-01-10T10:00:00.000Z has no position close for deal D7 in the activity feed within 1000 ms',
          rule: 'activity-cross-check@1',
          brokerKeys: ['tx-2025-01-10-001'],
        },
      ],
    });
  });

  test('a close without a TRADE: keyed by deal and instant, with the deal, epic, time and source in the reason', () => {
    const result = crossCheckTrades(roundTrip('D1', t0, 'OIL_CRUDE', 'SL'), [], january);
    assert.deepEqual(result, {
      trades: 0,
      closes: 1,
      paired: 0,
      exceptions: [
        {
          exceptionId: `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:D1:${t0}`,
          kind: 'ACTIVITY_WITHOUT_TRADE',
          reason: 'position D1 (OIL_CRUDE) was closed at 2025-01-10T10:00:00.000Z (source SL) but no TRADE transaction records its realised P/L',
          rule: CROSS_CHECK_RULE,
          brokerKeys: [],
        },
      ],
    });
  });

  test('TRADE exceptions come first, each kind in time order', () => {
    const activity = [row('C2', t0 + 2 * HOUR_MS, 'TP'), row('C1', t0 + HOUR_MS, 'SL')];
    const trades = [trade('T-late', t0 + 5 * HOUR_MS, { dealId: 'X2' }), trade('T-early', t0, { dealId: 'X1' })];
    const result = crossCheckTrades(activity, trades, january);
    assert.deepEqual(
      result.exceptions.map((e) => e.exceptionId),
      [
        `${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:T-early`,
        `${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:T-late`,
        `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:C1:${t0 + HOUR_MS}`,
        `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:C2:${t0 + 2 * HOUR_MS}`,
      ],
    );
  });
});

describe('cross-check: only the period counts', () => {
  test('closes in the look-back before the period are neither counted nor flagged', () => {
    const activity = [...roundTrip('D1', january.fromMs - DAY_MS), row('D2', january.fromMs - HOUR_MS, 'SL'), row('D3', january.fromMs - 1, 'CLOSE_OUT')];
    assert.deepEqual(crossCheckTrades(activity, [], january), { trades: 0, closes: 0, paired: 0, exceptions: [] });
  });

  test('TRADE rows outside the period are neither counted nor flagged', () => {
    const trades = [trade('before', january.fromMs - 1, { dealId: 'A' }), trade('at-end', january.toMs, { dealId: 'B' }), trade('after', january.toMs + DAY_MS, { dealId: 'C' })];
    assert.deepEqual(crossCheckTrades([], trades, january), { trades: 0, closes: 0, paired: 0, exceptions: [] });
  });

  test('the period is half-open: the first instant counts, the end instant does not', () => {
    const activity = [row('START', january.fromMs, 'SL'), row('END', january.toMs, 'SL')];
    const trades = [trade('T-start', january.fromMs, { dealId: 'NONE-1' }), trade('T-end', january.toMs, { dealId: 'NONE-2' })];
    const result = crossCheckTrades(activity, trades, january);
    assert.equal(result.trades, 1);
    assert.equal(result.closes, 1);
    assert.deepEqual(
      result.exceptions.map((e) => e.exceptionId),
      [`${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:T-start`, `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:START:${january.fromMs}`],
    );
  });
});

describe('cross-check: failed rows are not positions', () => {
  test('a REJECTED close is ignored: not counted, not flagged, and no TRADE pairs with it', () => {
    assert.deepEqual(crossCheckTrades([row('D1', t0, 'SL', 'GOLD', 'REJECTED')], [], january), { trades: 0, closes: 0, paired: 0, exceptions: [] });
    const withTrade = crossCheckTrades([row('D1', t0, 'SL', 'GOLD', 'REJECTED')], [trade('T1', t0, { dealId: 'D1' })], january);
    assert.equal(withTrade.paired, 0);
    assert.deepEqual(kinds(withTrade), ['TRADE_WITHOUT_ACTIVITY']);
  });

  test('a REJECTED first attempt is no opening: the accepted row after it is the opening, not a close', () => {
    const activity = [row('D1', t0 - HOUR_MS, 'USER', 'GOLD', 'REJECTED'), row('D1', t0)];
    assert.deepEqual(crossCheckTrades(activity, [], january), { trades: 0, closes: 0, paired: 0, exceptions: [] });
  });

  test('the other failed statuses are ignored the same way', () => {
    for (const status of ['CANCELLED', 'CANCEL_REJECT', 'MODIFY_REJECT', 'EXPIRED']) {
      assert.deepEqual(crossCheckTrades([row('D1', t0, 'TP', 'GOLD', status)], [], january), { trades: 0, closes: 0, paired: 0, exceptions: [] }, status);
    }
  });
});

describe('cross-check: counts and determinism', () => {
  // In January: D1 closed by the user and D2 stopped out, both with their TRADE; D3 taken profit
  // without a TRADE; T4 without any close; OLD closed by the user, its opening long gone, with its
  // TRADE by epic only. Before January: D0 opened and closed (look-back). D5 opened, still open.
  const activity: PositionActivity[] = [
    ...roundTrip('D0', january.fromMs - 2 * DAY_MS),
    ...roundTrip('D1', t0, 'GOLD'),
    row('D2', t0, 'SL', 'EURUSD'),
    row('D3', t0 + DAY_MS, 'TP', 'US500'),
    row('OLD', t0 + 2 * DAY_MS, 'USER', 'OIL_CRUDE'),
    row('D5', t0 + 3 * DAY_MS, 'USER', 'GOLD'),
    row('D6', t0 + 4 * DAY_MS, 'DEALER', 'GOLD', 'REJECTED'),
  ];
  const trades: TradeRecord[] = [
    trade('T1', t0, { dealId: 'D1', epic: 'GOLD' }),
    trade('T2', t0 + 500, { dealId: 'D2' }),
    trade('T4', t0 + 5 * DAY_MS, { dealId: 'D4', epic: 'NATURALGAS' }),
    trade('T-OLD', t0 + 2 * DAY_MS - 200, { epic: 'OIL_CRUDE' }),
  ];

  test('trades, closes and paired are counted over the period only', () => {
    const result = crossCheckTrades(activity, trades, january);
    assert.equal(result.trades, 4);
    assert.equal(result.closes, 4, 'D1, D2, D3 and OLD');
    assert.equal(result.paired, 3, 'D1, D2 and OLD');
    assert.deepEqual(
      result.exceptions.map((e) => e.exceptionId),
      [`${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:T4`, `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:D3:${t0 + DAY_MS}`],
    );
  });

  test('the same rows in any order give the same result, exception ids included', () => {
    const expected = crossCheckTrades(activity, trades, january);
    const orders: Array<[PositionActivity[], TradeRecord[]]> = [
      [[...activity].reverse(), [...trades].reverse()],
      [[...activity.slice(3), ...activity.slice(0, 3)], [...trades.slice(2), ...trades.slice(0, 2)]],
      [[...activity].sort((a, b) => b.dealId.localeCompare(a.dealId)), [...trades].sort((a, b) => b.key.localeCompare(a.key))],
    ];
    for (const [a, t] of orders) assert.deepEqual(crossCheckTrades(a, t, january), expected);
  });

  test('ties on the instant are broken by deal id and trade key, not by input order', () => {
    const rows = [row('B', t0, 'SL'), row('A', t0, 'SL')];
    const ties = [trade('K2', t0, { epic: 'GOLD' }), trade('K1', t0, { epic: 'GOLD' }), trade('K3', t0, { epic: 'GOLD' })];
    const forward = crossCheckTrades(rows, ties, january);
    const backward = crossCheckTrades([...rows].reverse(), [...ties].reverse(), january);
    assert.deepEqual(backward, forward);
    assert.equal(forward.paired, 2);
    assert.deepEqual(
      forward.exceptions.map((e) => e.exceptionId),
      [`${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:K3`],
    );
  });

  test('the inputs are not reordered or changed', () => {
    const activityCopy = structuredClone(activity);
    const tradesCopy = structuredClone(trades);
    crossCheckTrades(activity, trades, january);
    assert.deepEqual(activity, activityCopy);
    assert.deepEqual(trades, tradesCopy);
  });
});

describe('pairs that straddle a period boundary', () => {
  test('a close just before the end pairs with its TRADE booked just after: no exception in either month', () => {
    const activity = roundTrip('D-EDGE', january.toMs - 200);
    const trades = [trade('T-EDGE', january.toMs + 300, { dealId: 'D-EDGE' })];
    const inJanuary = crossCheckTrades(activity, trades, january);
    assert.deepEqual(kinds(inJanuary), []);
    assert.equal(inJanuary.trades, 0);
    assert.equal(inJanuary.closes, 1);
    const february = { fromMs: january.toMs, toMs: Date.UTC(2025, 2, 1) };
    const inFebruary = crossCheckTrades(activity, trades, february);
    assert.deepEqual(kinds(inFebruary), []);
    assert.equal(inFebruary.paired, 1);
  });
});
