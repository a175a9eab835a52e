import { Context } from '@temporalio/activity';

/** Well inside the shortest heartbeat timeout of any activity (30 s); the SDK throttles anyway. */
const KEEP_ALIVE_MS = 5_000;

const lastDetails = new WeakMap<Context, unknown>();

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called directly (tests, tools), not as a Temporal activity
  }
}

/** Heartbeats with progress details when running as a Temporal activity; a no-op otherwise. */
export function heartbeat(details?: unknown): void {
  const context = currentContext();
  if (!context) return;
  lastDetails.set(context, details);
  context.heartbeat(details);
}

/**
 * Runs `work` heartbeating every few seconds with its latest progress details, so the heartbeat
 * timeout detects a dead worker rather than a slow step: a sorted read of a month returns its
 * first row only after the database has scanned the collection, which under load outlasts any
 * sensible timeout. When Temporal gives up on this attempt (timed out, cancelled), the attempt
 * stops here instead of racing the retry that replaces it.
 */
export async function keepAlive<T>(work: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const context = currentContext();
  if (!context) return work();
  const timer = setInterval(() => context.heartbeat(lastDetails.get(context)), everyMs);
  try {
    return await Promise.race([work(), context.cancelled]);
  } finally {
    clearInterval(timer);
  }
}
