import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs: number;
  /** Called once when the lock is busy, so the caller can say what it waits for. */
  onWait?: (holderPid: number | undefined) => void;
}

/**
 * Runs `work` while holding an exclusive lock shared by every process on this machine (a directory
 * created atomically). A lock left by a dead process is taken over.
 */
export async function withFileLock<T>(lockPath: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(lockPath);
    if (holder !== undefined && !isAlive(holder)) {
      await rm(lockPath, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      options.onWait?.(holder);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for lock ${lockPath} (held by pid ${holder ?? 'unknown'})`);
    }
    await sleep(250);
  }
  try {
    await writeFile(path.join(lockPath, 'owner'), String(process.pid));
    return await work();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

async function readHolder(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path.join(lockPath, 'owner'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // being created right now, or left empty by a crash
  }
}

/** Whether a process with this pid exists (one we may not signal counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
