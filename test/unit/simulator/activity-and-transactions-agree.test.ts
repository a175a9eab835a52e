import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityBetween, type ActivityRow } from '../../../simulator/data/activity';
import { workingOrdersAt } from '../../../simulator/data/positions';
import { transactionsBetween } from '../../../simulator/data/transactions';
import { shapeDifferences } from '../../helpers/json-shape';
import { busyAccount, DAY_MS, exampleBody, MARCH_START_MS, SEED, splitPoints, usdAccount, utcMs } from './helpers';

const HOUR_MS = 3_600_000;
const account = busyAccount(6000);
/** Activity from the first of March, so every deal closing in the checked days has its open in view. */
const WINDOW_FROM = MARCH_START_MS;
const CHECK_FROM = MARCH_START_MS + 13 * DAY_MS;
const CHECK_TO = MARCH_START_MS + 17 * DAY_MS;

const activity = [...activityBetween({ seed: SEED, account, fromMs: WINDOW_FROM, toMs: CHECK_TO, detailed: true })];
const transactions = [...transactionsBetween({ seed: SEED, account, fromMs: CHECK_FROM, toMs: CHECK_TO })];

function byDeal(rows: readonly ActivityRow[]): Map<string, ActivityRow[]> {
  const map = new Map<string, ActivityRow[]>();
  for (const row of rows) map.set(row.dealId, [...(map.get(row.dealId) ?? []), row]);
  return map;
}

const deals = byDeal(activity);

describe('simulator activity: determinism and splitting invariance', () => {
  test('the same inputs give identical rows', () => {
    const again = [...activityBetween({ seed: SEED, account, fromMs: CHECK_FROM, toMs: CHECK_FROM + DAY_MS, detailed: true })];
    const slice = activity.filter((r) => utcMs(r.dateUTC) >= CHECK_FROM && utcMs(r.dateUTC) < CHECK_FROM + DAY_MS);
    assert.equal(JSON.stringify(again), JSON.stringify(slice));
  });

  test('rows of [a, c) are the rows of [a, b) followed by those of [b, c), for random b', () => {
    const a = CHECK_FROM + 5 * HOUR_MS + 77;
    const c = CHECK_FROM + 2 * DAY_MS + 3 * HOUR_MS;
    const read = (fromMs: number, toMs: number): ActivityRow[] => [...activityBetween({ seed: SEED, account, fromMs, toMs, detailed: true })];
    const whole = JSON.stringify(read(a, c));
    for (const b of [...splitPoints('activity', a, c, 5), CHECK_FROM + DAY_MS]) assert.equal(JSON.stringify([...read(a, b), ...read(b, c)]), whole);
  });
});

describe('simulator activity: consistent with transactions', () => {
  test('every TRADE has a POSITION close with its dealId and epic at the same instant', () => {
    const trades = transactions.filter((r) => r.transactionType === 'TRADE');
    assert.ok(trades.length > 100);
    for (const trade of trades) {
      const rows = (deals.get(trade.dealId ?? '') ?? []).filter((r) => r.type === 'POSITION');
      assert.equal(rows.length, 2, `deal ${trade.dealId} should show an open and a close`);
      const close = rows[1] as ActivityRow;
      assert.equal(close.dateUTC, trade.dateUtc);
      assert.equal(close.epic, trade.instrumentName);
    }
  });

  test('every position close in the checked days has its TRADE', () => {
    const tradesByDeal = new Map(transactions.filter((r) => r.transactionType === 'TRADE').map((r) => [r.dealId, r]));
    let closes = 0;
    for (const [dealId, rows] of deals) {
      const positionRows = rows.filter((r) => r.type === 'POSITION');
      const close = positionRows[1];
      if (!close || utcMs(close.dateUTC) < CHECK_FROM) continue;
      closes++;
      assert.equal(tradesByDeal.get(dealId)?.dateUtc, close.dateUTC, dealId);
      assert.equal(close.details?.direction === positionRows[0]?.details?.direction, false, 'a close trades the opposite way');
    }
    assert.equal(closes, tradesByDeal.size);
  });

  test('SWAP activity and SWAP transactions happen at the same instants in the same markets', () => {
    const key = (when: string, epic: string | undefined): string => `${when}|${epic}`;
    const fromActivity = activity.filter((r) => r.type === 'SWAP' && utcMs(r.dateUTC) >= CHECK_FROM).map((r) => key(r.dateUTC, r.epic)).sort();
    const fromTransactions = transactions.filter((r) => r.transactionType === 'SWAP').map((r) => key(r.dateUtc, r.instrumentName)).sort();
    assert.ok(fromTransactions.length > 0);
    assert.deepEqual(fromActivity, fromTransactions);
  });

  test('commissions are charged at their position open', () => {
    for (const row of transactions.filter((r) => r.transactionType === 'TRADE_COMMISSION')) {
      const open = (deals.get(row.dealId ?? '') ?? []).find((r) => r.type === 'POSITION');
      assert.equal(open?.dateUTC, row.dateUtc);
    }
  });
});

