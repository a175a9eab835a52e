import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GAP_POLICY, judgeWindow } from '../../../lib/ledger/gap-detection';

const day = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };

test('a window answered with fewer rows than the suspect count is complete', () => {
  assert.deepEqual(judgeWindow(day, { rows: 999 }, DEFAULT_GAP_POLICY), { kind: 'complete' });
});

test('a suspiciously full or refused window is split in two halves on a whole second, tiling it', () => {
  for (const outcome of [{ rows: 1000 }, { refusedAsTooWide: true as const }]) {
    const verdict = judgeWindow({ fromMs: day.fromMs, toMs: day.toMs - 1 }, outcome, DEFAULT_GAP_POLICY);
    assert.equal(verdict.kind, 'split');
    if (verdict.kind !== 'split') return;
    const [first, second] = verdict.halves;
    assert.equal(first.fromMs, day.fromMs);
    assert.equal(first.toMs, second.fromMs);
    assert.equal(second.toMs, day.toMs - 1);
    assert.equal(first.toMs % 1000, 0);
  }
});

test('at the minimum span a full answer is reported as possibly truncated, never hidden', () => {
  const verdict = judgeWindow({ fromMs: 0, toMs: 90_000 }, { rows: 5000 }, DEFAULT_GAP_POLICY);
  assert.equal(verdict.kind, 'possibly-truncated');
});
