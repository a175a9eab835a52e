/**
 * What every generator needs: the seed and the account, plus the key that names their cached
 * results. Everything that changes generated data is part of that key.
 */
import { type Seed, type SimulatedAccount, TRANSACTIONS_PER_MONTH_MAX } from './accounts';
import { dayIndexOf } from './time';

export interface GenerationContext {
  readonly seed: string;
  readonly account: SimulatedAccount;
  /** First UTC day of the account's history (its opening instant rounded down to midnight). */
  readonly firstDay: number;
  /** Names the cached per-day results of this seed and account. */
  readonly cacheKey: string;
}

export function generationContext(seed: Seed, account: SimulatedAccount): GenerationContext {
  const perMonth = account.transactionsPerMonth;
  if (!Number.isInteger(perMonth) || perMonth < 0 || perMonth > TRANSACTIONS_PER_MONTH_MAX) {
    throw new RangeError(`transactionsPerMonth must be an integer 0..${TRANSACTIONS_PER_MONTH_MAX}, got ${perMonth}`);
  }
  if (account.tradedEpics.length === 0) throw new RangeError('an account must trade at least one market');
  const seedText = String(seed);
  const cacheKey = JSON.stringify([
    seedText,
    account.accountId,
    account.currency,
    account.openedAtMs,
    perMonth,
    account.tradedEpics,
    account.referencePrefix,
    account.dealIdPrefix,
    account.timezoneOffset,
  ]);
  return { seed: seedText, account, firstDay: dayIndexOf(account.openedAtMs), cacheKey };
}
