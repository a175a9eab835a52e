import type { Worker } from '@temporalio/worker';
import { stopOnSignals } from '../lib/devstack';
import type { Logger } from '../lib/log';

/**
 * Runs `worker` until it fails or the process gets SIGINT/SIGTERM; either way `cleanUp` runs
 * exactly once after the worker has stopped polling and finished its in-flight tasks.
 */
export async function runWorkerUntilSignal(worker: Worker, cleanUp: () => Promise<void>, log: Logger): Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanUpOnce = () => (cleaning ??= cleanUp());
  const running = worker.run();
  stopOnSignals(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await cleanUpOnce();
  }, log);
  try {
    await running;
  } finally {
    await cleanUpOnce();
  }
}
