/**
 * `npx tsx bench/profile-ingest.ts [--transactions N]`: what ingesting one month costs in CPU,
 * stage by stage, without the database or Temporal (the reconcile-month benchmark gives the
 * stages of a whole run from its histories). Each stage runs on its own over the same month.
 */
import { parseArgs } from 'node:util';
import { createCapitalClient } from '../lib/capital';
import { parseResponse } from '../lib/capital/schemas';
import { transactionsResponseSchema } from '../lib/capital/schemas/history';
import { normaliseRows, rawSha256 } from '../lib/ledger/normalise';
import { createLogger } from '../lib/log';
import { startSimulator } from '../simulator';
import { simulatedAccounts } from '../simulator/data/accounts';
import { transactionsBetween } from '../simulator/data/transactions';

const DAY_MS = 86_400_000;
const JANUARY_MS = Date.UTC(2025, 0, 1);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { transactions: { type: 'string', default: '100000' } } });
  const transactionsPerMonth = Number(values.transactions);
  const account = simulatedAccounts(1, 1, { transactionsPerMonth })[0]!;
  const days = Array.from({ length: 31 }, (_, d) => ({ fromMs: JANUARY_MS + d * DAY_MS, toMs: JANUARY_MS + (d + 1) * DAY_MS }));
  const stages: Array<[string, number]> = [];
  const time = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stages.push([name, (performance.now() - started) / 1000]);
    return result;
  };

  const rowsByDay = await time('simulator: generate the rows', () => days.map((day) => [...transactionsBetween({ seed: 1, account, ...day })]));
  const bodies = await time('simulator: JSON.stringify the answers', () => rowsByDay.map((rows) => JSON.stringify({ transactions: rows })));
  const wire = await time('client: JSON.parse', () => bodies.map((text) => JSON.parse(text) as { transactions: unknown[] }));
  const parsed = await time('client: zod validation', () => wire.map((body) => parseResponse('GET /history/transactions', transactionsResponseSchema, body).transactions));
  await time('ingest: SHA-256 of every raw row (canonical JSON)', () => wire.map((body) => body.transactions.map((row) => rawSha256(row))));
  await time('ingest: normaliseRows (SHA-256 included)', () => parsed.map((rows, i) => normaliseRows(rows, account.accountId, { rawRows: (wire[i] as { transactions: unknown[] }).transactions })));

  // The same month over HTTP, one request per day: generation, serialisation, transfer, parsing
  // and validation together, on one core (simulator and client share this process).
  const log = createLogger({ level: 'warn' });
  const simulator = await startSimulator({ seed: 1, accountCount: 1, transactionsPerMonth, log, port: 0 });
  const client = createCapitalClient({ capital: { environment: 'custom', baseUrl: simulator.url, ...simulator.credentials }, log });
  try {
    await time('simulator: first login (balance since the account opened)', () => client.accounts());
    await time('HTTP: one request per day, end to end', async () => {
      for (const day of days) await client.transactionsInWithRaw(day);
    });
  } finally {
    client.session.close();
    await simulator.close();
  }
  const rows = rowsByDay.reduce((n, day) => n + day.length, 0);
  console.log(`${rows} rows over ${days.length} days`);
  for (const [name, seconds] of stages) console.log(`${name.padEnd(64)} ${seconds.toFixed(2).padStart(7)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
