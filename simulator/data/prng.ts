/**
 * Seeded pseudo-random numbers for the simulator's data. Every stream is named by a key (strings and
 * numbers); the same key always yields the same numbers, and a child stream depends only on its
 * parent's key and its own label, never on how many numbers the parent has drawn. That is what lets
 * a day, a deal or a price path be regenerated on its own, in any order.
 *
 * Generator: sfc32 (a 128-bit state small fast counter generator), seeded from a 64-bit key hash so
 * that millions of sibling streams do not collide.
 */

export type KeyPart = string | number;

const GOLDEN_32 = 0x9e3779b9;
const UINT32_RANGE = 4294967296;
const WARM_UP_ROUNDS = 12;
const SQRT_3 = Math.sqrt(3);

/** The murmur3 finaliser: a bijective 32-bit mix with full avalanche. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 64-bit key as two 32-bit words. */
export interface KeyHash {
  readonly hi: number;
  readonly lo: number;
}

/** Folds one more key part into a key hash. Numbers are folded as integers (they must be safe). */
export function extendKey(key: KeyHash, part: KeyPart): KeyHash {
  let hi = key.hi ^ 0xdeadbeef;
  let lo = key.lo ^ 0x41c6ce57;
  if (typeof part === 'number') {
    if (!Number.isSafeInteger(part)) throw new RangeError(`key parts must be safe integers, got ${part}`);
    const low = part >>> 0;
    const high = Math.floor(part / UINT32_RANGE) >>> 0;
    hi = Math.imul(hi ^ low, 2654435761) ^ Math.imul(lo ^ high, 1597334677);
    lo = Math.imul(lo ^ low, 1597334677) ^ Math.imul(hi ^ high, 2246822507);
    hi ^= 0x6e756d; // marks a numeric part, so 1 and "1" differ
  } else {
    for (let i = 0; i < part.length; i++) {
      const code = part.charCodeAt(i);
      hi = Math.imul(hi ^ code, 2654435761);
      lo = Math.imul(lo ^ code, 1597334677);
    }
    hi ^= part.length;
  }
  hi = Math.imul(hi ^ (hi >>> 16), 2246822507) ^ Math.imul(lo ^ (lo >>> 13), 3266489909);
  lo = Math.imul(lo ^ (lo >>> 16), 2246822507) ^ Math.imul(hi ^ (hi >>> 13), 3266489909);
  return { hi: mix32(hi), lo: mix32(lo ^ GOLDEN_32) };
}

export function hashKey(...parts: KeyPart[]): KeyHash {
  let key: KeyHash = { hi: 0x2545f491, lo: 0x6a09e667 };
  for (const part of parts) key = extendKey(key, part);
  return key;
}

/** A uniform number in [0, 1) from a key and two integers, without building a stream (value noise, volumes). */
export function hashUnit(key: KeyHash, a: number, b = 0): number {
  const h1 = mix32(key.hi ^ mix32(a + GOLDEN_32));
  const h2 = mix32(key.lo ^ mix32(h1 ^ (b + 0x7f4a7c15)));
  return h2 / UINT32_RANGE;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  private constructor(readonly key: KeyHash) {
    this.a = key.hi;
    this.b = key.lo;
    this.c = mix32(key.hi ^ key.lo ^ GOLDEN_32);
    this.d = 1;
    for (let i = 0; i < WARM_UP_ROUNDS; i++) this.nextUint32();
  }

  static fromKey(...parts: KeyPart[]): Prng {
    return new Prng(hashKey(...parts));
  }

  /** An independent stream named by this stream's key plus `parts`; unaffected by draws made here. */
  child(...parts: KeyPart[]): Prng {
    let key = this.key;
    for (const part of parts) key = extendKey(key, part);
    return new Prng(key);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / UINT32_RANGE;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) throw new RangeError(`bad integer range [${min}, ${max}]`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Picks by relative weight; weights must be non-negative with a positive total. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of items) total += weight;
    if (!(total > 0)) throw new RangeError('weights must have a positive total');
    let target = this.float() * total;
    for (const [item, weight] of items) {
      target -= weight;
      if (target < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    const spare = this.spareNormal;
    if (spare !== undefined) {
      this.spareNormal = undefined;
      return spare;
    }
    const u1 = (this.nextUint32() + 1) / (UINT32_RANGE + 1);
    const u2 = this.float();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Approximately standard normal: the Irwin–Hall sum of four uniforms, centred and scaled to unit
   * variance. About three times faster than `normal()`; good enough for price noise.
   */
  fastNormal(): number {
    return (this.float() + this.float() + this.float() + this.float() - 2) * SQRT_3;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /**
   * A count with expectation `expected`: its integer part plus one more with the fractional part's
   * probability. Less spread than Poisson, which keeps daily volumes close to their targets.
   */
  countAround(expected: number): number {
    if (!(expected >= 0)) throw new RangeError(`expected count must be >= 0, got ${expected}`);
    const whole = Math.floor(expected);
    return whole + (this.float() < expected - whole ? 1 : 0);
  }
}
