/**
 * The one mapping out of the domain: a trade intent as the broker's request body, `POST /positions`
 * or `POST /workingorders`. Decimals become JSON numbers here only, and only when exact.
 */
import { formatQueryTime } from '../capital/broker-time';
import { type CreatePositionRequest, type CreateWorkingOrderRequest } from '../capital/schemas/requests';
import { canonical, toDecimal } from '../money';
import { bracketTerm, type IntentBracket, type TradeIntent, tradeIntentSchema } from './intent-schema';

export type OrderRequest = { endpoint: 'createPosition'; body: CreatePositionRequest } | { endpoint: 'createWorkingOrder'; body: CreateWorkingOrderRequest };

/** Decimal text → the JSON number the wire takes, refusing one a double would change. */
function wireNumber(text: string, what: string): number {
  const value = Number(text);
  if (canonical(toDecimal(value)) !== canonical(toDecimal(text))) throw new Error(`${what} ${text} cannot be sent exactly as a JSON number`);
  return value;
}

function bracketFields(side: 'stop' | 'profit', bracket: IntentBracket | undefined): Partial<Record<`${typeof side}${'Distance' | 'Level' | 'Amount'}`, number>> {
  if (bracket === undefined) return {};
  const { kind, value } = bracketTerm(bracket);
  const name = `${side}${kind === 'distance' ? 'Distance' : kind === 'level' ? 'Level' : 'Amount'}` as const;
  return { [name]: wireNumber(value, `${side} ${kind}`) };
}

/**
 * The request that places the intent: a MARKET intent opens a position (`POST /positions`), a
 * LIMIT or STOP one a working order (`POST /workingorders`, good till cancelled unless it has a
 * good-till time, sent as the broker's zone-less UTC `YYYY-MM-DDTHH:MM:SS`). Both flags are sent,
 * false included, so what was asked for is on the wire. The intent is checked first; a malformed
 * one throws.
 */
export function orderRequestOf(intent: TradeIntent): OrderRequest {
  const checked = tradeIntentSchema.parse(intent);
  const common = { direction: checked.direction, epic: checked.epic, size: wireNumber(checked.size, 'size') };
  const brackets = { guaranteedStop: checked.guaranteedStop, trailingStop: checked.trailingStop, ...bracketFields('stop', checked.stop), ...bracketFields('profit', checked.profit) };
  if (checked.orderType === 'MARKET') return { endpoint: 'createPosition', body: { ...common, ...brackets } };
  const level = wireNumber(checked.level as string, 'level');
  const goodTill = checked.goodTillMs === undefined ? {} : { goodTillDate: formatQueryTime(checked.goodTillMs) };
  return { endpoint: 'createWorkingOrder', body: { ...common, level, type: checked.orderType, ...goodTill, ...brackets } };
}
