import type { Worker } from '@temporalio/worker';
import { stopOnSignals } from '../lib/devstack';
import type { Logger } from '../lib/log';

/**
 * Runs the workers until one fails or the process gets SIGINT/SIGTERM; either way every worker is
 * shut down and `cleanUp` runs exactly once after all have stopped polling and finished their
 * in-flight tasks.
 */
export async function runWorkerUntilSignal(workers: Worker | readonly Worker[], cleanUp: () => Promise<void>, log: Logger): Promise<void> {
  const all = Array.isArray(workers) ? [...(workers as readonly Worker[])] : [workers as Worker];
  let cleaning: Promise<void> | undefined;
  const cleanUpOnce = () => (cleaning ??= cleanUp());
  const shutDownAll = () => {
    for (const worker of all) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  const runs = all.map((worker) =>
    worker.run().catch((error: unknown) => {
      shutDownAll();
      throw error;
    }),
  );
  const running = Promise.all(runs);
  stopOnSignals(async () => {
    shutDownAll();
    await Promise.allSettled(runs);
    await cleanUpOnce();
  }, log);
  try {
    await running;
  } finally {
    await Promise.allSettled(runs);
    await cleanUpOnce();
  }
}
