import type { Worker, WorkflowBundlePath } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/log';
import { capitalClientsFor } from './capital';
import { createMarketWorker } from './market-worker';
import { createReconWorker } from './recon-worker';
import { tradingSettingsFrom } from './trading-settings';

export interface ServingWorkers {
  workers: Worker[];
  /** Closes the workers' connections; call after every `worker.run()` has returned. */
  close(): Promise<void>;
}

/**
 * What `recon worker` and `recon dev` serve, configured from `config`: the recon queue
 * (reconciliations, monitors, intents, back-fills, watchlist syncs, sentiment polls) and the
 * market-data queue (streaming supervisors), one worker each in this process, sharing one
 * Capital.com session per account.
 */
export async function createServingWorkers(config: Config, target: { address: string; namespace: string; bundle: WorkflowBundlePath; db: Db; log: Logger }): Promise<ServingWorkers> {
  const capitalFor = capitalClientsFor(config, target.log);
  const recon = await createReconWorker({ ...target, taskQueue: config.temporal.taskQueue, capitalFor, trading: tradingSettingsFrom(config) });
  try {
    const streaming = await createMarketWorker({ ...target, taskQueue: config.market.taskQueue, capitalFor, quoteRetentionDays: config.market.quoteRetentionDays });
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
