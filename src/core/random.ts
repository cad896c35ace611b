/**
 * Seeded, deterministic random numbers for data generation and initialisation.
 * mulberry32 for the stream, with a splitmix-style hash to derive independent sub-seeds.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = hashSeed(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** k distinct integers from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`cannot sample ${k} distinct values from ${n}`);
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = this.int(i, n);
      const tmp = all[i] as number;
      all[i] = all[j] as number;
      all[j] = tmp;
    }
    return all.slice(0, k);
  }

  /** A new generator whose stream is independent of this one's for a different `salt`. */
  fork(salt: number): Rng {
    return new Rng(hashSeed((this.state ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0));
  }
}

/** A 32-bit integer hash of a seed (and optional salts), for deriving sub-seeds. */
export function hashSeed(seed: number, ...salts: number[]): number {
  let h = (Math.floor(seed) ^ 0x85ebca6b) >>> 0;
  for (const s of [0, ...salts]) {
    h = (h ^ Math.floor(s)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}
