/**
 * The worker's heap budget (RECON_WORKER_HEAP_MB). V8 sizes its heap from the limit it starts
 * with: under its default (about 4 GB here) it lets a month's garbage pile up to several hundred MB
 * before collecting, and RSS follows. The limit can only be set when the process starts (a later
 * `v8.setFlagsFromString` does not move it), so `recon worker` and `recon dev` start again as a
 * child process with `--max-old-space-size`; see `relaunchWithHeapBudget`.
 *
 * Sizing: the budget must hold the largest live heap of a run plus room to collect. At 100,000
 * transactions a month that peak is reconcilePeriod's, about 270 MB (measured with --trace-gc,
 * bench/profile-statements-memory.ts), and it grows with the month: a month that does not fit
 * stops the worker with a heap out-of-memory error, so raise RECON_WORKER_HEAP_MB for bigger
 * accounts. Statements need about 65 MB, ingestion about 100 MB. One budget covers one run at a
 * time; runs of several accounts at once need more (or more workers). Temporal's own bounds: the
 * worker runs at most MAX_CONCURRENT_ACTIVITIES activities (recon-worker.ts); the workflow cache
 * keeps the SDK default, which it derives from this same heap limit (about 80 workflows at 256 MB,
 * each small: workflows pass ids and counts, never rows).
 */
import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { loadConfig } from '../lib/config';
import type { Logger } from '../lib/log';

/** Set in the relaunched process: the budget it runs with (so it never relaunches again). */
export const HEAP_BUDGET_ENV = 'RECON_WORKER_HEAP_APPLIED_MB';
/** V8 accepts dashes or underscores. */
const HEAP_FLAG = /--max[-_]old[-_]space[-_]size[=\s]/;
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
/**
 * glibc gives each thread that allocates its own malloc arena, up to 8 per core; the worker's
 * native threads (Temporal's core, libuv's pool) each keep one, and their freed memory stays in
 * the process. Two arenas took a 100,000-transaction month's worker from 418 to 379 MB peak RSS
 * at the same speed (bench/README.md). glibc reads it at start, so it goes to the relaunched
 * process; a value the user set is kept.
 */
export const MALLOC_ARENAS_DEFAULT = '2';

export function workerHeapOptions(heapMb: number): string[] {
  return heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
}

/** Why no relaunch is needed (already done, no budget, or the user chose a limit), or undefined. */
function reasonNotToRelaunch(env: NodeJS.ProcessEnv, execArgv: readonly string[], heapMb: number | undefined): string | undefined {
  if (env[HEAP_BUDGET_ENV] !== undefined) return 'relaunched already';
  if (heapMb === undefined || heapMb === 0) return 'no budget';
  // An explicit limit of the user's own (NODE_OPTIONS or node's command line) wins over the default.
  if (HEAP_FLAG.test(`${env.NODE_OPTIONS ?? ''} `) || execArgv.some((arg) => HEAP_FLAG.test(`${arg} `))) return 'user limit';
  return undefined;
}

/** The configured budget; undefined when the configuration is invalid (the command reports that itself). */
function configuredHeapMb(): number | undefined {
  try {
    return loadConfig().worker.heapMb;
  } catch {
    return undefined;
  }
}

/**
 * Runs this same command again in a child process whose heap is capped at the budget, and mirrors
 * its exit. Returns false (nothing started) when the budget is 0, already applied, or the user set
 * `--max-old-space-size` themselves. Signals: SIGTERM and SIGHUP are passed on (a container stop
 * reaches only PID 1); SIGINT only when not on a terminal, where Ctrl-C already reaches the child
 * through the process group and passing it on would count as a second Ctrl-C.
 */
export function relaunchWithHeapBudget(heapMb = configuredHeapMb()): boolean {
  if (process.env[HEAP_BUDGET_ENV] !== undefined) dieWithParent();
  if (reasonNotToRelaunch(process.env, process.execArgv, heapMb) !== undefined) return false;
  const budget = heapMb as number;
  const child = spawn(process.execPath, [...process.execArgv, ...workerHeapOptions(budget), ...process.argv.slice(1)], {
    // The IPC channel carries nothing: it closes when this process dies, however it dies.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { MALLOC_ARENA_MAX: MALLOC_ARENAS_DEFAULT, ...process.env, [HEAP_BUDGET_ENV]: String(budget) },
  });
  const onTerminal = process.stdin.isTTY === true;
  const handlers = FORWARDED.map((signal) => {
    const handler = () => {
      if (signal !== 'SIGINT' || !onTerminal) child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  child.on('error', (error) => {
    console.error(`could not start the worker with its heap budget: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const [name, handler] of handlers) process.off(name, handler);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return true;
}

/**
 * In the relaunched process: when the first one is gone without passing on a signal (SIGKILL, a
 * crash), go at once the same way, as the one process did before, instead of running on as an
 * orphan (a supervisor or test that kills the worker's pid must see the worker gone).
 */
function dieWithParent(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

/** The heap limit this process runs with, logged at start; warns when it is not the budget. */
export function reportHeapBudget(log: Logger, heapMb = configuredHeapMb()): void {
  const limitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const applied = process.env[HEAP_BUDGET_ENV];
  if (heapMb && applied === undefined && reasonNotToRelaunch(process.env, process.execArgv, heapMb) === undefined) {
    log.warn({ heapLimitMb: limitMb, budgetMb: heapMb }, 'the worker runs without its heap budget (started other than by `recon worker`?): start node with --max-old-space-size');
  } else log.info({ heapLimitMb: limitMb, budgetMb: applied === undefined ? null : Number(applied) }, 'worker heap limit');
}
