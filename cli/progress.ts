import { setTimeout as sleep } from 'node:timers/promises';
import type { IngestProgress } from '../workflows/ingest-windows';
import type { ReconcileProgress } from '../workflows/reconcile-account-period';

interface Queryable {
  query<T>(name: string): Promise<T>;
}

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/**
 * While ingesting, windows and records come from the slices themselves (each answers
 * `ingestProgress`), so the bar moves per window, not per slice of a hundred.
 */
async function currentProgress(handle: Queryable, child: (workflowId: string) => Queryable): Promise<ReconcileProgress> {
  const p = await handle.query<ReconcileProgress>('progress');
  if (p.stage !== 'ingesting' || p.ingestChildren.length === 0) return p;
  const slices = await Promise.allSettled(p.ingestChildren.map((id) => child(id).query<IngestProgress>('ingestProgress')));
  const answered = slices.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (answered.length === 0) return p;
  const fromSlices = { windowsDone: answered.reduce((n, s) => n + s.windowsDone, 0), records: answered.reduce((n, s) => n + s.rows, 0) };
  return { ...p, windowsDone: Math.max(p.windowsDone, fromSlices.windowsDone), records: Math.max(p.records, fromSlices.records) };
}

/** A progress bar on stderr fed by a run's `progress` query (and its slices'), until `done` settles. */
export async function showProgress(handle: Queryable, done: Promise<unknown>, child: (workflowId: string) => Queryable): Promise<void> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  const terminal = Boolean(process.stderr.isTTY);
  let lastStage = '';
  for (let tick = 0; !finished && tick < 1_000_000; tick++) {
    try {
      const p = await currentProgress(handle, child);
      const line = `  ${p.stage.padEnd(11)} ${bar(p.windowsDone, p.windowsTotal)}  windows ${p.windowsDone}/${p.windowsTotal}  records ${p.records}  exceptions ${p.exceptions}`;
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
