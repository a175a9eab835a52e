/**
 * Shared fixtures for the simulator data tests: a fixed seed, its accounts, a reference month,
 * the official example bodies, and split points drawn from a seeded stream.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Prng } from '../../../simulator/data/prng';
import { simulatedAccounts, type SimulatedAccount } from '../../../simulator/data/accounts';
import { OFFICIAL_EXAMPLES_DIR } from '../../helpers/official-examples';

export const SEED = 'recon-test-seed';
export const MARCH_START_MS = Date.UTC(2025, 2, 1);
export const APRIL_START_MS = Date.UTC(2025, 3, 1);
export const DAY_MS = 86_400_000;

/** The seed's first account (USD, platform offset 3 h, 3000 transactions a month). */
export function usdAccount(): SimulatedAccount {
  return simulatedAccounts(SEED, 3)[0] as SimulatedAccount;
}

/** The same account, busier. */
export function busyAccount(transactionsPerMonth: number): SimulatedAccount {
  return { ...usdAccount(), transactionsPerMonth };
}

/** The body of an official example: the exchange's `response.body`, or the whole file for newest-docs bodies. */
export function exampleBody(file: string): unknown {
  const parsed = JSON.parse(readFileSync(path.join(OFFICIAL_EXAMPLES_DIR, file), 'utf8')) as { response?: { body?: unknown } };
  return parsed.response !== undefined ? parsed.response.body : parsed;
}

/** `count` distinct instants strictly inside (fromMs, toMs), from a seeded stream, sorted. */
export function splitPoints(label: string, fromMs: number, toMs: number, count: number): number[] {
  const rng = Prng.fromKey('test-splits', label);
  const points = new Set<number>();
  for (let attempt = 0; points.size < count && attempt < count * 10; attempt++) points.add(fromMs + 1 + Math.floor(rng.float() * (toMs - fromMs - 1)));
  return [...points].sort((a, b) => a - b);
}

/** Epoch ms of a wire UTC timestamp (`YYYY-MM-DDTHH:MM:SS[.mmm]`, no zone). */
export function utcMs(wire: string): number {
  return Date.parse(`${wire}Z`);
}
