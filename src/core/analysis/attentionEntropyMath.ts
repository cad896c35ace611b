/**
 * Attention entropy of one softmax row (docs/science.md §1): H = −Σ_j a_j ln a_j in nats, and the
 * normalized entropy h = H / ln n over the n keys the query can see, which is 1 for a uniform
 * row and 0 for a one-hot row whatever n is, so rows of different lengths compare.
 */

/** H of a probability row; zero entries contribute 0 (the limit of a ln a). */
export function rowEntropy(row: ArrayLike<number>, start = 0, end = row.length): number {
  let h = 0;
  for (let j = start; j < end; j++) {
    const a = row[j] as number;
    if (a > 0) h -= a * Math.log(a);
  }
  return h;
}

/** h = H / ln n; null when n < 2 (a row with one key has no choice to make). Clamped to [0, 1] against rounding. */
export function normalizedEntropy(entropy: number, visibleKeys: number): number | null {
  if (!(visibleKeys >= 2)) return null;
  return Math.min(1, Math.max(0, entropy / Math.log(visibleKeys)));
}

/**
 * Per head and query position, the entropy averaged over a batch of attention probabilities.
 * `probs` is one layer's [B, H, T, T] tensor data (row-major); returns [head][query] means of H
 * and of h (null where the query sees one key).
 */
export function headQueryEntropy(
  probs: ArrayLike<number>,
  batch: number,
  heads: number,
  T: number,
  visibleKeys: ArrayLike<number>,
): { entropy: number[][]; normalized: (number | null)[][] } {
  const entropy: number[][] = [];
  const normalized: (number | null)[][] = [];
  for (let h = 0; h < heads; h++) {
    const eRow: number[] = new Array<number>(T).fill(0);
    for (let b = 0; b < batch; b++) {
      for (let q = 0; q < T; q++) {
        const off = ((b * heads + h) * T + q) * T;
        eRow[q] = (eRow[q] as number) + rowEntropy(probs, off, off + T);
      }
    }
    const mean = eRow.map((e) => e / batch);
    entropy.push(mean);
    normalized.push(mean.map((e, q) => normalizedEntropy(e, visibleKeys[q] as number)));
  }
  return { entropy, normalized };
}

/** Σ_j a_j over the given key positions of one row starting at `offset` (the attention mass on them). */
export function rowMass(row: ArrayLike<number>, offset: number, keys: readonly number[]): number {
  let m = 0;
  for (const k of keys) m += row[offset + k] as number;
  return m;
}

/** Mean of the non-null values (null when there are none). */
export function meanOfPresent(values: readonly (number | null)[]): number | null {
  let s = 0;
  let c = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      s += v;
      c++;
    }
  }
  return c > 0 ? s / c : null;
}
