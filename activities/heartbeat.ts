import { Context } from '@temporalio/activity';

/** Heartbeats when running as a Temporal activity; a no-op when called directly (tests, tools). */
export function heartbeat(details?: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  context.heartbeat(details);
}
