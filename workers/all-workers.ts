import type { Worker } from '@temporalio/worker';
import type { Config } from '../lib/config';
import { createMarketWorker } from './market-worker';
import { createReconWorker, type ReconWorkerOptions } from './recon-worker';

export interface ServingWorkers {
  workers: Worker[];
  /** Closes the workers' connections; call after every `worker.run()` has returned. */
  close(): Promise<void>;
}

/**
 * What `recon worker` and `recon dev` serve: the recon queue (reconciliations, monitors, intents,
 * back-fills) and the market-data queue (streaming supervisors), one worker each in this process.
 */
export async function createServingWorkers(options: ReconWorkerOptions, market: Config['market']): Promise<ServingWorkers> {
  const recon = await createReconWorker(options);
  try {
    const streaming = await createMarketWorker({ ...options, taskQueue: market.taskQueue, quoteRetentionDays: market.quoteRetentionDays });
    return {
      workers: [recon.worker, streaming.worker],
      close: async () => {
        await streaming.close();
        await recon.close();
      },
    };
  } catch (error) {
    await recon.close();
    throw error;
  }
}
