import { SlidingWindow } from '../lib/capital/rate-limit';

/**
 * The broker's side of the published limits: a request over the limit is rejected (429), never
 * delayed. Same sliding windows as the client, so a compliant client is never rejected.
 */
export class UserLimits {
  private readonly requests = new Map<string, SlidingWindow>();
  private readonly trading = new Map<string, SlidingWindow>();
  rejected = 0;

  constructor(
    private readonly requestsPerSecond: number,
    private readonly tradingIntervalMs: number,
  ) {}

  allowRequest(userKey: string, now: number): boolean {
    return this.check(this.requests, userKey, now, () => new SlidingWindow(this.requestsPerSecond, 1_000));
  }

  allowTrade(userKey: string, now: number): boolean {
    return this.check(this.trading, userKey, now, () => new SlidingWindow(1, this.tradingIntervalMs));
  }

  private check(map: Map<string, SlidingWindow>, key: string, now: number, create: () => SlidingWindow): boolean {
    let window = map.get(key);
    if (!window) {
      window = create();
      map.set(key, window);
    }
    const allowed = window.tryAcquire(now).granted;
    if (!allowed) this.rejected++;
    return allowed;
  }
}
