/**
 * A market-data worker for the streaming benchmark, in its own process so its CPU and memory are
 * its own: the real `createMarketWorker` with a Capital.com client for the simulator. Samples its
 * RSS every second; prints `{ ready: true }` once polling, and `{ peakRssMb, rssSamples }` when stopped.
 */
import { createCapitalClient } from '../lib/capital';
import { createLogger } from '../lib/log';
import { connectMongo } from '../lib/store/mongo';
import { workflowBundle } from '../workers/bundle';
import { createMarketWorker } from '../workers/market-worker';
import { installTemporalRuntime } from '../workers/runtime';
import { childArgs, onStopSignal, peakRssMb, report } from './children';

export interface MarketWorkerChildArgs {
  temporal: { address: string; namespace: string; taskQueue: string };
  mongoUri: string;
  database: string;
  cacheDir: string;
  capital: { baseUrl: string; apiKey: string; identifier: string; password: string };
}

const RSS_SAMPLE_MS = 1_000;

async function main(): Promise<void> {
  const args = childArgs<MarketWorkerChildArgs>();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  installTemporalRuntime(log);
  const mongo = await connectMongo(args.mongoUri, args.database);
  const capital = createCapitalClient({ capital: { environment: 'custom', ...args.capital }, log });
  const { worker, close } = await createMarketWorker({ ...args.temporal, bundle: await workflowBundle(args.cacheDir, log), db: mongo.db, log, capitalFor: () => capital, quoteRetentionDays: 1 });
  const rssSamples: Array<[number, number]> = [];
  const sampler = setInterval(() => rssSamples.push([Date.now(), Math.round(process.memoryUsage.rss() / 2 ** 20)]), RSS_SAMPLE_MS);
  const running = worker.run();
  onStopSignal(async () => {
    clearInterval(sampler);
    worker.shutdown();
    await running;
    await close();
    capital.session.close();
    await mongo.close();
    report({ peakRssMb: peakRssMb(), rssSamples });
  });
  report({ ready: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
