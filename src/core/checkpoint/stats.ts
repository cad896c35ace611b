/**
 * Summary statistics of a tensor's values, for the checkpoint inspector: a quick look at whether
 * weights exploded, collapsed to zero or went NaN.
 */

export interface TensorStats {
  /** All elements. */
  count: number;
  /** Over finite values only; NaN when there is none. */
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by the number of finite values). */
  std: number;
  nan: number;
  /** ±Infinity. */
  inf: number;
  /** Exact zeros (−0 included). */
  zero: number;
}

/** Values as numbers; 64-bit integers are rounded to the nearest double. */
export type StatsInput = ArrayLike<number> | ArrayLike<bigint>;

function at(data: StatsInput, i: number): number {
  const v = data[i] as number | bigint;
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * Two passes (mean, then squared deviations) in double precision: stable for float32 data. The
 * deviations are scaled by a power of two near the largest magnitude (exact), so that float64
 * values near 1e300 do not overflow the sum of squares.
 */
export function tensorStats(data: StatsInput): TensorStats {
  let nan = 0;
  let inf = 0;
  let zero = 0;
  let finite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = at(data, i);
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (!Number.isFinite(v)) {
      inf++;
      continue;
    }
    if (v === 0) zero++;
    finite++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (finite === 0) return { count: data.length, min: NaN, max: NaN, mean: NaN, std: NaN, nan, inf, zero };
  const largest = Math.max(Math.abs(min), Math.abs(max));
  const scale = largest === 0 ? 1 : 2 ** Math.min(1023, Math.ceil(Math.log2(largest)));
  let mean = sum / finite;
  if (!Number.isFinite(mean)) {
    // The plain sum overflowed (values near the float64 limit): add scaled values instead.
    let scaled = 0;
    for (let i = 0; i < data.length; i++) {
      const v = at(data, i);
      if (Number.isFinite(v)) scaled += v / scale;
    }
    mean = (scaled / finite) * scale;
  }
  let sq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = at(data, i);
    if (!Number.isFinite(v)) continue;
    const d = v / scale - mean / scale;
    sq += d * d;
  }
  return { count: data.length, min, max, mean, std: Math.sqrt(sq / finite) * scale, nan, inf, zero };
}

export interface Histogram {
  /** bins + 1 increasing bin edges; bin i is [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  counts: number[];
  /** Non-finite values and values outside the range: in no bin. */
  skipped: number;
}

/**
 * Histogram of the finite values in `bins` equal-width bins over [min, max] of the data (or the
 * given range; values outside it are skipped). A constant tensor gets a unit-wide range centred on
 * its value, so that it still shows as one bar.
 */
export function histogram(data: StatsInput, bins: number, range?: readonly [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let lo: number;
  let hi: number;
  if (range !== undefined) {
    [lo, hi] = range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
      throw new RangeError(`histogram: range must be two finite numbers with lo < hi, got [${lo}, ${hi}]`);
    }
  } else {
    const s = tensorStats(data);
    lo = Number.isNaN(s.min) ? 0 : s.min;
    hi = Number.isNaN(s.max) ? 1 : s.max;
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  let skipped = 0;
  for (let i = 0; i < data.length; i++) {
    const v = at(data, i);
    if (!Number.isFinite(v) || v < lo || v > hi) {
      skipped++;
      continue;
    }
    const b = Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[b] = (counts[b] as number) + 1;
  }
  return { edges, counts, skipped };
}
