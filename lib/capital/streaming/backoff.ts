/** How long to wait before reconnecting, and when to stop trying. */
export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failed attempts before a connection gives up; undefined keeps trying at `maxDelayMs`. */
  maxAttempts: number | undefined;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, maxAttempts: undefined };

/** Doubling stops here: 2^20 × any sane initial delay is already far past any sane maximum. */
const MAX_EXPONENT = 20;

/**
 * Exponential backoff with "equal jitter": half the ceiling is fixed, half random. The random half
 * spreads the reconnects of many connections dropped at once (a server restart); the fixed half
 * keeps a flapping server from being hammered by near-zero delays.
 *
 * `attempt` counts from 1 (the first reconnect after a failure).
 */
export function reconnectDelayMs(attempt: number, policy: Pick<ReconnectPolicy, 'initialDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, MAX_EXPONENT);
  const ceilingMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceilingMs / 2 + (jitter * ceilingMs) / 2);
}

export function validateReconnectPolicy(policy: ReconnectPolicy): ReconnectPolicy {
  if (!(policy.initialDelayMs >= 0) || !Number.isFinite(policy.initialDelayMs)) throw new RangeError(`reconnect.initialDelayMs must be a finite number ≥ 0, got ${policy.initialDelayMs}`);
  if (!(policy.maxDelayMs >= policy.initialDelayMs) || !Number.isFinite(policy.maxDelayMs)) {
    throw new RangeError(`reconnect.maxDelayMs must be finite and ≥ initialDelayMs, got ${policy.maxDelayMs}`);
  }
  if (policy.maxAttempts !== undefined && !(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1)) {
    throw new RangeError(`reconnect.maxAttempts must be a positive integer, got ${policy.maxAttempts}`);
  }
  return policy;
}
