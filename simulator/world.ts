import { canonical, toDecimal, type Decimal } from '../lib/money';
import { accountBalanceAt, accountPreferences, type AccountBalanceWire, type AccountPreferences } from './data/account-wire';
import { simulatedAccounts, type SimulatedAccount } from './data/accounts';
import type { TransactionOptions } from './data/transactions';

/** Limits of the history endpoints that the real API leaves undocumented; configurable here. */
export interface HistoryPolicy {
  /** `/history/transactions` refuses ranges longer than this (error.invalid.daterange); default none. */
  transactionsMaxRangeMs?: number;
  /** `/history/transactions` silently returns at most this many rows (to exercise gap detection). */
  transactionsRowCap?: number;
}

export interface WorldOptions {
  seed: number;
  accountCount: number;
  transactionsPerMonth?: number;
  transactionOptions?: TransactionOptions;
  history: HistoryPolicy;
}

/** What API calls change for an account; the generated history itself is never mutated. */
interface AccountState {
  preferences: AccountPreferences;
  /** Sum of `POST /accounts/topUp` amounts, on top of the generated cash. */
  toppedUp: Decimal;
}

/** The simulated broker's accounts, their generated history, and the state API calls change. */
export class SimulatorWorld {
  readonly accounts: SimulatedAccount[];
  private readonly states = new Map<string, AccountState>();

  constructor(readonly options: WorldOptions) {
    this.accounts = simulatedAccounts(options.seed, options.accountCount, {
      ...(options.transactionsPerMonth ? { transactionsPerMonth: options.transactionsPerMonth } : {}),
    });
  }

  get seed(): number {
    return this.options.seed;
  }

  /** A stable client id for the seed, like the examples' 8 digits. */
  get clientId(): string {
    return String(10_000_000 + (Math.abs(this.seed * 7_919) % 89_999_999));
  }

  account(accountId: string): SimulatedAccount | undefined {
    return this.accounts.find((a) => a.accountId === accountId);
  }

  defaultAccount(): SimulatedAccount {
    return this.accounts.find((a) => a.preferred) ?? (this.accounts[0] as SimulatedAccount);
  }

  state(accountId: string): AccountState {
    let state = this.states.get(accountId);
    if (!state) {
      state = { preferences: accountPreferences(), toppedUp: toDecimal(0) };
      this.states.set(accountId, state);
    }
    return state;
  }

  /** Balances at an instant: generated history and positions, plus top-ups. */
  balances(account: SimulatedAccount, atMs: number): AccountBalanceWire {
    const generated = accountBalanceAt({ seed: this.seed, account, atMs, options: this.options.transactionOptions });
    const extra = this.state(account.accountId).toppedUp;
    if (extra.isZero()) return generated;
    const add = (value: number) => Number(canonical(toDecimal(value).plus(extra)));
    return { balance: add(generated.balance), deposit: add(generated.deposit), profitLoss: generated.profitLoss, available: add(generated.available) };
  }
}
