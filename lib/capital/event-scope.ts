import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransportEvent } from './transport';

/**
 * Attributes transport events (retries, logins) to the unit of work that caused them, although
 * the client and its session are shared: events raised inside `collectTransportEvents(work)`
 * land in that call's list.
 */
const scope = new AsyncLocalStorage<TransportEvent[]>();

export async function collectTransportEvents<T>(work: () => Promise<T>): Promise<{ result: T; events: TransportEvent[] }> {
  const events: TransportEvent[] = [];
  const result = await scope.run(events, work);
  return { result, events };
}

/** Give this to the client factory's `onEvent`. */
export function recordTransportEvent(event: TransportEvent): void {
  scope.getStore()?.push(event);
}
