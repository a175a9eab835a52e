import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { marketSummarySchema } from '../../../lib/capital/schemas/markets';
import { type PositionWithMarket } from '../../../lib/capital/schemas/positions';
import { type WorkingOrder } from '../../../lib/capital/schemas/working-orders';
import { PLACEMENT_CLOCK_SKEW_MS, type PlacedDealSearch, type TradeIntent, findPlacedDeal } from '../../../lib/trading/intent';
import { brokerOrder, brokerPosition } from './broker-fixtures';

/** The fixtures' deals are created at 2025-01-15T10:00:00.000 UTC. */
const CREATED_MS = Date.UTC(2025, 0, 15, 10, 0);

function summary(epic: string) {
  return marketSummarySchema.parse({ instrumentName: epic, expiry: '-', epic, instrumentType: 'COMMODITIES', marketStatus: 'TRADEABLE', lotSize: 1, bid: 99, offer: 100, updateTime: '2025-01-15T10:00:00.000', updateTimeUTC: '2025-01-15T10:00:00.000', delayTime: 0, streamingPricesAvailable: true, scalingFactor: 1 });
}

function position(overrides: Record<string, unknown> = {}, epic = 'GOLD'): PositionWithMarket {
  return { position: brokerPosition(overrides), market: summary(epic) };
}

function order(overrides: Record<string, unknown> = {}): WorkingOrder {
  const data = brokerOrder(overrides);
  return { workingOrderData: data, marketData: summary(data.epic) };
}

function intent(overrides: Partial<TradeIntent> = {}): TradeIntent {
  return { source: 'desk', strategy: 's', instrument: 'GOLD', epic: 'GOLD', direction: 'BUY', size: '1', orderType: 'MARKET', stop: { distance: '5' }, guaranteedStop: false, trailingStop: false, idempotencyKey: 'k', ...overrides };
}

const LIMIT = { orderType: 'LIMIT', level: '100' } as const;

function search(overrides: Partial<PlacedDealSearch> = {}): PlacedDealSearch {
  return { placedAfterMs: CREATED_MS, positions: [], workingOrders: [], claimedDealIds: new Set(), ...overrides };
}

describe('a market intent whose response was lost', () => {
  test('finds the one new position on its epic, direction and size', () => {
    const positions = [position({ dealId: 'P-OLD', createdDateUTC: '2025-01-15T09:00:00.000' }), position(), position({ dealId: 'P-SELL', direction: 'SELL' }), position({ dealId: 'P-2', size: 2 }), position({ dealId: 'P-SILVER' }, 'SILVER')];
    assert.deepEqual(findPlacedDeal(intent(), search({ positions })), { kind: 'found', dealId: 'P-1', source: 'position' });
  });

  test('compares sizes by value ("1.0" is 1)', () => {
    assert.deepEqual(findPlacedDeal(intent({ size: '1' }), search({ positions: [position({ size: '1.0' })] })).kind, 'found');
  });

  test('finds none when nothing matches, and never a working order', () => {
    assert.deepEqual(findPlacedDeal(intent(), search({ positions: [position({ size: 3 })], workingOrders: [order()] })), { kind: 'none' });
  });

  test('several matching deals are reported sorted, whatever the input order', () => {
    const positions = [position({ dealId: 'P-9' }), position({ dealId: 'P-3' }), position({ dealId: 'P-5' })];
    const expected = { kind: 'several', dealIds: ['P-3', 'P-5', 'P-9'] };
    assert.deepEqual(findPlacedDeal(intent(), search({ positions })), expected);
    assert.deepEqual(findPlacedDeal(intent(), search({ positions: [...positions].reverse() })), expected);
  });

  test('a deal another intent claimed is excluded, and so is a position opened by a claimed order', () => {
    const positions = [position({ dealId: 'P-1' }), position({ dealId: 'P-2', workingOrderId: 'WO-THEIRS' }), position({ dealId: 'P-3' })];
    assert.deepEqual(findPlacedDeal(intent(), search({ positions, claimedDealIds: new Set(['P-1', 'WO-THEIRS']) })), { kind: 'found', dealId: 'P-3', source: 'position' });
  });
});

