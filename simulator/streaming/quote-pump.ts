import { performance } from 'node:perf_hooks';
import { quoteFrame } from './frames';
import type { PriceSource } from './prices';
import { sendOrDrop } from './send';
import type { Subscriber } from './subscriber';

/** After a stalled event loop, catch up at most this much time, so a pause never turns into a burst. */
const MAX_CATCH_UP_MS = 100;
export const MAX_QUOTES_PER_SECOND = 1_000_000;

interface QuoteTarget {
  subscriber: Subscriber;
  epic: string;
}

/**
 * Spreads `quotesPerSecond` over every (connection, epic) quote subscription, round robin, from one
 * periodic tick: each tick sends the quotes owed for the time since the last one, so the rate holds
 * whatever the tick jitter, and no timer exists per quote or per subscription.
 */
export class QuotePump {
  quotesSent = 0;
  quotesDropped = 0;
  private targets: QuoteTarget[] = [];
  private targetsOutdated = true;
  private cursor = 0;
  /** Quotes owed but not yet sent: the fractional remainder carried between ticks. */
  private owed = 0;
  private lastTickAtMs = performance.now();

  constructor(
    private readonly subscribers: ReadonlySet<Subscriber>,
    private readonly prices: Pick<PriceSource, 'quote'>,
    private readonly clock: () => number,
    private readonly maxBufferedBytes: number,
    private quotesPerSecond: number,
  ) {
    this.setRate(quotesPerSecond);
  }

  setRate(quotesPerSecond: number): void {
    if (!Number.isFinite(quotesPerSecond) || quotesPerSecond < 0 || quotesPerSecond > MAX_QUOTES_PER_SECOND) {
      throw new RangeError(`quotesPerSecond must be between 0 and ${MAX_QUOTES_PER_SECOND}, got ${quotesPerSecond}`);
    }
    this.quotesPerSecond = quotesPerSecond;
  }

  /** Call after any subscribe, unsubscribe, connect or disconnect. */
  subscriptionsChanged(): void {
    this.targetsOutdated = true;
  }

  quoteSubscriptions(): number {
    this.refreshTargets();
    return this.targets.length;
  }

  tick(silent: boolean): void {
    const nowMs = performance.now();
    const elapsedMs = Math.min(nowMs - this.lastTickAtMs, MAX_CATCH_UP_MS);
    this.lastTickAtMs = nowMs;
    this.refreshTargets();
    if (silent || this.targets.length === 0) {
      this.owed = 0;
      return;
    }
    this.owed += (this.quotesPerSecond * elapsedMs) / 1000;
    const due = Math.floor(this.owed);
    this.owed -= due;
    const timestampMs = this.clock();
    for (let sent = 0; sent < due; sent += 1) {
      const target = this.targets[this.cursor] as QuoteTarget;
      this.cursor = (this.cursor + 1) % this.targets.length;
      const frame = quoteFrame(target.epic, this.prices.quote(target.epic, timestampMs), timestampMs);
      if (sendOrDrop(target.subscriber, frame, this.maxBufferedBytes)) {
        this.quotesSent += 1;
        target.subscriber.quotesSent += 1;
      } else {
        this.quotesDropped += 1;
        target.subscriber.quotesDropped += 1;
      }
    }
  }

  private refreshTargets(): void {
    if (!this.targetsOutdated) return;
    this.targetsOutdated = false;
    this.targets = [];
    for (const subscriber of this.subscribers) for (const epic of subscriber.quoteEpics) this.targets.push({ subscriber, epic });
    this.cursor = this.targets.length === 0 ? 0 : this.cursor % this.targets.length;
  }
}
