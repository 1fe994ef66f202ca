/**
 * Seeded pseudo-random numbers for the generator: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 128-bit state), seeded through splitmix32. Everything the generator
 * emits derives from these, so one seed gives byte-identical output on every machine.
 * `Math.random` and the clock are never used.
 */

const TWO_32 = 4294967296;

/** splitmix32 step: a good 32-bit mixer, used to expand seeds and to hash small tuples. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a hash of a string (labels such as `'world'`, `'events'`). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** Combines any safe integer seed with a label into a 32-bit seed of an independent stream. */
export function deriveSeed(seed: number, label: string): number {
  const lo = seed | 0;
  const hi = Math.floor(seed / TWO_32) | 0;
  return mix32(mix32(lo ^ hashString(label)) ^ mix32(hi + 0x632be5ab));
}

/** Deterministic value in [0, 1) for a tuple of integers (order-sensitive), no state. */
export function hashFloat(seed: number, a: number, b: number, c: number): number {
  const h = mix32(mix32(mix32(seed ^ mix32(a)) ^ mix32(b + 0x27d4eb2f)) ^ mix32(c + 0x165667b1));
  return h / TWO_32;
}

const HEX_DIGIT = '0123456789abcdef';
/** `HEX_BYTE[n]` is `n` as two lowercase hex digits. */
export const HEX_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => HEX_DIGIT[i >> 4]! + HEX_DIGIT[i & 15]!,
);

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next() | 0;
    this.b = next() | 0;
    this.c = next() | 0;
    this.d = next() | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
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
    return this.u32() / TWO_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes as lowercase hex. */
  hex(nBytes: number): string {
    let out = '';
    let x = 0;
    for (let i = 0; i < nBytes; i++) {
      const k = i & 3;
      if (k === 0) x = this.u32();
      out += HEX_BYTE[(x >>> (24 - 8 * k)) & 255]!;
    }
    return out;
  }

  /** A UUID-v4-shaped string (version nibble 4, variant 10xx). */
  uuid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    return (
      HEX_BYTE[a >>> 24]! +
      HEX_BYTE[(a >>> 16) & 255]! +
      HEX_BYTE[(a >>> 8) & 255]! +
      HEX_BYTE[a & 255]! +
      '-' +
      HEX_BYTE[b >>> 24]! +
      HEX_BYTE[(b >>> 16) & 255]! +
      '-4' +
      HEX_DIGIT[(b >>> 8) & 15]! +
      HEX_BYTE[b & 255]! +
      '-' +
      HEX_DIGIT[8 | ((c >>> 28) & 3)]! +
      HEX_DIGIT[(c >>> 24) & 15]! +
      HEX_BYTE[(c >>> 16) & 255]! +
      '-' +
      HEX_BYTE[(c >>> 8) & 255]! +
      HEX_BYTE[c & 255]! +
      HEX_BYTE[d >>> 24]! +
      HEX_BYTE[(d >>> 16) & 255]! +
      HEX_BYTE[(d >>> 8) & 255]! +
      HEX_BYTE[d & 255]!
    );
  }
}

/** Index `i` in [0, n) with `cum[i-1] <= x < cum[i]` (cumulative weights, ascending). */
export function searchCumulative(cum: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Picks from `[value, weight]` pairs with a precomputed cumulative table. */
export class WeightedTable<T> {
  readonly values: readonly T[];
  private readonly cum: Float64Array;
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    this.values = entries.map((e) => e[0]);
    this.cum = new Float64Array(entries.length);
    let acc = 0;
    entries.forEach((e, i) => {
      acc += e[1];
      this.cum[i] = acc;
    });
    this.total = acc;
  }

  index(rng: Rng): number {
    return searchCumulative(this.cum, this.cum.length, rng.float() * this.total);
  }

  pick(rng: Rng): T {
    return this.values[this.index(rng)]!;
  }
}
