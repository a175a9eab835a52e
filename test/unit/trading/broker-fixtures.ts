/**
 * Broker working orders and positions for the trading tests, parsed by the real schemas so the
 * tests see what the client would. Each test passes what its scenario is about as overrides.
 */
import { positionSchema } from '../../../lib/capital/schemas/positions';
import { workingOrderDataSchema } from '../../../lib/capital/schemas/working-orders';

const CREATED = '2025-01-15T10:00:00.000';

/** A GTC BUY LIMIT order on GOLD, 1 at 100, no stop or limit. */
export function brokerOrder(overrides: Record<string, unknown> = {}) {
  return workingOrderDataSchema.parse({
    dealId: 'WO-1',
    direction: 'BUY',
    epic: 'GOLD',
    orderSize: 1,
    orderLevel: 100,
    timeInForce: 'GOOD_TILL_CANCELLED',
    createdDate: CREATED,
    createdDateUTC: CREATED,
    guaranteedStop: false,
    orderType: 'LIMIT',
    currencyCode: 'USD',
    ...overrides,
  });
}

/** A BUY position of 1 at 100 opened by order MO-1, leverage 20, no stop or limit. */
export function brokerPosition(overrides: Record<string, unknown> = {}) {
  return positionSchema.parse({
    contractSize: 1,
    createdDate: CREATED,
    createdDateUTC: CREATED,
    dealId: 'P-1',
    dealReference: 'p_P-1',
    workingOrderId: 'MO-1',
    size: 1,
    leverage: 20,
    upl: 0,
    direction: 'BUY',
    level: 100,
    currency: 'USD',
    guaranteedStop: false,
    ...overrides,
  });
}
