import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../../../simulator/data/prng';
import { positionsWithin } from '../../../simulator/data/time';

test('positionsWithin finds exactly the times in [from, to), ties and bounds included, as a filter would', () => {
  const random = Prng.fromKey('positions-within');
  let nonEmpty = 0;
  for (let round = 0; round < 300; round++) {
    const times = Array.from({ length: random.int(0, 40) }, () => random.int(0, 30)).sort((a, b) => a - b);
    const from = random.int(-1, 31);
    const to = from + random.int(0, 12);
    const found = [...positionsWithin(times.length, (i) => times[i] as number, from, to)];
    const expected = times.flatMap((t, i) => (t >= from && t < to ? [i] : []));
    assert.deepEqual(found, expected, `times ${times.join(',')} in [${from}, ${to})`);
    if (expected.length > 0) nonEmpty++;
  }
  assert.ok(nonEmpty > 100, `only ${nonEmpty} rounds found any time: the cases do not exercise the search`);
});
