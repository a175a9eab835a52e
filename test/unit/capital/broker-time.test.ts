import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBrokerTime, formatQueryTime, insideWindow, parseBrokerUtc, queryBounds, splitWindow } from '../../../lib/capital/broker-time';

const at = (iso: string) => Date.parse(iso);

describe("the broker's time formats", () => {
  test('query times are UTC, to the second, without a zone', () => {
    assert.equal(formatQueryTime(at('2025-01-31T23:59:59.999Z')), '2025-01-31T23:59:59');
    assert.equal(formatBrokerTime(at('2022-04-04T16:51:05.648Z')), '2022-04-04T16:51:05.648');
  });

  test('row times parse as UTC, with or without milliseconds', () => {
    assert.equal(parseBrokerUtc('2022-04-04T16:51:05.648'), at('2022-04-04T16:51:05.648Z'));
    assert.equal(parseBrokerUtc('2022-04-04T16:51:05'), at('2022-04-04T16:51:05Z'));
    assert.equal(parseBrokerUtc('2022-04-04T16:51:05.6'), at('2022-04-04T16:51:05.600Z'));
  });

  test('anything else is refused rather than guessed', () => {
    for (const bad of ['2022-04-04 16:51:05', '2022-04-04T16:51:05Z', '2025-02-30T00:00:00', '2022/04/04 16:51:05', '']) {
      assert.equal(parseBrokerUtc(bad), undefined, bad);
    }
  });
});

describe('splitting ranges for the 1-day activity cap', () => {
  const day = 86_400_000;

  test('windows tile the range exactly: no gap, no overlap, none longer than the cap', () => {
    const range = { fromMs: at('2025-01-01T00:00:00Z'), toMs: at('2025-02-01T00:00:00Z') };
    const windows = splitWindow(range, day);
    assert.equal(windows.length, 31);
    assert.equal(windows[0]?.fromMs, range.fromMs);
    assert.equal(windows.at(-1)?.toMs, range.toMs);
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i]?.fromMs, windows[i - 1]?.toMs);
    assert.ok(windows.every((w) => w.toMs - w.fromMs <= day));
  });

  test('a ragged range ends with a short window; an empty range gives none', () => {
    const windows = splitWindow({ fromMs: 0, toMs: day + 1 }, day);
    assert.deepEqual(windows, [{ fromMs: 0, toMs: day }, { fromMs: day, toMs: day + 1 }]);
    assert.deepEqual(splitWindow({ fromMs: 5, toMs: 5 }, day), []);
  });

  test('query bounds round outward and the exact window decides membership', () => {
    const window = { fromMs: at('2025-01-01T10:00:00.500Z'), toMs: at('2025-01-01T11:00:00.250Z') };
    assert.deepEqual(queryBounds(window), { from: '2025-01-01T10:00:00', to: '2025-01-01T11:00:01' });
    assert.equal(insideWindow(window.fromMs, window), true);
    assert.equal(insideWindow(window.toMs, window), false);
  });
});
