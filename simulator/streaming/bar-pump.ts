import { barStartMs, heikinAshi, RESOLUTION_MS } from './bars';
import { ohlcFrame, type BarValues } from './frames';
import type { PriceSource } from './prices';
import { sendOrDrop } from './send';
import type { BarSubscription, Subscriber } from './subscriber';

/**
 * Every `ohlcIntervalMs` each OHLC subscription gets the bar in progress (the docs do not say
 * whether the real feed sends intra-bar updates or closed bars only; updates are the harder case).
 */
export class BarPump {
  barsSent = 0;
  barsDropped = 0;

  constructor(
    private readonly subscribers: ReadonlySet<Subscriber>,
    private readonly prices: Pick<PriceSource, 'bar'>,
    private readonly clock: () => number,
    private readonly maxBufferedBytes: number,
  ) {}

  tick(silent: boolean): void {
    if (silent) return;
    const nowMs = this.clock();
    // Many connections often want the same bar: build each frame once per tick.
    const frames = new Map<string, string>();
    for (const subscriber of this.subscribers) {
      for (const [key, subscription] of subscriber.bars) {
        let frame = frames.get(key);
        if (frame === undefined) {
          frame = this.frameFor(subscription, nowMs);
          frames.set(key, frame);
        }
        if (sendOrDrop(subscriber, frame, this.maxBufferedBytes)) this.barsSent += 1;
        else this.barsDropped += 1;
      }
    }
  }

  private frameFor({ epic, resolution, type }: BarSubscription, nowMs: number): string {
    const startMs = barStartMs(resolution, nowMs);
    let bar: BarValues = this.prices.bar(epic, resolution, startMs);
    if (type === 'heikin-ashi') bar = heikinAshi(this.prices.bar(epic, resolution, startMs - RESOLUTION_MS[resolution]), bar);
    return ohlcFrame(epic, resolution, type, startMs, bar);
  }
}
