/** Session endpoints: server time, ping, encryption key, login, details, account switch, logout. */
import { z } from 'zod';
import { accountBalancesSchema, epochMsSchema, openEnum } from './common';

/** Account types seen officially; S4's PHYSICAL and SPREADBET look like IG leftovers (REFERENCE §3). */
export const ACCOUNT_TYPES = ['CFD'] as const;

/** `GET /time`: no authentication needed. */
export const serverTimeResponseSchema = z.looseObject({ serverTime: epochMsSchema });
export type ServerTimeResponse = z.output<typeof serverTimeResponseSchema>;

/** `GET /session/encryptionKey`: a base64 SPKI key and the timestamp to append to the password. */
export const encryptionKeyResponseSchema = z.looseObject({
  encryptionKey: z.string().min(1),
  timeStamp: epochMsSchema,
});
export type EncryptionKeyResponse = z.output<typeof encryptionKeyResponseSchema>;

/** One account in the login response; currency, symbol and balance only appear in the newest docs. */
export const sessionAccountSchema = z.looseObject({
  accountId: z.string(),
  accountName: z.string(),
  preferred: z.boolean(),
  accountType: openEnum(ACCOUNT_TYPES),
  currency: z.string().optional(),
  symbol: z.string().optional(),
  balance: accountBalancesSchema.optional(),
});
export type SessionAccount = z.output<typeof sessionAccountSchema>;

/** `POST /session` body; the tokens themselves arrive as the CST and X-SECURITY-TOKEN headers. */
export const createSessionResponseSchema = z.looseObject({
  accountType: openEnum(ACCOUNT_TYPES),
  accountInfo: accountBalancesSchema,
  currencyIsoCode: z.string(),
  currencySymbol: z.string(),
  currentAccountId: z.string(),
  streamingHost: z.string(),
  accounts: z.array(sessionAccountSchema),
  clientId: z.string(),
  /** Whole hours between platform-local times (`date`, `createdDate`) and UTC. */
  timezoneOffset: z.number(),
  hasActiveDemoAccounts: z.boolean(),
  hasActiveLiveAccounts: z.boolean(),
  trailingStopsEnabled: z.boolean(),
});
export type CreateSessionResponse = z.output<typeof createSessionResponseSchema>;

/** `GET /session`. */
export const sessionDetailsResponseSchema = z.looseObject({
  clientId: z.string(),
  accountId: z.string(),
  timezoneOffset: z.number(),
  locale: z.string(),
  currency: z.string(),
  streamEndpoint: z.string(),
});
export type SessionDetailsResponse = z.output<typeof sessionDetailsResponseSchema>;

/** `PUT /session` (switch account). Streaming stops after a switch and must be resubscribed. */
export const switchAccountResponseSchema = z.looseObject({
  trailingStopsEnabled: z.boolean(),
  dealingEnabled: z.boolean(),
  hasActiveDemoAccounts: z.boolean(),
  hasActiveLiveAccounts: z.boolean(),
});
export type SwitchAccountResponse = z.output<typeof switchAccountResponseSchema>;
