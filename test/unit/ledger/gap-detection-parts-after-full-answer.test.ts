import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TimeWindow } from '../../../lib/capital/broker-time';
import { DEFAULT_GAP_POLICY, judgeWindow, partsAfterFullAnswer } from '../../../lib/ledger/gap-detection';

const HOUR_MS = 3_600_000;
const day = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };

/** `count` rows spread evenly over the window, in time order, as a full answer returns them. */
function evenRows(window: TimeWindow, count: number): number[] {
  return Array.from({ length: count }, (_, i) => window.fromMs + Math.floor(((window.toMs - window.fromMs) * i) / count));
}

function halvesOf(window: TimeWindow): [TimeWindow, TimeWindow] {
  const verdict = judgeWindow(window, { rows: DEFAULT_GAP_POLICY.suspectRowCount }, DEFAULT_GAP_POLICY);
  assert.equal(verdict.kind, 'split');
  return (verdict as { halves: [TimeWindow, TimeWindow] }).halves;
}

function assertTiles(parts: TimeWindow[], window: TimeWindow): void {
  assert.equal(parts[0]?.fromMs, window.fromMs);
  assert.equal(parts.at(-1)?.toMs, window.toMs);
  for (let i = 1; i < parts.length; i++) assert.equal(parts[i]?.fromMs, parts[i - 1]?.toMs);
}

test('a busy full answer is re-read in parts that each hold fewer rows than the suspect count', () => {
  const rows = evenRows(day, 3955);
  const parts = partsAfterFullAnswer(day, rows, halvesOf(day), DEFAULT_GAP_POLICY);
  assertTiles(parts, day);
  assert.equal(parts.length, 5, 'ceil(3955 / 900) parts instead of halving down through 7 requests');
  for (const part of parts) {
    const inside = rows.filter((t) => t >= part.fromMs && t < part.toMs).length;
    assert.ok(inside < DEFAULT_GAP_POLICY.suspectRowCount, `${inside} rows in a part`);
    assert.equal(part.fromMs % 1000, 0, 'cut on a whole second');
  }
});

test('an answer whose rows bunch at one end (cut off by the broker) is halved, as before', () => {
  const lastHour = { fromMs: day.toMs - HOUR_MS, toMs: day.toMs };
  const halves = halvesOf(day);
  assert.deepEqual(partsAfterFullAnswer(day, evenRows(lastHour, 1000), halves, DEFAULT_GAP_POLICY), halves);
});

test('no part is narrower than the minimum span, however dense the rows', () => {
  const burst = Array.from({ length: 5000 }, (_, i) => day.fromMs + 6 * HOUR_MS + i);
  const parts = partsAfterFullAnswer(day, burst, halvesOf(day), DEFAULT_GAP_POLICY);
  assertTiles(parts, day);
  for (const part of parts) assert.ok(part.toMs - part.fromMs >= DEFAULT_GAP_POLICY.minimumSpanMs);
});

test('rows without a readable time, or outside the part, or out of order, do not move the cuts', () => {
  const rows = evenRows(day, 3955);
  const clean = partsAfterFullAnswer(day, rows, halvesOf(day), DEFAULT_GAP_POLICY);
  const noisy = [...rows].reverse();
  noisy.splice(100, 0, Number.NaN, Number.NaN);
  noisy.splice(2000, 0, Number.NaN, day.toMs + HOUR_MS, day.fromMs - HOUR_MS);
  const parts = partsAfterFullAnswer(day, noisy, halvesOf(day), DEFAULT_GAP_POLICY);
  assert.deepEqual(parts, clean);
  for (const part of parts) assert.ok(Number.isFinite(part.fromMs) && Number.isFinite(part.toMs));
});