describe('simulator activity: working-order lifecycle', () => {
  const orders = [...deals.entries()].filter(([, rows]) => rows[0]?.type === 'WORKING_ORDER');

  test('orders are placed, maybe amended, then filled, cancelled or expired exactly once', () => {
    const outcomes = new Set<string>();
    for (const [dealId, rows] of orders) {
      if (rows[0]?.status !== 'ACCEPTED') continue; // placed before the window
      const statuses = rows.map((r) => r.status);
      const terminal = statuses.filter((s) => s === 'EXECUTED' || s === 'CANCELLED' || s === 'EXPIRED');
      if (utcMs(rows[rows.length - 1]?.dateUTC ?? '') < CHECK_TO - 6 * DAY_MS) assert.equal(terminal.length, 1, `${dealId}: ${statuses.join(',')}`);
      assert.ok(terminal.length <= 1);
      assert.ok(statuses.slice(1, statuses.length - terminal.length).every((s) => s === 'MODIFIED'), statuses.join(','));
      terminal.forEach((s) => outcomes.add(s));
    }
    assert.deepEqual([...outcomes].sort(), ['CANCELLED', 'EXECUTED', 'EXPIRED']);
  });

  test('a filled order opens a position at the same instant whose workingOrderId is the order', () => {
    let filled = 0;
    for (const [dealId, rows] of orders) {
      const executed = rows.find((r) => r.status === 'EXECUTED');
      if (!executed) continue;
      const opened = activity.find((r) => r.type === 'POSITION' && r.details?.workingOrderId === dealId);
      assert.ok(opened, `no position for order ${dealId}`);
      assert.equal(opened.dateUTC, executed.dateUTC);
      assert.equal(opened.source, 'SYSTEM');
      assert.equal(opened.details?.level, executed.details?.level);
      filled++;
    }
    assert.ok(filled > 5);
  });

  test('an expired order expires exactly at its good-till date', () => {
    let expired = 0;
    for (const [dealId, rows] of orders) {
      const expiry = rows.find((r) => r.status === 'EXPIRED');
      if (!expiry || rows[0]?.status !== 'ACCEPTED') continue;
      const justBefore = workingOrdersAt({ seed: SEED, account, atMs: utcMs(expiry.dateUTC) - 1 }).find((o) => o.workingOrderData.dealId === dealId);
      assert.equal(justBefore?.workingOrderData.timeInForce, 'GOOD_TILL_DATE');
      assert.equal(justBefore?.workingOrderData.goodTillDateUTC, expiry.dateUTC);
      expired++;
      if (expired >= 5) break;
    }
    assert.ok(expired > 0);
  });
});

describe('simulator activity: wire shape', () => {
  test('detailed rows have the keys and types of the official detailed example', () => {
    const example = (exampleBody('get-account-activity-history-success-filter-list-by-dealid-with-enabled-detailed-view.json') as { activities: unknown[] }).activities;
    const plain = activity.filter((r) => r.details && Object.keys(r.details).length === 7);
    assert.ok(plain.length > 0);
    assert.deepEqual(shapeDifferences(example, plain), []);
    const summaryExample = (exampleBody('get-account-activity-history-success-filter-list-by-date.json') as { activities: unknown[] }).activities;
    const brief = [...activityBetween({ seed: SEED, account: usdAccount(), fromMs: CHECK_FROM, toMs: CHECK_FROM + DAY_MS })];
    assert.deepEqual(shapeDifferences(summaryExample, brief), []);
  });

  test('date is dateUTC plus the account offset', () => {
    for (const row of activity.slice(0, 100)) assert.equal(utcMs(row.date) - utcMs(row.dateUTC), account.timezoneOffset * HOUR_MS);
  });
});
