/**
 * Latencies in whole milliseconds, counted per millisecond up to `LATENCY_TRACKED_MAX_MS` (one
 * overflow bucket above), so percentiles are exact at that precision in constant memory however
 * many samples a long stream records.
 */
export const LATENCY_TRACKED_MAX_MS = 60_000;

export interface LatencySummary {
  count: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(LATENCY_TRACKED_MAX_MS + 2);
  private count = 0;
  private maxMs = 0;

  record(ms: number): void {
    const slot = Math.min(Math.max(Math.round(ms), 0), LATENCY_TRACKED_MAX_MS + 1);
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    this.count++;
    this.maxMs = Math.max(this.maxMs, Math.max(Math.round(ms), 0));
  }

  /** The smallest latency that at least `fraction` of the samples do not exceed (above the tracked range: the maximum). */
  percentile(fraction: number): number | undefined {
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`a percentile is a fraction in (0, 1], got ${fraction}`);
    if (this.count === 0) return undefined;
    const wanted = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let ms = 0; ms <= LATENCY_TRACKED_MAX_MS; ms++) {
      seen += this.counts[ms] ?? 0;
      if (seen >= wanted) return ms;
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0 };
    return { count: this.count, p50Ms: this.percentile(0.5), p90Ms: this.percentile(0.9), p99Ms: this.percentile(0.99), maxMs: this.maxMs };
  }
}

/** Latencies since the start, and those of the last complete window (default 30 s): the steady state after a warm-up. */
export class RollingLatency {
  private readonly total = new LatencyHistogram();
  private current = new LatencyHistogram();
  private lastWindow: LatencySummary = { count: 0 };
  private windowEndsAtMs: number | undefined;

  constructor(private readonly windowMs = 30_000) {}

  record(ms: number, nowMs: number): void {
    this.windowEndsAtMs ??= nowMs + this.windowMs;
    if (nowMs >= this.windowEndsAtMs) {
      this.lastWindow = this.current.summary();
      this.current = new LatencyHistogram();
      this.windowEndsAtMs = nowMs + this.windowMs;
    }
    this.total.record(ms);
    this.current.record(ms);
  }

  /** Everything recorded so far. */
  summary(): LatencySummary {
    return this.total.summary();
  }

  /** The last complete window (empty until one has passed). */
  recent(): LatencySummary {
    return this.lastWindow;
  }
}
