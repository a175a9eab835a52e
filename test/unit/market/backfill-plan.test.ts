import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { priceBarSchema, type PriceBar } from '../../../lib/capital/schemas/prices';
import { backfillWorkflowId, BackfillPlanError, bucketCount, closedBucketRange, normaliseRanges, planBackfill, readPricesPage, uncoveredRanges, type BucketRange } from '../../../lib/market/backfill-plan';
import { PRICES_BARS_PER_CALL_MAX, type PricesPage } from '../../../lib/market/bar-merge';
import { resolutionLengthMs, type Resolution } from '../../../lib/market/resolutions';

const at = (iso: string): number => Date.parse(iso);
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const START = at('2026-03-02T00:00:00Z');

function wireBar(startMs: number, bid = 100, overrides: Record<string, unknown> = {}): PriceBar {
  const time = new Date(startMs).toISOString().slice(0, 19);
  return priceBarSchema.parse({
    snapshotTime: time,
    snapshotTimeUTC: time,
    openPrice: { bid, ask: bid + 1 },
    highPrice: { bid: bid + 2, ask: bid + 3 },
    lowPrice: { bid: bid - 2, ask: bid - 1 },
    closePrice: { bid: bid + 1, ask: bid + 2 },
    lastTradedVolume: 10,
    ...overrides,
  });
}

function barsOfPage(page: PricesPage, resolution: Resolution): PriceBar[] {
  const bars: PriceBar[] = [];
  for (let startMs = page.fromMs; startMs <= page.toMs; startMs += resolutionLengthMs(resolution)) bars.push(wireBar(startMs));
  return bars;
}

/** Pages of one plan tile its missing ranges exactly: second by second, no gap, no overlap. */
function assertTilesMissing(pages: readonly PricesPage[], missing: readonly BucketRange[]): void {
  const fromPages = normaliseRanges(pages.map((page) => ({ fromMs: page.fromMs, toMs: page.toMs + 1000 })));
  assert.deepEqual(fromPages, normaliseRanges(missing));
  for (let i = 1; i < pages.length; i++) assert.ok(pages[i]!.fromMs > pages[i - 1]!.toMs, `page ${i} overlaps the one before`);
  for (const page of pages) assert.ok(page.max >= 1 && page.max <= PRICES_BARS_PER_CALL_MAX);
}

describe('which closed buckets a request holds', () => {
  test('the bucket forming at now is left out, so the last one asked for has ended', () => {
    const nowMs = START + 5 * HOUR_MS + 20 * MINUTE_MS;
    assert.deepEqual(closedBucketRange('HOUR', START, nowMs, nowMs), { fromMs: START, toMs: START + 5 * HOUR_MS });
  });

  test('a bucket ending exactly at now has closed', () => {
    assert.deepEqual(closedBucketRange('HOUR', START, START + 3 * HOUR_MS - 1, START + 3 * HOUR_MS), { fromMs: START, toMs: START + 3 * HOUR_MS });
  });

  test('instants inside buckets widen the range to whole buckets', () => {
    const range = closedBucketRange('HOUR', START + 10 * MINUTE_MS, START + 2 * HOUR_MS + 1, START + 30 * HOUR_MS);
    assert.deepEqual(range, { fromMs: START, toMs: START + 3 * HOUR_MS });
  });

  test('a range inside the forming bucket has nothing closed', () => {
    assert.equal(closedBucketRange('HOUR', START + MINUTE_MS, START + 2 * MINUTE_MS, START + 3 * MINUTE_MS), undefined);
  });

  test('weeks start on Monday 00:00 UTC', () => {
    const wednesday = at('2026-03-04T12:00:00Z');
    assert.deepEqual(closedBucketRange('WEEK', wednesday, wednesday, at('2026-03-20T00:00:00Z')), { fromMs: at('2026-03-02T00:00:00Z'), toMs: at('2026-03-09T00:00:00Z') });
  });

  test('a backwards range is refused', () => {
    assert.throws(() => closedBucketRange('HOUR', START + HOUR_MS, START, START + 9 * HOUR_MS), BackfillPlanError);
  });
});

