import type { ActivityDeps } from './deps';
import { createSelfCheckActivities } from './self-check';

export type { ActivityDeps } from './deps';
export type { SelfCheckInput, SelfCheckOutcome } from './self-check';

/** All activities of the recon task queue, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
