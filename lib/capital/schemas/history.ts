/**
 * Account history: activity (`/history/activity`) and transactions (`/history/transactions`).
 *
 * The broker spells the UTC date `dateUTC` on activity rows and `dateUtc` on transactions. Both
 * schemas accept either spelling and output only `dateUtc`, so downstream code has one name.
 */
import { z } from 'zod';
import { decimalSchema, directionSchema, localTimestampSchema, openEnum, preferCurrentNames, type OmitKnown } from './common';

/** Activity `source` values (REFERENCE §4.1). */
export const ACTIVITY_SOURCES = ['CLOSE_OUT', 'DEALER', 'SL', 'SYSTEM', 'TP', 'USER'] as const;

/** Activity `status` values (REFERENCE §4.1). */
export const ACTIVITY_STATUSES = [
  'ACCEPTED',
  'CREATED',
  'EXECUTED',
  'EXPIRED',
  'REJECTED',
  'MODIFIED',
  'MODIFY_REJECT',
  'CANCELLED',
  'CANCEL_REJECT',
  'UNKNOWN',
] as const;

/** Activity `type` values (REFERENCE §4.1). */
export const ACTIVITY_TYPES = ['POSITION', 'WORKING_ORDER', 'EDIT_STOP_AND_LIMIT', 'SWAP', 'SYSTEM'] as const;

/** The 26 transactionType values of the current docs (REFERENCE §4.2). */
export const TRANSACTION_TYPES = [
  'INACTIVITY_FEE',
  'RESERVE',
  'VOID',
  'UNRESERVE',
  'WRITE_OFF_OR_CREDIT',
  'CREDIT_FACILITY',
  'FX_COMMISSION',
  'COMPLAINT_SETTLEMENT',
  'DEPOSIT',
  'WITHDRAWAL',
  'REFUND',
  'WITHDRAWAL_MONEY_BACK',
  'TRADE',
  'SWAP',
  'TRADE_COMMISSION',
  'TRADE_COMMISSION_GSL',
  'NEGATIVE_BALANCE_PROTECTION',
  'TRADE_CORRECTION',
  'CHARGEBACK',
  'ADJUSTMENT',
  'BONUS',
  'TRANSFER',
  'CORPORATE_ACTION',
  'CONVERSION',
  'REBATE',
  'TRADE_SLIPPAGE_PROTECTION',
] as const;

/** Values only the 2022 docs listed; old rows may still carry them. */
export const LEGACY_TRANSACTION_TYPES = ['CONVERT', 'REIMBURSEMENT', 'DIVIDEND', 'ACCOUNT_CLOSURE'] as const;

/** Transaction `status`: only PROCESSED has been seen; others are unconfirmed. */
export const TRANSACTION_STATUSES = ['PROCESSED'] as const;

/** Both spellings of the UTC date, validated where they appear on the wire. */
const utcDateSpellings = {
  dateUtc: localTimestampSchema.optional(),
  dateUTC: localTimestampSchema.optional(),
};

/**
 * Replaces whichever UTC date spelling the row had with `dateUtc`. A row with neither is an issue
 * at `dateUtc`, the name the rest of the code uses.
 */
function withDateUtc<Row extends Record<string, unknown> & { dateUtc?: string | undefined; dateUTC?: string | undefined }>(
  row: Row,
  ctx: z.core.$RefinementCtx<Row>,
): OmitKnown<Row, 'dateUTC'> & { dateUtc: string } {
  const renamed = preferCurrentNames(row, { dateUTC: 'dateUtc' });
  const dateUtc = row.dateUtc ?? row.dateUTC;
  if (dateUtc === undefined) {
    ctx.issues.push({ code: 'custom', path: ['dateUtc'], message: 'missing: neither dateUtc nor dateUTC is present', input: row });
    return z.NEVER;
  }
  return { ...renamed, dateUtc };
}

/** `details` of a detailed activity row. Its full field list is unconfirmed, so every field is optional. */
export const activityDetailsSchema = z.looseObject({
  dealReference: z.string().optional(),
  marketName: z.string().optional(),
  currency: z.string().optional(),
  /** Position size; 0 on EDIT_STOP_AND_LIMIT rows. */
  size: decimalSchema.optional(),
  direction: directionSchema.optional(),
  level: decimalSchema.optional(),
  guaranteedStop: z.boolean().optional(),
  workingOrderId: z.string().optional(),
  openPrice: decimalSchema.optional(),
  stopLevel: decimalSchema.optional(),
  profitLevel: decimalSchema.optional(),
  stopDistance: decimalSchema.optional(),
  profitDistance: decimalSchema.optional(),
  trailingStop: z.boolean().optional(),
});
export type ActivityDetails = z.output<typeof activityDetailsSchema>;

export const activitySchema = z
  .looseObject({
    /** Platform-local time; use `dateUtc`. */
    date: localTimestampSchema,
    ...utcDateSpellings,
    epic: z.string(),
    dealId: z.string(),
    source: openEnum(ACTIVITY_SOURCES),
    type: openEnum(ACTIVITY_TYPES),
    status: openEnum(ACTIVITY_STATUSES),
    /** Only with `detailed=true`. */
    details: activityDetailsSchema.optional(),
  })
  .transform(withDateUtc);
export type Activity = z.output<typeof activitySchema>;

/** `GET /history/activity`. */
export const activityResponseSchema = z.looseObject({ activities: z.array(activitySchema) });
export type ActivityResponse = z.output<typeof activityResponseSchema>;

export const transactionSchema = z
  .looseObject({
    /** Platform-local time; use `dateUtc`. */
    date: localTimestampSchema,
    ...utcDateSpellings,
    /** Epic-like; absent on DEPOSIT rows. */
    instrumentName: z.string().optional(),
    transactionType: openEnum([...TRANSACTION_TYPES, ...LEGACY_TRANSACTION_TYPES]),
    note: z.string(),
    reference: z.string(),
    /** Signed cash amount in the account currency, a decimal string on the wire ("-80.43"). */
    size: decimalSchema,
    currency: z.string(),
    status: openEnum(TRANSACTION_STATUSES).optional(),
    /** Seen on live TRADE rows only (community observation). */
    dealId: z.string().optional(),
  })
  .transform(withDateUtc);
export type Transaction = z.output<typeof transactionSchema>;

/** `GET /history/transactions`. */
export const transactionsResponseSchema = z.looseObject({ transactions: z.array(transactionSchema) });
export type TransactionsResponse = z.output<typeof transactionsResponseSchema>;
