/**
 * Request bodies with the documented constraints: the client builds them, the simulator checks
 * what clients send. Objects are strict: our client is the only sender, so an unknown field is a
 * typo (`stoplevel`) that the broker would silently ignore, losing a stop loss.
 *
 * Sizes, levels, distances and amounts are JSON numbers on the wire, so they stay numbers here;
 * turn a `Decimal` into one with `Number(canonical(d))` at the edge, never with arithmetic.
 */
import { z } from 'zod';
import { LEVERAGE_CLASSES } from './accounts';
import { directionSchema } from './common';
import { ORDER_TYPES } from './working-orders';

/** True for a finite number above zero: what sizes, levels, distances and amounts must be. */
export function isFinitePositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** A size, level, distance or amount as sent on the wire. */
export const positiveWireNumberSchema = z.number().refine(isFinitePositive, { error: 'must be a finite number greater than 0' });

/** UTC `YYYY-MM-DDTHH:MM:SS`: no zone (the broker rejects a trailing Z) and no milliseconds. */
export const GOOD_TILL_DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
export const goodTillDateSchema = z
  .string()
  .regex(GOOD_TILL_DATE_PATTERN, { error: 'expected a UTC time YYYY-MM-DDTHH:MM:SS without zone or milliseconds' });

/** `POST /session`. `password` is the API key's custom password, plain or RSA-encrypted. */
export const createSessionRequestSchema = z.strictObject({
  identifier: z.string().min(1),
  password: z.string().min(1),
  encryptedPassword: z.boolean().optional(),
});
export type CreateSessionRequest = z.output<typeof createSessionRequestSchema>;

/** `PUT /session`. */
export const switchAccountRequestSchema = z.strictObject({ accountId: z.string().min(1) });
export type SwitchAccountRequest = z.output<typeof switchAccountRequestSchema>;

/** `PUT /accounts/preferences`: leverage per asset class, and the hedging switch. */
export const updatePreferencesRequestSchema = z.strictObject({
  leverages: z.partialRecord(z.enum(LEVERAGE_CLASSES), z.number().int().positive()).optional(),
  hedgingMode: z.boolean().optional(),
});
export type UpdatePreferencesRequest = z.output<typeof updatePreferencesRequestSchema>;

/** Demo balances are capped; a single top-up must lie within ±400000 (REFERENCE §2.1). */
export const TOP_UP_AMOUNT_LIMIT = 400_000;

/** `POST /accounts/topUp` (demo only). */
export const topUpRequestSchema = z.strictObject({
  amount: z.number().min(-TOP_UP_AMOUNT_LIMIT).max(TOP_UP_AMOUNT_LIMIT),
});
export type TopUpRequest = z.output<typeof topUpRequestSchema>;

/** The stop loss and take profit, each as a price level, a distance or a money amount. */
const bracketFields = {
  guaranteedStop: z.boolean().optional(),
  trailingStop: z.boolean().optional(),
  stopLevel: positiveWireNumberSchema.optional(),
  stopDistance: positiveWireNumberSchema.optional(),
  stopAmount: positiveWireNumberSchema.optional(),
  profitLevel: positiveWireNumberSchema.optional(),
  profitDistance: positiveWireNumberSchema.optional(),
  profitAmount: positiveWireNumberSchema.optional(),
};

/** On updates `null` clears a leg; clearing a trailing stop also needs `trailingStop: false`. */
const clearableBracketFields = {
  guaranteedStop: z.boolean().optional(),
  trailingStop: z.boolean().optional(),
  stopLevel: positiveWireNumberSchema.nullable().optional(),
  stopDistance: positiveWireNumberSchema.nullable().optional(),
  stopAmount: positiveWireNumberSchema.nullable().optional(),
  profitLevel: positiveWireNumberSchema.nullable().optional(),
  profitDistance: positiveWireNumberSchema.nullable().optional(),
  profitAmount: positiveWireNumberSchema.nullable().optional(),
};

interface BracketFields {
  guaranteedStop?: boolean | undefined;
  trailingStop?: boolean | undefined;
  stopLevel?: number | null | undefined;
  stopDistance?: number | null | undefined;
  stopAmount?: number | null | undefined;
}

