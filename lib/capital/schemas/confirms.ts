/**
 * Deal confirmations: `GET /confirms/:dealReference`. The confirm's own `dealId` is the order's;
 * the positions it opened or changed are in `affectedDeals`.
 */
import { z } from 'zod';
import { decimalSchema, directionSchema, localTimestampSchema, openEnum } from './common';

/** Seen: ACCEPTED. REJECTED from the Java sample. */
export const DEAL_STATUSES = ['ACCEPTED', 'REJECTED'] as const;

/** Confirm `status`; only OPEN is official, the rest come from the IG-like Java DTOs. */
export const CONFIRM_STATUSES = ['OPEN', 'AMENDED', 'CLOSED', 'DELETED', 'PARTIALLY_CLOSED'] as const;

export const AFFECTED_DEAL_STATUSES = ['OPENED', 'AMENDED', 'DELETED', 'FULLY_CLOSED', 'PARTIALLY_CLOSED'] as const;

/** A few of the ~60 documented reasons; the list is open. */
export const CONFIRM_REASONS = [
  'SUCCESS',
  'INSUFFICIENT_FUNDS',
  'MARKET_CLOSED',
  'MINIMUM_ORDER_SIZE_ERROR',
  'ATTACHED_ORDER_LEVEL_ERROR',
  'RISK_CHECK',
] as const;

export const affectedDealSchema = z.looseObject({
  dealId: z.string(),
  status: openEnum(AFFECTED_DEAL_STATUSES),
});
export type AffectedDeal = z.output<typeof affectedDealSchema>;

/**
 * The confirm. Only accepted confirms are documented, so what a rejection carries is uncertain:
 * beyond the identifying fields everything is optional, and rejections name their cause in
 * `rejectReason` (community) or `reason`.
 */
export const confirmResponseSchema = z.looseObject({
  date: localTimestampSchema,
  dealStatus: openEnum(DEAL_STATUSES),
  dealReference: z.string(),
  epic: z.string(),
  status: openEnum(CONFIRM_STATUSES).optional(),
  reason: openEnum(CONFIRM_REASONS).optional(),
  rejectReason: openEnum(CONFIRM_REASONS).optional(),
  dealId: z.string().optional(),
  affectedDeals: z.array(affectedDealSchema).optional(),
  level: decimalSchema.optional(),
  size: decimalSchema.optional(),
  direction: directionSchema.optional(),
  guaranteedStop: z.boolean().optional(),
  trailingStop: z.boolean().optional(),
  stopLevel: decimalSchema.optional(),
  profitLevel: decimalSchema.optional(),
  stopDistance: decimalSchema.optional(),
  profitDistance: decimalSchema.optional(),
  profit: decimalSchema.optional(),
  profitCurrency: z.string().optional(),
});
export type ConfirmResponse = z.output<typeof confirmResponseSchema>;