describe('the time a deal was created', () => {
  test(`${PLACEMENT_CLOCK_SKEW_MS / 1000} s before the POST still counts (clock skew); a millisecond more does not`, () => {
    const positions = [position({ dealId: 'P-EDGE', createdDateUTC: '2025-01-15T10:00:05.000' })];
    assert.equal(findPlacedDeal(intent(), search({ positions, placedAfterMs: CREATED_MS + 10_000 })).kind, 'found');
    assert.equal(findPlacedDeal(intent(), search({ positions, placedAfterMs: CREATED_MS + 10_001 })).kind, 'none');
  });
});

describe('a LIMIT or STOP intent whose response was lost', () => {
  test('finds the working order of its type at its level', () => {
    const workingOrders = [order(), order({ dealId: 'WO-ELSEWHERE', orderLevel: 101 }), order({ dealId: 'WO-STOP', orderType: 'STOP' })];
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ workingOrders })), { kind: 'found', dealId: 'WO-1', source: 'working-order' });
    assert.deepEqual(findPlacedDeal(intent({ orderType: 'STOP', level: '100' }), search({ workingOrders })), { kind: 'found', dealId: 'WO-STOP', source: 'working-order' });
  });

  test('an order at another level, or claimed, or too early is none', () => {
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ workingOrders: [order({ orderLevel: 100.5 })] })), { kind: 'none' });
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ workingOrders: [order()], claimedDealIds: new Set(['WO-1']) })), { kind: 'none' });
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ workingOrders: [order()], placedAfterMs: CREATED_MS + 60_000 })), { kind: 'none' });
  });

  test('finds the position it filled into meanwhile: a BUY LIMIT at or below its level, not above', () => {
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ positions: [position({ level: 99.5 })] })), { kind: 'found', dealId: 'P-1', source: 'position' });
    assert.equal(findPlacedDeal(intent(LIMIT), search({ positions: [position({ level: 100 })] })).kind, 'found');
    assert.equal(findPlacedDeal(intent(LIMIT), search({ positions: [position({ level: 100.5 })] })).kind, 'none');
  });

  test('a BUY STOP fills at or above its level; a SELL LIMIT at or above; a SELL STOP at or below', () => {
    const at = (terms: Partial<TradeIntent>, level: number) => findPlacedDeal(intent({ level: '100', ...terms }), search({ positions: [position({ level, direction: terms.direction ?? 'BUY' })] })).kind;
    assert.deepEqual([at({ orderType: 'STOP' }, 100.5), at({ orderType: 'STOP' }, 99.5)], ['found', 'none']);
    assert.deepEqual([at({ orderType: 'LIMIT', direction: 'SELL' }, 100.5), at({ orderType: 'LIMIT', direction: 'SELL' }, 99.5)], ['found', 'none']);
    assert.deepEqual([at({ orderType: 'STOP', direction: 'SELL' }, 99.5), at({ orderType: 'STOP', direction: 'SELL' }, 100.5)], ['found', 'none']);
  });

  test('a working order and a position both matching are several: a person decides', () => {
    assert.deepEqual(findPlacedDeal(intent(LIMIT), search({ workingOrders: [order({ dealId: 'WO-7' })], positions: [position({ dealId: 'P-2', level: 99 })] })), { kind: 'several', dealIds: ['P-2', 'WO-7'] });
  });
});

describe('bounds', () => {
  test('a list longer than the bound is refused', () => {
    const positions: PositionWithMarket[] = new Array(10_001).fill(position());
    assert.throws(() => findPlacedDeal(intent(), search({ positions })), /refusing to search/);
  });
});
