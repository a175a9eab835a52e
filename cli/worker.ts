import { runReconWorker } from '../workers/main';

export async function runWorker(): Promise<void> {
  await runReconWorker();
}
