import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_TRACKED_MAX_MS, LatencyHistogram } from '../../../lib/market/latency';

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
