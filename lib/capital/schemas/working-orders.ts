/** Working orders: `GET /workingorders`. */
import { z } from 'zod';
import { decimalSchema, directionSchema, localTimestampSchema, openEnum } from './common';
import { marketSummarySchema } from './markets';

export const TIME_IN_FORCE_VALUES = ['GOOD_TILL_CANCELLED', 'GOOD_TILL_DATE'] as const;
export const ORDER_TYPES = ['LIMIT', 'STOP'] as const;

/** One working order. `goodTillDate*` only for GTD orders; distances only when set, and may be signed. */
export const workingOrderDataSchema = z.looseObject({
  dealId: z.string(),
  direction: directionSchema,
  epic: z.string(),
  orderSize: decimalSchema,
  /** Newest docs only. */
  leverage: z.number().optional(),
  orderLevel: decimalSchema,
  timeInForce: openEnum(TIME_IN_FORCE_VALUES),
  goodTillDate: localTimestampSchema.optional(),
  goodTillDateUTC: localTimestampSchema.optional(),
  createdDate: localTimestampSchema,
  createdDateUTC: localTimestampSchema,
  guaranteedStop: z.boolean(),
  orderType: openEnum(ORDER_TYPES),
  stopDistance: decimalSchema.optional(),
  profitDistance: decimalSchema.optional(),
  stopLevel: decimalSchema.optional(),
  profitLevel: decimalSchema.optional(),
  /** Newest docs only. */
  trailingStop: z.boolean().optional(),
  currencyCode: z.string(),
});
export type WorkingOrderData = z.output<typeof workingOrderDataSchema>;

export const workingOrderSchema = z.looseObject({
  workingOrderData: workingOrderDataSchema,
  marketData: marketSummarySchema,
});
export type WorkingOrder = z.output<typeof workingOrderSchema>;

/** `GET /workingorders`. */
export const workingOrdersResponseSchema = z.looseObject({ workingOrders: z.array(workingOrderSchema) });
export type WorkingOrdersResponse = z.output<typeof workingOrdersResponseSchema>;
