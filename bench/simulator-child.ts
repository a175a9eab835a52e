/**
 * The Capital.com simulator for a benchmark, in its own process: its data generation and HTTP
 * serialisation do not count against the worker's CPU or memory. Prints `{ url, credentials,
 * account }` once it is warm, and `{ peakRssMb }` when stopped.
 */
import { createCapitalClient } from '../lib/capital';
import { createLogger } from '../lib/log';
import { startSimulator } from '../simulator';
import { childArgs, onStopSignal, peakRssMb, report } from './children';

export interface SimulatorChildArgs {
  seed: number;
  transactionsPerMonth: number;
}

async function main(): Promise<void> {
  const args = childArgs<SimulatorChildArgs>();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const simulator = await startSimulator({ seed: args.seed, accountCount: 1, transactionsPerMonth: args.transactionsPerMonth, log, port: 0 });
  // A login reports the account's balance now, which the simulator derives from every day since
  // the account opened (at 100,000 a month, some 20 s the first time, then cached). A broker has
  // that number at hand: warm it up here so no timed run pays the simulator's one-off cost.
  const client = createCapitalClient({ capital: { environment: 'custom', baseUrl: simulator.url, ...simulator.credentials }, log });
  await client.accounts();
  client.session.close();
  onStopSignal(async () => {
    await simulator.close();
    report({ peakRssMb: peakRssMb() });
  });
  report({ url: simulator.url, credentials: simulator.credentials, account: simulator.accounts()[0] });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
