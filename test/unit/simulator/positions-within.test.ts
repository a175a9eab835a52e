import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positionsWithin } from '../../../simulator/data/time';

test('positionsWithin finds exactly the times in [from, to), ties and bounds included, as a filter would', () => {
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
  for (let round = 0; round < 300; round++) {
    const times = Array.from({ length: random(40) }, () => random(30)).sort((a, b) => a - b);
    const from = random(32) - 1;
    const to = from + random(12);
    const found = [...positionsWithin(times.length, (i) => times[i] as number, from, to)];
    const expected = times.flatMap((t, i) => (t >= from && t < to ? [i] : []));
    assert.deepEqual(found, expected, `times ${times.join(',')} in [${from}, ${to})`);
  }
});
