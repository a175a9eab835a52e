import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A benchmark script in a process of its own, so that its CPU and peak RSS are its own. It talks
 * back in JSON lines on stdout; anything else it prints (logs) goes to stderr. `node --import tsx`
 * rather than the tsx launcher: the pid is then the script's own, which signals reach directly.
 */
export interface BenchChild {
  pid: number;
  /** The next JSON line the child printed or prints; rejects once it has exited without one. */
  nextMessage<T>(): Promise<T>;
  /** SIGTERM unless it has exited already, then waits until it has (SIGKILL after a grace time). */
  stop(): Promise<void>;
}

const EXIT_GRACE_MS = 60_000;

export function startBenchChild(script: string, args: unknown, env: NodeJS.ProcessEnv = {}): BenchChild {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script), JSON.stringify(args)], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, ...env },
    // stdin stays open while this process lives: the child exits when it closes (see childArgs).
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: unknown[] = [];
  const waiters: Array<{ resolve(value: unknown): void; reject(error: Error): void }> = [];
  let exited: Error | undefined;
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as unknown;
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  });
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exited = new Error(`${script} exited (${signal ?? `code ${code}`}) before reporting`);
      for (const waiter of waiters.splice(0)) waiter.reject(exited);
      resolve();
    });
  });

  const nextMessage = <T>(): Promise<T> => {
    if (queue.length > 0) return Promise.resolve(queue.shift() as T);
    if (exited) return Promise.reject(exited);
    return new Promise<T>((resolve, reject) => waiters.push({ resolve: resolve as (value: unknown) => void, reject }));
  };

  return {
    pid: child.pid as number,
    nextMessage,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** A child's peak resident set in MB: the kernel's high-water mark, start-up included. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Calls `onStop` once on SIGTERM or SIGINT (the parent's way of saying "report and exit"). */
export function onStopSignal(onStop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    onStop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

/** The child's JSON argument. Also ties the child's life to the parent's: no orphan outlives a killed benchmark. */
export function childArgs<T>(): T {
  const text = process.argv[2];
  if (!text) throw new Error('expected one JSON argument');
  process.stdin.on('close', () => process.exit(1)).resume();
  return JSON.parse(text) as T;
}

export function report(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
