import { loadConfig } from '../lib/config';
import { runReconWorker } from '../workers/main';
import { connectDatabase, connectTemporal } from './connections';

/** `recon worker`: checks both servers answer first, so an unreachable one gets the CLI's one-sentence error. */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  if (config.temporal.address && config.mongo.uri) {
    const temporal = await connectTemporal(config);
    await temporal.connection.close();
    const mongo = await connectDatabase(config, 'recon worker');
    await mongo.close();
  }
  await runReconWorker();
}
