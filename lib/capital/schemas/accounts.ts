/** Accounts, account preferences (leverage, hedging) and the demo top-up. */
import { z } from 'zod';
import { accountBalancesSchema, openEnum } from './common';
import { ACCOUNT_TYPES } from './session';

/** Seen officially: ENABLED. DISABLED and SUSPENDED_FROM_DEALING come from the IG-like Java DTOs. */
export const ACCOUNT_STATUSES = ['ENABLED', 'DISABLED', 'SUSPENDED_FROM_DEALING'] as const;

/** The asset classes that carry their own leverage setting (the keys of `leverages`). */
export const LEVERAGE_CLASSES = ['SHARES', 'CURRENCIES', 'INDICES', 'CRYPTOCURRENCIES', 'COMMODITIES'] as const;

export const accountSchema = z.looseObject({
  accountId: z.string(),
  accountName: z.string(),
  status: openEnum(ACCOUNT_STATUSES),
  accountType: openEnum(ACCOUNT_TYPES),
  preferred: z.boolean(),
  balance: accountBalancesSchema,
  /** Not necessarily ISO 4217: demo accounts report e.g. "USDd". */
  currency: z.string(),
  symbol: z.string().optional(),
});
export type Account = z.output<typeof accountSchema>;

/** `GET /accounts`. */
export const accountsResponseSchema = z.looseObject({ accounts: z.array(accountSchema) });
export type AccountsResponse = z.output<typeof accountsResponseSchema>;

/** Leverage for one asset class: the current ratio and the ratios one may choose. */
export const leverageSettingSchema = z.looseObject({
  current: z.number(),
  available: z.array(z.number()),
});
export type LeverageSetting = z.output<typeof leverageSettingSchema>;

/** `GET /accounts/preferences`. Classes are keyed by string so a new asset class is kept. */
export const preferencesResponseSchema = z.looseObject({
  hedgingMode: z.boolean(),
  leverages: z.record(z.string(), leverageSettingSchema),
});
export type PreferencesResponse = z.output<typeof preferencesResponseSchema>;

/** `POST /accounts/topUp` (demo only). */
export const topUpResponseSchema = z.looseObject({ successful: z.boolean() });
export type TopUpResponse = z.output<typeof topUpResponseSchema>;
