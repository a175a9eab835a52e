import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconcileProgress } from '../workflows/reconcile-account-period';

/** A progress line on stderr fed by a run's `progress` query, until `done` settles. */
export async function showProgress(handle: { query<T>(name: string): Promise<T> }, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const terminal = Boolean(process.stderr.isTTY);
  let lastStage = '';
  for (let tick = 0; !finished && tick < 1_000_000; tick++) {
    try {
      const p = await handle.query<ReconcileProgress>('progress');
      const line = `  ${p.stage.padEnd(11)} windows ${p.windowsDone}/${p.windowsTotal}  records ${p.records}  exceptions ${p.exceptions}`;
      // On a terminal one line redrawn in place; in a log, one line per stage.
      if (terminal) process.stderr.write(`\r${line}   `);
      else if (p.stage !== lastStage) process.stderr.write(`${line}\n`);
      lastStage = p.stage;
    } catch {
      // the workflow may not have run its first task yet
    }
    await Promise.race([sleep(400), done.catch(() => undefined)]);
  }
  if (terminal) process.stderr.write('\n');
}
