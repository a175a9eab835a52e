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
  /** When each slot was last used; `Infinity` while its request is still in flight. */
  private readonly slots: Array<{ usedAt: number }> = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Takes a slot at `now` if one is free; otherwise says how long until one frees up. */
  tryAcquire(now: number): { granted: true; slot: { usedAt: number } } | { granted: false; waitMs: number } {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      if ((this.slots[i] as { usedAt: number }).usedAt <= now - this.windowMs) this.slots.splice(i, 1);
    }
    if (this.slots.length < this.limit) {
      const slot = { usedAt: now };
      this.slots.push(slot);
      return { granted: true, slot };
    }
    const earliest = Math.min(...this.slots.map((s) => s.usedAt));
    // All slots in flight: look again shortly (a completion will set a real time).
    return { granted: false, waitMs: Number.isFinite(earliest) ? earliest + this.windowMs - now : 10 };
  }
}

/**
 * A sliding window that callers wait on, served in arrival order. The broker counts a request
 * when it arrives, which is somewhere between our send and its response: so a slot counts as
 * used "now" while its request is in flight and from the moment the response came back after.
 */
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

  /** Resolves when the caller may send; call `done()` when the response (or failure) came back. */
  acquire(): Promise<{ done(): void }> {
    const turn = this.tail.then(() => this.waitForSlot());
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async waitForSlot(): Promise<{ done(): void }> {
    for (let guard = 0; guard < 100_000; guard++) {
      const attempt = this.window.tryAcquire(this.clock.now());
      if (attempt.granted) {
        const slot = attempt.slot;
        slot.usedAt = Number.POSITIVE_INFINITY;
        return { done: () => void (slot.usedAt = this.clock.now()) };
      }
      await this.clock.sleep(Math.max(1, attempt.waitMs));
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

/** A little slack on top of the in-flight accounting, for clock granularity on either side. */
export const LIMIT_SAFETY_MARGIN_MS = 20;

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
