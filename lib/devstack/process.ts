import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';
import { projectRoot } from './paths';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) when the process has ended. */
  readonly exited: Promise<number | string>;
  /** Once it has ended: why, with its last output lines; undefined while it runs. */
  failure(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LINES_KEPT = 40;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a long-running server under scripts/guard.sh, which stops it as soon as this process
 * ends, however it ends. Output goes to `logFile` (when given) and a small ring buffer.
 */
export function startManagedProcess(options: {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile?: string;
  log: Logger;
}): ManagedProcess {
  installExitHook();
  const guard = path.join(projectRoot(), 'scripts', 'guard.sh');
  const child = spawn('sh', [guard, options.command, ...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  running.add(child);

  const recent: string[] = [];
  const file: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (chunk: Buffer) => {
    file?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > OUTPUT_LINES_KEPT) recent.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Never written: its only job is to close when we exit (see guard.sh).
  child.stdin?.on('error', () => undefined);

  let reason: string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      file?.end();
      options.log.debug({ process: options.name, reason }, 'process ended');
      resolve(signal ?? code ?? -1);
    });
    child.once('error', (error) => {
      running.delete(child);
      reason = `failed to start: ${error.message}`;
      resolve(-1);
    });
  });

  return {
    name: options.name,
    pid: child.pid,
    exited,
    failure: () => (reason === undefined ? undefined : `${reason}\n${recent.join('\n')}`),
    async stop(graceMs = 10_000) {
      if (reason !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs + 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Belt and braces next to guard.sh: on a normal exit, stop whatever still runs.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}
