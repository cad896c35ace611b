import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { Rng } from '../random';

/*
 * Position encodings (science.md §2, §5). The model uses:
 * - `learned`:    a trainable [maxLen, D] table added to the input (lives in the model's params);
 * - `sinusoidal`: the fixed table below, added to the input;
 * - `rope`:       q and k rotated per head (below), nothing added to the input;
 * - `randomized`: the sinusoidal table read at randomized positions in [0, positionRange)
 *   (Ruoss et al. 2023). Sinusoids are defined at every integer, so positions never drawn
 *   in training still get a meaningful, smoothly related code (a learned table would leave
 *   them at their random initial values).
 */

/**
 * PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)) (Vaswani et al.).
 * Returns [positions.length, dim], row-major.
 */
export function sinusoidalTable(positions: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(positions.length * dim);
  for (let t = 0; t < positions.length; t++) {
    const p = positions[t] as number;
    for (let j = 0; j < dim; j++) {
      const i2 = j - (j % 2); // 2i
      const angle = p / Math.pow(10000, i2 / dim);
      out[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/**
 * RoPE (Su et al.): dimension pair i of a head is rotated by the angle p·θ_i,
 * θ_i = 10000^(−2i/d_h), i = 0 … d_h/2 − 1. Then (R_m q)·(R_n k) = q·R_{n−m} k depends only on
 * the offset n − m. We pair dimension i with i + d_h/2 ("rotate half", as in GPT-NeoX/LLaMA)
 * rather than 2i with 2i+1: the same rotation up to a fixed permutation of the head's dims,
 * which the learned q/k projections absorb, and it needs only two slices and a concat.
 * Returns cos and sin tables [positions.length, d_h], each angle written for both dims of its pair.
 */
export function ropeTables(positions: ArrayLike<number>, headDim: number): { cos: Float32Array; sin: Float32Array } {
  if (headDim % 2 !== 0) throw new Error(`RoPE needs an even head dimension, got ${headDim}`);
  const half = headDim / 2;
  const cos = new Float32Array(positions.length * headDim);
  const sin = new Float32Array(positions.length * headDim);
  for (let t = 0; t < positions.length; t++) {
    const p = positions[t] as number;
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(10000, (-2 * i) / headDim);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[t * headDim + i] = c;
      cos[t * headDim + i + half] = c;
      sin[t * headDim + i] = s;
      sin[t * headDim + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Rotates x [B, H, T, Dh] by the RoPE tables cos, sin [T, Dh]:
 * (x_i, x_{i+h}) → (x_i cos − x_{i+h} sin, x_{i+h} cos + x_i sin), h = Dh/2.
 */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const [b, h, t, dh] = x.shape as [number, number, number, number];
  const half = dh / 2;
  return tf.tidy(() => {
    const x1 = tf.slice(x, [0, 0, 0, 0], [b, h, t, half]); // [B, H, T, Dh/2]
    const x2 = tf.slice(x, [0, 0, 0, half], [b, h, t, half]); // [B, H, T, Dh/2]
    const rotated = tf.concat([tf.neg(x2), x1], 3); // [B, H, T, Dh]
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)); // [B, H, T, Dh]
  });
}

/**
 * Training positions for `randomized` encodings (Ruoss et al. 2023): a sorted random subset
 * of size T of [0, range), drawn with the project's seeded Rng.
 */
export function randomPositions(rng: Rng, T: number, range: number): Int32Array {
  checkPositionArgs(T, range);
  const out = Int32Array.from(rng.sample(range, T));
  return out.sort();
}

/**
 * Evaluation positions for `randomized` encodings: 0 … T−1 spread evenly over [0, range),
 * p_i = round(i·(range−1)/(T−1)) (p_0 = 0 when T = 1).
 * Why not plain 0 … T−1: in training the model only ever sees sorted random subsets of the
 * range, whose neighbours are about range/T apart and whose last position is near the end of
 * the range; contiguous positions with gaps of 1 are the rarest case it met. The even spread
 * is the deterministic counterpart of a random draw (close to its expected order statistics),
 * so evaluation stays in distribution and is reproducible. This is what ModelConfig.positionRange
 * documents. Requires T ≤ range, so the positions stay distinct.
 */
export function evalPositions(T: number, range: number): Int32Array {
  checkPositionArgs(T, range);
  const out = new Int32Array(T);
  if (T === 1) return out;
  for (let i = 0; i < T; i++) out[i] = Math.round((i * (range - 1)) / (T - 1));
  return out;
}

/** 0 … T−1. */
export function contiguousPositions(T: number): Int32Array {
  return Int32Array.from({ length: T }, (_, i) => i);
}

function checkPositionArgs(T: number, range: number): void {
  if (!(Number.isInteger(T) && T > 0)) throw new Error(`positions: T must be a positive integer, got ${T}`);
  if (!(Number.isInteger(range) && range >= T)) {
    throw new Error(`positions: the position range (${range}) must be an integer ≥ the sequence length T = ${T}`);
  }
}
