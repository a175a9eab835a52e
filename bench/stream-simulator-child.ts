/**
 * The simulator for the streaming benchmark, in its own process so that generating and sending
 * quotes does not count against the worker. Besides the simulator it serves a small control port:
 * `POST /rate?quotesPerSecond=N` sets the total quote rate, `GET /stats` returns the streaming
 * server's counters (quotes sent, quotes dropped for slow clients, connections).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../lib/log';
import { startSimulator } from '../simulator';
import { childArgs, onStopSignal, report } from './children';

export interface StreamSimulatorChildArgs {
  seed: number;
  quotesPerSecond: number;
}

async function main(): Promise<void> {
  const args = childArgs<StreamSimulatorChildArgs>();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const simulator = await startSimulator({ seed: args.seed, accountCount: 1, transactionsPerMonth: 1000, quotesPerSecond: args.quotesPerSecond, log, port: 0 });
  const control = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    if (request.method === 'POST' && url.pathname === '/rate') {
      simulator.streaming.setQuotesPerSecond(Number(url.searchParams.get('quotesPerSecond')));
      response.end('{}');
      return;
    }
    if (request.method === 'GET' && url.pathname === '/stats') {
      response.end(JSON.stringify(simulator.streaming.stats()));
      return;
    }
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  onStopSignal(async () => {
    control.close();
    await simulator.close();
  });
  report({ url: simulator.url, credentials: simulator.credentials, accountId: simulator.accounts()[0]!.accountId, controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}` });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
