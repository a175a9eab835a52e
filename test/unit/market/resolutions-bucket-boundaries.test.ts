import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bucketEndMs,
  bucketStartMs,
  isBucketStartMs,
  isMarketTimeMs,
  MARKET_TIME_MS_MAX,
  parseResolution,
  parseResolutions,
  resolutionLengthMs,
  ResolutionError,
  RESOLUTIONS,
  type Resolution,
} from '../../../lib/market/resolutions';
import { barStartMs as simulatorBarStartMs } from '../../../simulator/streaming/bars';

const at = (iso: string): number => Date.parse(iso);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

describe('bucket starts, hand-computed for every resolution', () => {
  const instant = at('2026-03-06T13:34:56.789Z'); // a Friday
  const expected: Record<Resolution, string> = {
    MINUTE: '2026-03-06T13:34:00.000Z',
    MINUTE_5: '2026-03-06T13:30:00.000Z',
    MINUTE_15: '2026-03-06T13:30:00.000Z',
    MINUTE_30: '2026-03-06T13:30:00.000Z',
    HOUR: '2026-03-06T13:00:00.000Z',
    HOUR_4: '2026-03-06T12:00:00.000Z',
    DAY: '2026-03-06T00:00:00.000Z',
    WEEK: '2026-03-02T00:00:00.000Z',
  };
  for (const resolution of RESOLUTIONS) {
    test(`${resolution} of 13:34:56.789 on Friday 2026-03-06 starts at ${expected[resolution]}`, () => {
      assert.equal(iso(bucketStartMs(resolution, instant)), expected[resolution]);
    });
  }

  test('lengths are fixed: no daylight saving in UTC', () => {
    assert.deepEqual(RESOLUTIONS.map(resolutionLengthMs), [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 14_400_000, 86_400_000, 604_800_000]);
  });
});

describe('edges of buckets', () => {
  test('the last millisecond of a bucket and the first of the next', () => {
    assert.equal(iso(bucketStartMs('MINUTE_5', at('2026-03-06T13:34:59.999Z'))), '2026-03-06T13:30:00.000Z');
    assert.equal(iso(bucketStartMs('MINUTE_5', at('2026-03-06T13:35:00.000Z'))), '2026-03-06T13:35:00.000Z');
  });

  test('HOUR_4 buckets start at 00, 04, … 20 UTC', () => {
    assert.equal(iso(bucketStartMs('HOUR_4', at('2026-03-06T03:59:59.999Z'))), '2026-03-06T00:00:00.000Z');
    assert.equal(iso(bucketStartMs('HOUR_4', at('2026-03-06T04:00:00.000Z'))), '2026-03-06T04:00:00.000Z');
    assert.equal(iso(bucketStartMs('HOUR_4', at('2026-03-06T23:59:59.999Z'))), '2026-03-06T20:00:00.000Z');
  });

  test('DAY buckets start at 00:00 UTC', () => {
    assert.equal(iso(bucketStartMs('DAY', at('2026-03-01T23:59:59.999Z'))), '2026-03-01T00:00:00.000Z');
    assert.equal(iso(bucketStartMs('DAY', at('2026-03-02T00:00:00.000Z'))), '2026-03-02T00:00:00.000Z');
  });

  test('WEEK buckets start on Monday 00:00 UTC: Sunday night belongs to the week before', () => {
    assert.equal(iso(bucketStartMs('WEEK', at('2026-03-01T23:59:59.999Z'))), '2026-02-23T00:00:00.000Z');
    assert.equal(iso(bucketStartMs('WEEK', at('2026-03-02T00:00:00.000Z'))), '2026-03-02T00:00:00.000Z');
    assert.equal(iso(bucketStartMs('WEEK', at('2026-03-08T23:59:59.999Z'))), '2026-03-02T00:00:00.000Z');
  });

  test('a WEEK bucket crosses the year end', () => {
    assert.equal(iso(bucketStartMs('WEEK', at('2026-01-01T00:00:00.000Z'))), '2025-12-29T00:00:00.000Z');
    assert.equal(bucketEndMs('WEEK', at('2025-12-29T00:00:00.000Z')), at('2026-01-05T00:00:00.000Z'));
  });

  test('the week holding the epoch starts on Monday 1969-12-29, before it', () => {
    assert.equal(iso(bucketStartMs('WEEK', 0)), '1969-12-29T00:00:00.000Z');
    assert.equal(isBucketStartMs('WEEK', bucketStartMs('WEEK', 0)), true);
    assert.equal(isBucketStartMs('DAY', -86_400_000), false);
  });

  test('bucketEndMs is exclusive: the next bucket starts there', () => {
    for (const resolution of RESOLUTIONS) {
      const startMs = bucketStartMs(resolution, at('2026-03-06T13:34:56.789Z'));
      const endMs = bucketEndMs(resolution, startMs);
      assert.equal(bucketStartMs(resolution, endMs - 1), startMs, resolution);
      assert.equal(bucketStartMs(resolution, endMs), endMs, resolution);
    }
  });

  test('bucketEndMs refuses a time that starts no bucket', () => {
    assert.throws(() => bucketEndMs('WEEK', at('2026-03-06T00:00:00Z')), ResolutionError);
    assert.equal(isBucketStartMs('WEEK', at('2026-03-02T00:00:00Z')), true);
    assert.equal(isBucketStartMs('WEEK', at('2026-03-06T00:00:00Z')), false);
    assert.equal(isBucketStartMs('MINUTE', 60_000.5), false);
  });

  test('the grid is the one the simulator draws its bars on', () => {
    const instants = ['1970-01-01T00:00:00Z', '2026-03-01T23:59:59.999Z', '2026-03-02T00:00:00Z', '2026-03-06T13:34:56.789Z', '2025-12-31T21:07:00Z'].map(at);
    for (const resolution of RESOLUTIONS) {
      for (const instant of instants) assert.equal(bucketStartMs(resolution, instant), simulatorBarStartMs(resolution, instant), `${resolution} ${iso(instant)}`);
    }
  });
});

describe('validation', () => {
  test('parseResolution accepts the eight and names anything else', () => {
    for (const resolution of RESOLUTIONS) assert.equal(parseResolution(resolution), resolution);
    assert.throws(() => parseResolution('MINUTE_10'), /unknown resolution 'MINUTE_10'/);
    assert.throws(() => parseResolution('minute'), ResolutionError);
    assert.throws(() => parseResolution(60), /must be text, got number/);
    assert.throws(() => parseResolution(null), /got null/);
  });

  test('parseResolutions folds repeats into RESOLUTIONS order and refuses an empty list', () => {
    assert.deepEqual(parseResolutions(['WEEK', 'MINUTE', 'WEEK', 'HOUR']), ['MINUTE', 'HOUR', 'WEEK']);
    assert.throws(() => parseResolutions([]), /at least one/);
    assert.throws(() => parseResolutions(Array.from({ length: 65 }, () => 'DAY')), /at most 64/);
  });

  test('instants are whole epoch ms within [0, 9999-12-31T23:59:59.999Z]', () => {
    assert.equal(isMarketTimeMs(0), true);
    assert.equal(isMarketTimeMs(MARKET_TIME_MS_MAX), true);
    assert.equal(iso(MARKET_TIME_MS_MAX), '9999-12-31T23:59:59.999Z');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MARKET_TIME_MS_MAX + 1]) {
      assert.equal(isMarketTimeMs(bad), false, String(bad));
      assert.throws(() => bucketStartMs('MINUTE', bad), ResolutionError);
    }
  });
});
