import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { simulatedAccounts } from '../simulator/data/accounts';
import { booksBetween, booksDifferences, writeBooksCsv, writeBooksJson } from '../simulator/data/books';
import { UserError } from './errors';

export interface SimBooksOptions {
  seed: number;
  accounts: number;
  transactionsPerMonth?: number;
  account?: string;
  period: string;
  format: 'csv' | 'json';
  out?: string;
  differences?: boolean;
}

/**
 * `recon sim-books`: the company's internal books for a simulated account and month, as CSV or
 * JSON, with the differences the simulator injected (for `recon books import` and for checking
 * that reconciliation finds exactly those).
 */
export async function runSimBooks(options: SimBooksOptions): Promise<void> {
  const [year, month] = options.period.split('-').map(Number) as [number, number];
  const fromMs = Date.UTC(year, month - 1, 1);
  const toMs = Date.UTC(year, month, 1);
  const accounts = simulatedAccounts(options.seed, options.accounts, options.transactionsPerMonth ? { transactionsPerMonth: options.transactionsPerMonth } : {});
  const account = options.account ? accounts.find((a) => a.accountId === options.account) : accounts[0];
  if (!account) throw new UserError(`no simulated account ${options.account} for seed ${options.seed}; known: ${accounts.map((a) => a.accountId).join(', ')}`);

  const params = { seed: options.seed, account, fromMs, toMs };
  if (options.differences) {
    console.log(JSON.stringify(booksDifferences(params), null, 2));
    return;
  }
  const destination = options.out ? createWriteStream(options.out) : process.stdout;
  const entries = booksBetween(params);
  const written = options.format === 'csv' ? await writeBooksCsv(entries, destination) : await writeBooksJson(entries, destination);
  if (options.out) {
    destination.end();
    await once(destination, 'finish');
    console.error(`wrote ${written} entries for account ${account.accountId}, ${options.period} UTC, to ${options.out}`);
  }
}
