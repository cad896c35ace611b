import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { Rng } from '../../core/random';

/*
 * Position encodings (docs/science.md §2, §5). The model uses:
 * - `learned`:    a trainable [maxLen, D] table added to the input (lives in the model's params);
 * - `sinusoidal`: the fixed table below, added to the input;
 * - `rope`:       q and k rotated per head (below), nothing added to the input.
 * Sinusoidal and RoPE codes are defined at every integer position, so either can be read at
 * randomized positions (Ruoss et al. 2023, `randomizePositions`): a sorted random subset of
 * [0, positionRange) instead of 0…T−1. Positions never drawn in training still get a
 * meaningful, smoothly related code (a learned table would leave them at their initial values).
 * Which positions a forward call uses is decided in positionPlan.ts.
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
 * Rotates x [B, H, T, Dh] by the RoPE tables cos, sin [T, Dh] (or [B, 1, T, Dh], one row per sequence):
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
 * A sorted random subset of size T of [0, range), drawn with the project's seeded Rng: the
 * positions of randomized encodings (Ruoss et al. 2023; the reference draws them with
 * `choice(arange(L), T, replace=False)` and sorts them).
 */
export function randomPositions(rng: Rng, T: number, range: number): Int32Array {
  checkPositionArgs(T, range);
  const out = Int32Array.from(rng.sample(range, T));
  return out.sort();
}

/**
 * 0 … T−1 spread evenly over [0, range): p_i = round(i·(range−1)/(T−1)) (p_0 = 0 when T = 1).
 * The `spread` evaluation of randomized positions: in training the model only sees sorted random
 * subsets of the range, whose neighbours are about range/T apart and whose last position is near
 * the end of the range, and the even spread is their deterministic counterpart (close to a draw's
 * expected order statistics). Requires T ≤ range, so the positions stay distinct.
 */
export function spreadPositions(T: number, range: number): Int32Array {
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

/**
 * The rows a position array describes for a [B, T] batch: 1 when it holds T positions shared by
 * every sequence, B when it holds B*T (row-major, one row per sequence). Throws otherwise.
 */
export function positionRows(positions: ArrayLike<number>, B: number, T: number): 1 | number {
  if (positions.length === T) return 1;
  if (positions.length === B * T) return B;
  throw new Error(`positions must have length T = ${T} (shared) or B*T = ${B * T} (one row per sequence), got ${positions.length}`);
}

/** The sinusoidal code at `positions` ([T] or [B*T]) as a tensor [T, D] or [B*T, D]. */
export function sinusoidalCode(positions: ArrayLike<number>, dim: number): Tensor {
  return tf.tensor2d(sinusoidalTable(positions, dim), [positions.length, dim]);
}

/**
 * RoPE cos and sin tensors at `positions` for q, k [B, H, T, Dh]: [T, Dh] when the positions are
 * shared, [B, 1, T, Dh] when there is one row per sequence (broadcast over the heads).
 */
export function ropeCode(positions: ArrayLike<number>, B: number, T: number, headDim: number): { cos: Tensor; sin: Tensor } {
  const rows = positionRows(positions, B, T);
  const { cos, sin } = ropeTables(positions, headDim);
  const shape = rows === 1 ? [T, headDim] : [B, 1, T, headDim];
  return { cos: tf.tensor(cos, shape, 'float32'), sin: tf.tensor(sin, shape, 'float32') };
}

function checkPositionArgs(T: number, range: number): void {
  if (!(Number.isInteger(T) && T > 0)) throw new Error(`positions: T must be a positive integer, got ${T}`);
  if (!(Number.isInteger(range) && range >= T)) {
    throw new Error(`positions: the position range (${range}) must be an integer ≥ the sequence length T = ${T}`);
  }
}
