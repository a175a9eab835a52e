import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPositionRequestSchema, createWorkingOrderRequestSchema } from '../../../lib/capital/schemas/requests';
import { type OrderRequest, type TradeIntent, orderRequestOf, parseTradeIntent } from '../../../lib/trading/intent';

const NOW_MS = Date.UTC(2025, 2, 5, 10, 0);

function intentOf(body: unknown): TradeIntent {
  const result = parseTradeIntent(body, { source: 'desk', nowMs: NOW_MS });
  assert.ok(result.ok, JSON.stringify(result));
  return result.intent;
}

/** The request, checked by the schema the client and the simulator use. */
function accepted(request: OrderRequest): void {
  const schema = request.endpoint === 'createPosition' ? createPositionRequestSchema : createWorkingOrderRequestSchema;
  const result = schema.safeParse(request.body);
  assert.ok(result.success, `${request.endpoint} refused ${JSON.stringify(request.body)}: ${JSON.stringify(result.error?.issues)}`);
}

describe('a MARKET intent', () => {
  test('opens a position with its stop and take-profit as the matching fields', () => {
    const request = orderRequestOf(intentOf('epic=GOLD side=buy size=0.50 sl=25 tp.level=2100.5 id=m-1'));
    assert.deepEqual(request, { endpoint: 'createPosition', body: { direction: 'BUY', epic: 'GOLD', size: 0.5, guaranteedStop: false, trailingStop: false, stopDistance: 25, profitLevel: 2100.5 } });
    accepted(request);
  });

  test('with a guaranteed stop as a level, or a trailing stop as a distance, is accepted by the request schema', () => {
    const guaranteed = orderRequestOf(intentOf('epic=GOLD side=sell size=1 sl.level=2050 guaranteed=yes tp.amount=75 id=m-2'));
    assert.deepEqual(guaranteed.body, { direction: 'SELL', epic: 'GOLD', size: 1, guaranteedStop: true, trailingStop: false, stopLevel: 2050, profitAmount: 75 });
    accepted(guaranteed);
    const trailing = orderRequestOf(intentOf('epic=GOLD side=buy size=1 sl=15 trailing=true id=m-3'));
    assert.deepEqual(trailing.body, { direction: 'BUY', epic: 'GOLD', size: 1, guaranteedStop: false, trailingStop: true, stopDistance: 15 });
    accepted(trailing);
  });
});

describe('a LIMIT or STOP intent', () => {
  test('creates a working order; good-till is broker UTC text without a zone or milliseconds', () => {
    const request = orderRequestOf(intentOf({ epic: 'GOLD', side: 'buy', size: '2', type: 'limit', price: '1990.25', sl: { level: '1980' }, goodTill: '2025-03-06T18:30:00+01:00', id: 'w-1' }));
    assert.deepEqual(request, {
      endpoint: 'createWorkingOrder',
      body: { direction: 'BUY', epic: 'GOLD', size: 2, level: 1990.25, type: 'LIMIT', goodTillDate: '2025-03-06T17:30:00', guaranteedStop: false, trailingStop: false, stopLevel: 1980 },
    });
    accepted(request);
  });

  test('without good-till is good till cancelled (no goodTillDate)', () => {
    const request = orderRequestOf(intentOf('epic=US100 side=sell size=1 type=stop level=17000 sl=50 tp=100 id=w-2'));
    assert.equal(request.endpoint, 'createWorkingOrder');
    assert.equal('goodTillDate' in request.body, false);
    assert.deepEqual(request.body, { direction: 'SELL', epic: 'US100', size: 1, level: 17000, type: 'STOP', guaranteedStop: false, trailingStop: false, stopDistance: 50, profitDistance: 100 });
    accepted(request);
  });
});

describe('every parsed intent', () => {
  test("maps to a body the broker's request schema accepts", () => {
    const bodies = [
      'epic=GOLD side=buy size=0.1 id=a',
      'epic=GOLD side=sell size=0.1 sl.amount=10 id=b',
      'epic=GOLD side=buy size=3 type=stop level=2100 sl=30 trailing=1 goodTill=2025-04-01T00:00:00Z id=c',
      { epic: 'GOLD', side: 'short', size: 0.01, type: 'LIMIT', level: 2100.12, stopLoss: { level: 2200 }, takeProfit: { level: 2000 }, guaranteedStop: true, id: 'd' },
    ];
    for (const body of bodies) accepted(orderRequestOf(intentOf(body)));
  });

  test('a malformed intent is refused before it becomes a request', () => {
    const intent = intentOf('epic=GOLD side=buy size=1 id=e');
    assert.throws(() => orderRequestOf({ ...intent, size: '1.50' }));
    assert.throws(() => orderRequestOf({ ...intent, orderType: 'LIMIT' }));
  });
});
