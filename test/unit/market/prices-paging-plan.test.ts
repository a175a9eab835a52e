import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PRICES_MAX_PER_CALL } from '../../../lib/capital/client';
import { BarMergeError, planPricesPages, PRICES_BARS_PER_CALL_MAX, type PricesPage } from '../../../lib/market/bar-merge';
import { RESOLUTIONS, resolutionLengthMs, type Resolution } from '../../../lib/market/resolutions';

const at = (iso: string): number => Date.parse(iso);
const START = at('2026-03-01T00:00:00Z');
const MINUTE_MS = 60_000;

function texts(pages: readonly PricesPage[]) {
  return pages.map((page) => `${page.from}..${page.to} max ${page.max}`);
}

/** Pages tile the span second by second and never ask for more than 1000 bars. */
function assertTiles(pages: readonly PricesPage[], resolution: Resolution, buckets: number): void {
  assert.equal(pages.reduce((total, page) => total + page.max, 0), buckets);
  pages.forEach((page, i) => {
    assert.ok(page.max >= 1 && page.max <= PRICES_BARS_PER_CALL_MAX, `page ${i} max ${page.max}`);
    assert.ok(page.toMs >= page.fromMs);
    assert.ok(page.toMs - page.fromMs < page.max * resolutionLengthMs(resolution), `page ${i} spans more than its max buckets`);
    const next = pages[i + 1];
    if (next) assert.equal(next.fromMs, page.toMs + 1000, `gap or overlap after page ${i}`);
  });
}

describe('paging GET /prices', () => {
  test('the page size is the client\'s limit', () => {
    assert.equal(PRICES_BARS_PER_CALL_MAX, PRICES_MAX_PER_CALL);
  });

  test('exactly 1000 buckets: one page', () => {
    const pages = planPricesPages('MINUTE', START, START + 999 * MINUTE_MS);
    assert.deepEqual(texts(pages), ['2026-03-01T00:00:00..2026-03-01T16:39:00 max 1000']);
  });

  test('1001 buckets: a second page holding the one extra', () => {
    const pages = planPricesPages('MINUTE', START, START + 1000 * MINUTE_MS);
    assert.deepEqual(texts(pages), ['2026-03-01T00:00:00..2026-03-01T16:39:59 max 1000', '2026-03-01T16:40:00..2026-03-01T16:40:00 max 1']);
    assertTiles(pages, 'MINUTE', 1001);
  });

  test('999 buckets: one page asking for 999', () => {
    assert.deepEqual(texts(planPricesPages('MINUTE', START, START + 998 * MINUTE_MS)), ['2026-03-01T00:00:00..2026-03-01T16:38:00 max 999']);
  });

  test('exactly 2000 buckets: two full pages', () => {
    const pages = planPricesPages('MINUTE', START, START + 1999 * MINUTE_MS);
    assert.deepEqual(texts(pages), ['2026-03-01T00:00:00..2026-03-01T16:39:59 max 1000', '2026-03-01T16:40:00..2026-03-02T09:19:00 max 1000']);
    assertTiles(pages, 'MINUTE', 2000);
  });

  test('one ms before a bucket starts leaves that bucket out; the end is rounded down to the second', () => {
    const pages = planPricesPages('MINUTE', START, START + 1000 * MINUTE_MS - 1);
    assert.deepEqual(texts(pages), ['2026-03-01T00:00:00..2026-03-01T16:39:59 max 1000']);
  });

  test('a start inside a bucket asks from that bucket\'s start', () => {
    const pages = planPricesPages('HOUR', at('2026-03-01T10:59:59.999Z'), at('2026-03-01T12:00:00Z'));
    assert.deepEqual(texts(pages), ['2026-03-01T10:00:00..2026-03-01T12:00:00 max 3']);
  });

  test('one instant: one bucket', () => {
    assert.deepEqual(texts(planPricesPages('DAY', at('2026-03-06T13:00:00Z'), at('2026-03-06T13:00:00Z'))), ['2026-03-06T00:00:00..2026-03-06T13:00:00 max 1']);
  });

  test('WEEK pages start on a Monday', () => {
    const pages = planPricesPages('WEEK', at('2026-03-01T12:00:00Z'), at('2026-03-04T00:00:00Z'));
    assert.deepEqual(texts(pages), ['2026-02-23T00:00:00..2026-03-04T00:00:00 max 2']);
  });

  test('long ranges tile without gap or overlap at every resolution', () => {
    for (const resolution of RESOLUTIONS) {
      const lengthMs = resolutionLengthMs(resolution);
      const fromMs = at('2000-01-03T00:00:00Z');
      const buckets = resolution === 'WEEK' ? 1_100 : 2_345;
      const pages = planPricesPages(resolution, fromMs + 17, fromMs + (buckets - 1) * lengthMs + 1_500);
      assert.equal(pages.length, Math.ceil(buckets / 1000), resolution);
      assertTiles(pages, resolution, buckets);
    }
  });

  test('refusals: a reversed range, a bad instant, too many pages', () => {
    assert.throws(() => planPricesPages('MINUTE', START, START - 1), BarMergeError);
    assert.throws(() => planPricesPages('MINUTE', -1, START), /fromMs/);
    assert.throws(() => planPricesPages('MINUTE', START, START + 1_000_000 * MINUTE_MS), /at most 1000 per plan/);
    assert.equal(planPricesPages('MINUTE', START, START + 999_999 * MINUTE_MS).length, 1000);
  });
});