describe('ranges', () => {
  test('touching and overlapping ranges join; empty ones vanish; order does not matter', () => {
    const ranges = [
      { fromMs: 30, toMs: 40 },
      { fromMs: 0, toMs: 10 },
      { fromMs: 10, toMs: 20 },
      { fromMs: 35, toMs: 50 },
      { fromMs: 60, toMs: 60 },
    ];
    assert.deepEqual(normaliseRanges(ranges), [
      { fromMs: 0, toMs: 20 },
      { fromMs: 30, toMs: 50 },
    ]);
  });

  test('what the covered ranges leave of a wanted range', () => {
    const wanted = { fromMs: 0, toMs: 100 };
    assert.deepEqual(uncoveredRanges(wanted, []), [wanted]);
    assert.deepEqual(uncoveredRanges(wanted, [{ fromMs: -50, toMs: 500 }]), []);
    assert.deepEqual(uncoveredRanges(wanted, [{ fromMs: 20, toMs: 30 }, { fromMs: 50, toMs: 120 }]), [
      { fromMs: 0, toMs: 20 },
      { fromMs: 30, toMs: 50 },
    ]);
    assert.deepEqual(uncoveredRanges(wanted, [{ fromMs: 0, toMs: 10 }, { fromMs: 200, toMs: 300 }]), [{ fromMs: 10, toMs: 100 }]);
  });
});

describe('planning a back-fill', () => {
  const nowMs = START + 2500 * HOUR_MS + 30 * MINUTE_MS;

  test('nothing covered: the closed buckets in pages of at most 1000, the forming one never asked for', () => {
    const plan = planBackfill({ resolution: 'HOUR', fromMs: START, toMs: nowMs, nowMs, covered: [] });
    assert.deepEqual(plan.closed, { fromMs: START, toMs: START + 2500 * HOUR_MS });
    assert.deepEqual(plan.pages.map((page) => page.max), [1000, 1000, 500]);
    assertTilesMissing(plan.pages, plan.missing);
    const last = plan.pages.at(-1)!;
    assert.equal(last.to, '2026-06-14T03:59:59');
    assert.ok(last.toMs < START + 2500 * HOUR_MS && last.toMs <= nowMs, 'the last page ends before the forming bucket');
  });

  test('what the pages fetched is covered: the same request again needs no page', () => {
    const first = planBackfill({ resolution: 'HOUR', fromMs: START, toMs: nowMs, nowMs, covered: [] });
    const covered = first.pages.map((page) => readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices: barsOfPage(page, 'HOUR'), nowMs }).covered!);
    const again = planBackfill({ resolution: 'HOUR', fromMs: START, toMs: nowMs, nowMs, covered });
    assert.deepEqual(again.missing, []);
    assert.deepEqual(again.pages, []);
  });

  test('an hour later only the bucket that closed meanwhile is asked for', () => {
    const covered = [{ fromMs: START, toMs: START + 2500 * HOUR_MS }];
    const later = planBackfill({ resolution: 'HOUR', fromMs: START, toMs: nowMs + HOUR_MS, nowMs: nowMs + HOUR_MS, covered });
    assert.deepEqual(later.missing, [{ fromMs: START + 2500 * HOUR_MS, toMs: START + 2501 * HOUR_MS }]);
    assert.deepEqual(later.pages.map((page) => [page.from, page.to, page.max]), [['2026-06-14T04:00:00', '2026-06-14T04:59:59', 1]]);
  });

  test('a hole in the middle of the coverage is fetched alone, in its own pages', () => {
    const covered = [
      { fromMs: START, toMs: START + 100 * HOUR_MS },
      { fromMs: START + 1300 * HOUR_MS, toMs: START + 2500 * HOUR_MS },
    ];
    const plan = planBackfill({ resolution: 'HOUR', fromMs: START, toMs: nowMs, nowMs, covered });
    assert.deepEqual(plan.missing, [{ fromMs: START + 100 * HOUR_MS, toMs: START + 1300 * HOUR_MS }]);
    assert.deepEqual(plan.pages.map((page) => page.max), [1000, 200]);
    assertTilesMissing(plan.pages, plan.missing);
  });

  test('a range still forming needs nothing', () => {
    assert.deepEqual(planBackfill({ resolution: 'DAY', fromMs: START, toMs: START + HOUR_MS, nowMs: START + 2 * HOUR_MS, covered: [] }), { missing: [], pages: [] });
  });

  test('a range past the pages one plan may hold is refused with what to do', () => {
    assert.throws(() => planBackfill({ resolution: 'MINUTE', fromMs: 0, toMs: START, nowMs: START, covered: [] }), /back-fill a shorter range/);
  });
});

