import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_TRACKED_MAX_MS, LatencyHistogram, RollingLatency } from '../../../lib/market/latency';

test('percentiles are exact to the millisecond', () => {
  const histogram = new LatencyHistogram();
  for (let ms = 1; ms <= 100; ms++) histogram.record(ms);
  assert.deepEqual(histogram.summary(), { count: 100, p50Ms: 50, p90Ms: 90, p99Ms: 99, maxMs: 100 });
});

test('an empty histogram has no percentiles; beyond the tracked range the maximum answers', () => {
  const histogram = new LatencyHistogram();
  assert.deepEqual(histogram.summary(), { count: 0 });
  histogram.record(LATENCY_TRACKED_MAX_MS + 5_000);
  histogram.record(-3);
  assert.equal(histogram.percentile(0.5), 0);
  assert.equal(histogram.percentile(1), LATENCY_TRACKED_MAX_MS + 5_000);
  assert.throws(() => histogram.percentile(0), RangeError);
});

test('the rolling view reports the last complete window, apart from the warm-up', () => {
  const rolling = new RollingLatency(1_000);
  rolling.record(900, 0); // warm-up
  for (let i = 1; i <= 10; i++) rolling.record(10, 1_000 + i);
  assert.deepEqual(rolling.recent(), { count: 1, p50Ms: 900, p90Ms: 900, p99Ms: 900, maxMs: 900 });
  rolling.record(20, 2_001);
  assert.deepEqual(rolling.recent(), { count: 10, p50Ms: 10, p90Ms: 10, p99Ms: 10, maxMs: 10 });
  assert.equal(rolling.summary().count, 12);
});
