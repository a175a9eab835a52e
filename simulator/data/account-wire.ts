/**
 * Account-level wire shapes at an instant: `GET /accounts` items, the session response's
 * `accountInfo` and `accounts[]`, and `GET /accounts/preferences`.
 *
 * Balance fields follow the arithmetic of the official examples (REFERENCE §3, inferred):
 * `deposit` is the cash balance (opening balance plus every transaction so far), `profitLoss` the
 * unrealised P/L of the open positions, `balance = deposit + profitLoss`, and `available` the
 * balance minus the margin the open positions use (never below zero).
 */
import { Decimal, sum, toDecimal } from '../../lib/money';
import { type Seed, type SimulatedAccount } from './accounts';
import { conversionRate } from './fx';
import { allMarkets, INSTRUMENT_TYPES, leverageOf, marketByEpic, type InstrumentType } from './markets';
import { openPositionsAt } from './positions';
import { balanceAt, type TransactionOptions } from './transactions';
import { decimalNumber, toCents } from './wire-numbers';

export interface AccountBalanceWire {
  balance: number;
  deposit: number;
  profitLoss: number;
  available: number;
}

export interface AccountWire {
  accountId: string;
  accountName: string;
  status: 'ENABLED';
  accountType: 'CFD';
  preferred: boolean;
  balance: AccountBalanceWire;
  currency: string;
  symbol: string;
}

export interface SessionAccountWire {
  accountId: string;
  accountName: string;
  preferred: boolean;
  accountType: 'CFD';
  currency: string;
  symbol: string;
  balance: AccountBalanceWire;
}

export interface AccountAtParams {
  seed: Seed;
  account: SimulatedAccount;
  atMs: number;
  options?: TransactionOptions;
}

export function accountBalanceAt(params: AccountAtParams): AccountBalanceWire {
  const { account, atMs } = params;
  const cash = balanceAt(params);
  const positions = openPositionsAt(params);
  const profitLoss = sum(positions.map((item) => toDecimal(item.position.upl)));
  const margin = sum(
    positions.map((item) => {
      const market = marketByEpic(item.market.epic);
      const rate = conversionRate(market.currency, account.currency, atMs);
      return toDecimal(item.position.level).times(toDecimal(item.position.size)).times(rate).dividedBy(leverageOf(market));
    }),
  );
  const balance = cash.plus(profitLoss);
  const available = Decimal.max(0, balance.minus(margin));
  return {
    balance: decimalNumber(toCents(balance)),
    deposit: decimalNumber(toCents(cash)),
    profitLoss: decimalNumber(toCents(profitLoss)),
    available: decimalNumber(toCents(available)),
  };
}

/** One element of `GET /accounts`. */
export function accountWireAt(params: AccountAtParams): AccountWire {
  const { account } = params;
  return {
    accountId: account.accountId,
    accountName: account.accountName,
    status: 'ENABLED',
    accountType: 'CFD',
    preferred: account.preferred,
    balance: accountBalanceAt(params),
    currency: account.currency,
    symbol: account.symbol,
  };
}

/** One element of the session response's `accounts[]` (newest docs: with currency, symbol and balance). */
export function sessionAccountAt(params: AccountAtParams): SessionAccountWire {
  const { account } = params;
  return {
    accountId: account.accountId,
    accountName: account.accountName,
    preferred: account.preferred,
    accountType: 'CFD',
    currency: account.currency,
    symbol: account.symbol,
    balance: accountBalanceAt(params),
  };
}

export interface SessionBody {
  accountType: 'CFD';
  accountInfo: AccountBalanceWire;
  currencyIsoCode: string;
  currencySymbol: string;
  currentAccountId: string;
  streamingHost: string;
  accounts: SessionAccountWire[];
  clientId: string;
  timezoneOffset: number;
  hasActiveDemoAccounts: boolean;
  hasActiveLiveAccounts: boolean;
  trailingStopsEnabled: boolean;
}

export interface SessionBodyParams {
  seed: Seed;
  accounts: readonly SimulatedAccount[];
  currentAccountId: string;
  clientId: string;
  atMs: number;
  streamingHost?: string;
}

/** The `POST /session` body for a client owning `accounts`, with `currentAccountId` active. */
export function sessionBodyAt(params: SessionBodyParams): SessionBody {
  const current = params.accounts.find((a) => a.accountId === params.currentAccountId);
  if (!current) throw new RangeError(`account ${params.currentAccountId} is not among the client's accounts`);
  const demo = params.accounts.some((a) => a.currency.endsWith('d'));
  const accounts = params.accounts.map((account) => sessionAccountAt({ seed: params.seed, account, atMs: params.atMs }));
  const currentEntry = accounts.find((a) => a.accountId === current.accountId) as SessionAccountWire;
  return {
    accountType: 'CFD',
    accountInfo: { ...currentEntry.balance },
    currencyIsoCode: current.currency,
    currencySymbol: current.symbol,
    currentAccountId: current.accountId,
    streamingHost: params.streamingHost ?? 'wss://api-streaming-capital.backend-capital.com/',
    accounts,
    clientId: params.clientId,
    timezoneOffset: current.timezoneOffset,
    hasActiveDemoAccounts: demo,
    hasActiveLiveAccounts: !demo,
    trailingStopsEnabled: false,
  };
}

export interface AccountPreferences {
  hedgingMode: boolean;
  leverages: Record<InstrumentType, { current: number; available: number[] }>;
}

const AVAILABLE_LEVERAGES: Readonly<Record<InstrumentType, readonly number[]>> = {
  SHARES: [1, 2, 3, 5],
  CURRENCIES: [1, 10, 20, 30],
  INDICES: [1, 10, 20],
  CRYPTOCURRENCIES: [1, 2],
  COMMODITIES: [1, 5, 10, 20],
};

/** `GET /accounts/preferences`: the leverage each instrument type trades at in the simulator. */
export function accountPreferences(): AccountPreferences {
  const leverages = {} as Record<InstrumentType, { current: number; available: number[] }>;
  for (const type of INSTRUMENT_TYPES) {
    const market = allMarkets().find((m) => m.type === type);
    leverages[type] = { current: market ? leverageOf(market) : 1, available: [...AVAILABLE_LEVERAGES[type]] };
  }
  return { hedgingMode: false, leverages };
}