describe("reading one page's answer", () => {
  const page: PricesPage = { fromMs: START, toMs: START + 4 * HOUR_MS - 1000, from: '2026-03-02T00:00:00', to: '2026-03-02T03:59:59', max: 4 };
  const nowMs = START + 30 * HOUR_MS;

  test('every bucket of the page is covered, whatever the answer held', () => {
    const full = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices: barsOfPage(page, 'HOUR'), nowMs });
    assert.equal(full.bars.length, 4);
    assert.deepEqual(full.covered, { fromMs: START, toMs: START + 4 * HOUR_MS });
    assert.equal(bucketCount('HOUR', full.covered!), 4);
    const empty = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices: [], nowMs });
    assert.deepEqual(empty, { bars: [], setAside: [], covered: { fromMs: START, toMs: START + 4 * HOUR_MS }, truncated: false });
  });

  test('a bar still forming at now is set aside, never kept', () => {
    const outcome = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices: barsOfPage(page, 'HOUR'), nowMs: START + 3 * HOUR_MS + 10 * MINUTE_MS });
    assert.deepEqual(outcome.bars.map((bar) => bar.startMs), [START, START + HOUR_MS, START + 2 * HOUR_MS]);
    assert.deepEqual(outcome.setAside, [{ snapshotTimeUTC: '2026-03-02T03:00:00', startMs: START + 3 * HOUR_MS, reason: 'forming' }]);
  });

  test('rows dated outside the page, misaligned or inconsistent are set aside with the reason', () => {
    const prices = [wireBar(START), wireBar(START - HOUR_MS), wireBar(START + HOUR_MS + MINUTE_MS), wireBar(START + 2 * HOUR_MS, 100, { highPrice: { bid: 1, ask: 2 } })];
    const outcome = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices, nowMs });
    assert.deepEqual(outcome.bars.map((bar) => bar.startMs), [START]);
    assert.deepEqual(outcome.setAside.map((row) => row.reason).sort(), ['inconsistent', 'misaligned', 'outside-page']);
    assert.equal(outcome.bars[0]!.bid.open, '100');
  });

  test('a full answer that stops early covers only up to its last bar, so the rest is asked for again', () => {
    const prices = [wireBar(START), wireBar(START, 100), wireBar(START + HOUR_MS), wireBar(START + HOUR_MS, 100)];
    const outcome = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices, nowMs });
    assert.equal(outcome.truncated, true);
    assert.deepEqual(outcome.covered, { fromMs: START, toMs: START + 2 * HOUR_MS });
    const unreadable = readPricesPage({ epic: 'GOLD', resolution: 'HOUR', page, prices: prices.map((row) => ({ ...row, snapshotTimeUTC: 'yesterday' })), nowMs });
    assert.equal(unreadable.covered, undefined);
    assert.equal(unreadable.setAside.filter((row) => row.reason === 'bad-time').length, 4);
  });
});

test('identical requests get the same workflow id; another range another one', () => {
  const range = { fromMs: START, toMs: START + 5 * HOUR_MS };
  assert.equal(backfillWorkflowId('GOLD', 'HOUR', range), backfillWorkflowId('GOLD', 'HOUR', { ...range }));
  assert.notEqual(backfillWorkflowId('GOLD', 'HOUR', range), backfillWorkflowId('GOLD', 'HOUR', { ...range, toMs: range.toMs + HOUR_MS }));
  assert.notEqual(backfillWorkflowId('GOLD', 'HOUR', range), backfillWorkflowId('GOLD', 'MINUTE', range));
  assert.match(backfillWorkflowId('GOLD', 'HOUR', range), /^prices-backfill:GOLD:HOUR:\d+-\d+$/);
});
