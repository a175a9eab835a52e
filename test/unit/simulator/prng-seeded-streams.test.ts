import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashKey, Prng } from '../../../simulator/data/prng';

function draw(rng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe('simulator prng: seeded, keyed streams', () => {
  test('the same key always yields the same numbers', () => {
    assert.deepEqual(draw(Prng.fromKey('day', 'seed', '12345678901234567', 20150), 50), draw(Prng.fromKey('day', 'seed', '12345678901234567', 20150), 50));
  });

  test('different keys, and a number versus its text, give different streams', () => {
    const base = draw(Prng.fromKey('day', 'seed', 1), 8);
    assert.notDeepEqual(base, draw(Prng.fromKey('day', 'seed', 2), 8));
    assert.notDeepEqual(base, draw(Prng.fromKey('day', 'seed', '1'), 8));
    assert.notDeepEqual(base, draw(Prng.fromKey('day', 'other-seed', 1), 8));
    assert.notDeepEqual(hashKey('a', 'bc'), hashKey('ab', 'c'));
  });

  test('a child stream depends on its label, not on how much the parent has drawn', () => {
    const parent = Prng.fromKey('parent');
    const before = draw(parent.child('deal', 7), 10);
    draw(parent, 1000);
    assert.deepEqual(draw(parent.child('deal', 7), 10), before);
    assert.notDeepEqual(draw(parent.child('deal', 8), 10), before);
  });

  test('helpers stay in range and are roughly uniform', () => {
    const rng = Prng.fromKey('ranges');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const f = rng.float();
      assert.ok(f >= 0 && f < 1);
      buckets[Math.floor(f * 10)] = (buckets[Math.floor(f * 10)] ?? 0) + 1;
      const n = rng.int(-3, 5);
      assert.ok(Number.isInteger(n) && n >= -3 && n <= 5);
    }
    for (const count of buckets) assert.ok(count > 1700 && count < 2300, `bucket count ${count}`);
    assert.ok(['a', 'b', 'c'].includes(rng.pick(['a', 'b', 'c'])));
    assert.throws(() => rng.int(5, 4), RangeError);
    assert.throws(() => rng.pick([]), RangeError);
  });

  test('normal draws have mean near 0 and variance near 1; counts keep their expectation', () => {
    const rng = Prng.fromKey('normal');
    let total = 0;
    let squares = 0;
    let fastTotal = 0;
    let counted = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      total += x;
      squares += x * x;
      fastTotal += rng.fastNormal();
      counted += rng.countAround(2.25);
    }
    assert.ok(Math.abs(total / n) < 0.05);
    assert.ok(Math.abs(squares / n - 1) < 0.05);
    assert.ok(Math.abs(fastTotal / n) < 0.05);
    assert.ok(Math.abs(counted / n - 2.25) < 0.02);
  });
});