/** Names of the 8 stop-loss / take-profit fields shared by positions and working orders. */
export const BRACKET_FIELD_NAMES = Object.keys(bracketFields) as (keyof typeof bracketFields)[];

/**
 * The documented rules: a guaranteed stop needs a stop and excludes a trailing stop; a trailing
 * stop needs `stopDistance`. (A guaranteed stop is also refused in hedging mode, which a body
 * alone cannot tell.)
 */
function checkBracketRules<Body extends BracketFields>(body: Body, ctx: z.core.$RefinementCtx<Body>): void {
  const hasStop = [body.stopLevel, body.stopDistance, body.stopAmount].some((value) => value !== undefined && value !== null);
  if (body.guaranteedStop === true && body.trailingStop === true) {
    ctx.addIssue({ code: 'custom', path: ['trailingStop'], message: 'a trailing stop cannot be combined with a guaranteed stop' });
  }
  if (body.guaranteedStop === true && !hasStop) {
    ctx.addIssue({ code: 'custom', path: ['guaranteedStop'], message: 'a guaranteed stop needs stopLevel, stopDistance or stopAmount' });
  }
  if (body.trailingStop === true && (body.stopDistance === undefined || body.stopDistance === null)) {
    ctx.addIssue({ code: 'custom', path: ['stopDistance'], message: 'a trailing stop needs stopDistance' });
  }
}

function checkSomethingToUpdate(body: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>): void {
  if (Object.values(body).every((value) => value === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'an update needs at least one field' });
  }
}

/** `POST /positions`. Returns an order reference (`o_…`) to confirm via `/confirms`. */
export const createPositionRequestSchema = z
  .strictObject({
    direction: directionSchema,
    epic: z.string().min(1),
    size: positiveWireNumberSchema,
    ...bracketFields,
  })
  .superRefine(checkBracketRules);
export type CreatePositionRequest = z.output<typeof createPositionRequestSchema>;

/** `PUT /positions/:dealId`: only the stop loss and take profit can change. */
export const updatePositionRequestSchema = z
  .strictObject(clearableBracketFields)
  .superRefine(checkBracketRules)
  .superRefine(checkSomethingToUpdate);
export type UpdatePositionRequest = z.output<typeof updatePositionRequestSchema>;

/** `POST /workingorders`. Without `goodTillDate` the order is good till cancelled. */
export const createWorkingOrderRequestSchema = z
  .strictObject({
    direction: directionSchema,
    epic: z.string().min(1),
    size: positiveWireNumberSchema,
    level: positiveWireNumberSchema,
    type: z.enum(ORDER_TYPES),
    goodTillDate: goodTillDateSchema.optional(),
    ...bracketFields,
  })
  .superRefine(checkBracketRules);
export type CreateWorkingOrderRequest = z.output<typeof createWorkingOrderRequestSchema>;

/** `PUT /workingorders/:dealId`. Clearing a leg with `null` is assumed to work as on positions. */
export const updateWorkingOrderRequestSchema = z
  .strictObject({
    level: positiveWireNumberSchema.optional(),
    goodTillDate: goodTillDateSchema.optional(),
    ...clearableBracketFields,
  })
  .superRefine(checkBracketRules)
  .superRefine(checkSomethingToUpdate);
export type UpdateWorkingOrderRequest = z.output<typeof updateWorkingOrderRequestSchema>;

/** Watchlist names are 1–20 characters (`error.size.createwatchlistrequest.name` otherwise). */
export const WATCHLIST_NAME_LENGTH_MAX = 20;

/** `POST /watchlists`. */
export const createWatchlistRequestSchema = z.strictObject({
  name: z.string().min(1).max(WATCHLIST_NAME_LENGTH_MAX),
  epics: z.array(z.string().min(1)).optional(),
});
export type CreateWatchlistRequest = z.output<typeof createWatchlistRequestSchema>;

/** `PUT /watchlists/:watchlistId`: adds one market. */
export const addToWatchlistRequestSchema = z.strictObject({ epic: z.string().min(1) });
export type AddToWatchlistRequest = z.output<typeof addToWatchlistRequestSchema>;
