import { setTimeout as sleep } from 'node:timers/promises';

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LimiterClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * At most `limit` grants in any window of `windowMs`. The broker's limits are "per second" without
 * saying how they count, so a sliding window (the strictest reading) keeps us inside any of them.
 * Pure bookkeeping: the client waits for a slot, the simulator rejects when there is none.
 */
export class SlidingWindow {
  private readonly grants: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Takes a slot at `now` if one is free; otherwise says how long until one frees up. */
  tryAcquire(now: number): { granted: true } | { granted: false; waitMs: number } {
    while (this.grants.length > 0 && (this.grants[0] as number) <= now - this.windowMs) this.grants.shift();
    if (this.grants.length < this.limit) {
      this.grants.push(now);
      return { granted: true };
    }
    return { granted: false, waitMs: (this.grants[0] as number) + this.windowMs - now };
  }
}

/** A sliding window that callers wait on, served in arrival order. */
export class SlidingWindowLimiter {
  private readonly window: SlidingWindow;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    limit: number,
    windowMs: number,
    private readonly clock: LimiterClock = realClock,
  ) {
    this.window = new SlidingWindow(limit, windowMs);
  }

  /** Resolves when the caller may send. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (let guard = 0; guard < 1_000; guard++) {
      const slot = this.window.tryAcquire(this.clock.now());
      if (slot.granted) return;
      await this.clock.sleep(slot.waitMs);
    }
    throw new Error('rate limiter could not grant a slot');
  }
}

/** The published limits of §2.1. */
export const PUBLISHED_LIMITS = {
  requestsPerUser: { limit: 10, windowMs: 1_000 },
  tradingPerUser: { limit: 1, windowMs: 100 },
  loginsPerApiKey: { limit: 1, windowMs: 1_000 },
  demoTradingPerHour: { limit: 1_000, windowMs: 3_600_000 },
} as const;

/**
 * We grant on our clock, the broker counts arrivals: network jitter can bunch requests that left
 * a full window apart. Every client window is this much longer than the published one.
 */
export const LIMIT_SAFETY_MARGIN_MS = 60;

export interface UserLimiters {
  requests: SlidingWindowLimiter;
  trading: SlidingWindowLimiter;
  /** Only on demo, where order POSTs are capped at 1000 per hour. */
  demoTradingHourly?: SlidingWindowLimiter;
}

const perUser = new Map<string, UserLimiters>();
const perApiKey = new Map<string, SlidingWindowLimiter>();

/**
 * Limiters shared by every client in this process that acts for the same user, so concurrent
 * activities together stay within the broker's limits.
 */
export function limitersForUser(userKey: string, options: { demo: boolean; clock?: LimiterClock }): UserLimiters {
  let limiters = perUser.get(userKey);
  if (!limiters) {
    const { requestsPerUser, tradingPerUser, demoTradingPerHour } = PUBLISHED_LIMITS;
    limiters = {
      requests: new SlidingWindowLimiter(requestsPerUser.limit, requestsPerUser.windowMs + LIMIT_SAFETY_MARGIN_MS, options.clock),
      trading: new SlidingWindowLimiter(tradingPerUser.limit, tradingPerUser.windowMs + LIMIT_SAFETY_MARGIN_MS, options.clock),
      ...(options.demo ? { demoTradingHourly: new SlidingWindowLimiter(demoTradingPerHour.limit, demoTradingPerHour.windowMs + LIMIT_SAFETY_MARGIN_MS, options.clock) } : {}),
    };
    perUser.set(userKey, limiters);
  }
  return limiters;
}

/** The login limiter of one API key (1 per second), shared process-wide. */
export function loginLimiterFor(apiKeyFingerprint: string, clock?: LimiterClock): SlidingWindowLimiter {
  let limiter = perApiKey.get(apiKeyFingerprint);
  if (!limiter) {
    const { limit, windowMs } = PUBLISHED_LIMITS.loginsPerApiKey;
    limiter = new SlidingWindowLimiter(limit, windowMs + LIMIT_SAFETY_MARGIN_MS, clock);
    perApiKey.set(apiKeyFingerprint, limiter);
  }
  return limiter;
}
