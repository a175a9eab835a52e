import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it gives a value (anything but `undefined` or `false`), which is returned.
 * A probe that throws is tried again; past `timeoutMs` the wait fails naming `what` and the
 * probe's last error.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}
