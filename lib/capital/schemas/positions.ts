/** Open positions: `GET /positions` and `GET /positions/:dealId`. */
import { z } from 'zod';
import { decimalSchema, directionSchema, localTimestampSchema } from './common';
import { marketSummarySchema } from './markets';

/**
 * One open position. Stops and targets appear only when set: a static stop as `stopLevel`, a
 * trailing stop as `trailingStop: true` plus `stopDistance` (community observation, REFERENCE §5).
 */
export const positionSchema = z.looseObject({
  contractSize: decimalSchema,
  createdDate: localTimestampSchema,
  createdDateUTC: localTimestampSchema,
  /** Permanent id, used in `/positions/:dealId`. */
  dealId: z.string(),
  dealReference: z.string(),
  /** The order that opened the position. */
  workingOrderId: z.string(),
  size: decimalSchema,
  leverage: z.number(),
  /** Unrealised profit or loss in the account currency. */
  upl: decimalSchema,
  direction: directionSchema,
  /** Opening price. */
  level: decimalSchema,
  currency: z.string(),
  guaranteedStop: z.boolean(),
  stopLevel: decimalSchema.optional(),
  profitLevel: decimalSchema.optional(),
  trailingStop: z.boolean().optional(),
  stopDistance: decimalSchema.optional(),
  profitDistance: decimalSchema.optional(),
});
export type Position = z.output<typeof positionSchema>;

/** A position with its market: the element of `GET /positions`, and the body of `GET /positions/:dealId`. */
export const positionWithMarketSchema = z.looseObject({
  position: positionSchema,
  market: marketSummarySchema,
});
export type PositionWithMarket = z.output<typeof positionWithMarketSchema>;

/** `GET /positions`. */
export const positionsResponseSchema = z.looseObject({ positions: z.array(positionWithMarketSchema) });
export type PositionsResponse = z.output<typeof positionsResponseSchema>;
