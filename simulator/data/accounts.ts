/**
 * Simulated trading accounts: identity, currency, platform time offset, opening balance and how
 * busy each one is. Accounts are plain data; every generator takes (seed, account), so a test can
 * spread an account and change, say, `transactionsPerMonth` without touching anything else.
 */
import { Prng } from './prng';
import { allMarkets, type InstrumentType } from './markets';
import { dayIndexOf, dayStartMs } from './time';

/** The instant the simulated history begins; each account's opening balance applies here. */
export const SIMULATION_EPOCH_MS = Date.UTC(2025, 0, 1);
export const DEFAULT_TRANSACTIONS_PER_MONTH = 3000;
/** The generators are sized for this volume; more would break the per-day reference layout. */
export const TRANSACTIONS_PER_MONTH_MAX = 3_000_000;
const ACCOUNTS_MAX = 50;

export type Seed = string | number;

export interface SimulatedAccount {
  /** 17 digits, like the official examples. */
  accountId: string;
  accountName: string;
  /** ISO code, or a demo-style code such as "USDd". */
  currency: string;
  symbol: string;
  preferred: boolean;
  /** Hours added to UTC to print platform-local `date` fields (3 or 0 here). */
  timezoneOffset: number;
  /** History starts here (a UTC midnight); `openingBalance` is the cash balance at this instant. */
  openedAtMs: number;
  /** Decimal text in the account currency. */
  openingBalance: string;
  transactionsPerMonth: number;
  /** The markets this account trades; always includes a cryptocurrency, which trades at weekends. */
  tradedEpics: readonly string[];
  /** Three digits that start every transaction reference of the account (distinct within a set). */
  referencePrefix: number;
  /** Eight hex digits that start every dealId of the account. */
  dealIdPrefix: string;
}

export interface SimulatedAccountsOptions {
  openedAtMs?: number;
  /** Applies to every account; otherwise a few thousand, decreasing with the account index. */
  transactionsPerMonth?: number;
  /** Demo-style currency codes ("USDd", "EURd", …) as demo accounts report them. */
  demo?: boolean;
}

interface Profile {
  currency: 'USD' | 'EUR' | 'GBP';
  symbol: string;
  name: string;
  timezoneOffset: number;
}

const PROFILES: readonly Profile[] = [
  { currency: 'USD', symbol: '$', name: 'USD', timezoneOffset: 3 },
  { currency: 'EUR', symbol: '€', name: 'EUR', timezoneOffset: 0 },
  { currency: 'GBP', symbol: '£', name: 'GBP', timezoneOffset: 0 },
  { currency: 'USD', symbol: '$', name: 'Second account', timezoneOffset: 3 },
];

const TYPE_QUOTAS: readonly (readonly [InstrumentType, number])[] = [
  ['CRYPTOCURRENCIES', 2],
  ['CURRENCIES', 3],
  ['INDICES', 3],
  ['COMMODITIES', 3],
  ['SHARES', 3],
];

function seventeenDigits(rng: Prng): string {
  let digits = String(rng.int(1, 9));
  for (let i = 0; i < 16; i++) digits += String(rng.int(0, 9));
  return digits;
}

function pickTradedEpics(rng: Prng): string[] {
  const picked: string[] = [];
  for (const [type, quota] of TYPE_QUOTAS) {
    const candidates = allMarkets().filter((m) => m.type === type).map((m) => m.epic);
    for (let i = 0; i < quota; i++) {
      const remaining = candidates.filter((epic) => !picked.includes(epic));
      picked.push(rng.pick(remaining));
    }
  }
  return picked;
}

export function simulatedAccounts(seed: Seed, count = 3, options: SimulatedAccountsOptions = {}): SimulatedAccount[] {
  if (!Number.isInteger(count) || count < 1 || count > ACCOUNTS_MAX) throw new RangeError(`account count must be 1..${ACCOUNTS_MAX}, got ${count}`);
  const perMonth = options.transactionsPerMonth;
  if (perMonth !== undefined && (!Number.isInteger(perMonth) || perMonth < 0 || perMonth > TRANSACTIONS_PER_MONTH_MAX)) {
    throw new RangeError(`transactionsPerMonth must be an integer 0..${TRANSACTIONS_PER_MONTH_MAX}, got ${perMonth}`);
  }
  const accounts: SimulatedAccount[] = [];
  const usedIds = new Set<string>();
  for (let index = 0; index < count; index++) {
    const rng = Prng.fromKey('account', String(seed), index);
    const profile = PROFILES[index % PROFILES.length] as Profile;
    let accountId = seventeenDigits(rng);
    for (let attempt = 0; usedIds.has(accountId) && attempt < 100; attempt++) accountId = seventeenDigits(rng);
    if (usedIds.has(accountId)) throw new Error('could not draw a distinct account id');
    usedIds.add(accountId);
    const transactionsPerMonth = perMonth ?? Math.max(600, DEFAULT_TRANSACTIONS_PER_MONTH - 600 * index);
    accounts.push({
      accountId,
      accountName: index < PROFILES.length ? profile.name : `${profile.name} ${index + 1}`,
      currency: options.demo ? `${profile.currency}d` : profile.currency,
      symbol: profile.symbol,
      preferred: index === 0,
      timezoneOffset: profile.timezoneOffset,
      // History is generated in whole UTC days, so it starts at the midnight on or before the instant asked.
      openedAtMs: dayStartMs(dayIndexOf(options.openedAtMs ?? SIMULATION_EPOCH_MS)),
      openingBalance: String(10_000 + 10 * Math.round(transactionsPerMonth / 10)),
      transactionsPerMonth,
      tradedEpics: pickTradedEpics(rng),
      // Each index owns its own block of 17 prefixes, so prefixes never repeat within a set.
      referencePrefix: 100 + 17 * index + rng.int(0, 16),
      dealIdPrefix: rng.nextUint32().toString(16).padStart(8, '0'),
    });
  }
  return accounts;
}
