import { tf } from '../tf';
import type { Tensor } from '../tf';

/**
 * Linear self-attention (softmax replaced by the identity), per head:
 *
 *   y = (Q Kᵀ ⊙ M) V          q, k [B, H, T, dk], v [B, H, T, dv], M [T, T] of 0/1, y [B, H, T, dv]
 *
 * With a causal M this is a fast-weight memory: query t reads S_t = Σ_{s ≤ t} k_s v_sᵀ (dk × dv)
 * as q_tᵀ S_t, so the key size dk bounds how many items can be stored without interference
 * (von Oswald et al., "Learning Randomized Algorithms with Transformers", App. A.2; docs/science.md §7.1).
 * No 1/√dk factor: the paper scales nothing here (its weights' fan-in initialisation sets the size).
 * Plain autodiff ops, so the gradient is tf's own (checked by finite differences in the tests).
 */
export function linearAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null): { y: Tensor; weights: Tensor } {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`linearAttention: q, k, v must be [B, H, T, d], got [${q.shape.join(', ')}], [${k.shape.join(', ')}], [${v.shape.join(', ')}]`);
  }
  let weights = tf.matMul(q, k, false, true); // [B, H, T, T]
  if (mask) weights = tf.mul(weights, mask); // M [T, T] broadcast over B, H
  return { y: tf.matMul(weights, v), weights }; // [B, H, T, dv]
}

/**
 * What a linear head's weights look like as "attention" for the entropy and pattern views: the
 * share of each key in the row's total absolute weight, |w_ij| / Σ_j |w_ij| (a distribution over the
 * visible keys; a row with all weights 0 gives 0s). These are not the probabilities of a softmax:
 * they show where the read weight goes, not a convex mixture.
 */
export function linearAttentionShares(weights: Tensor): Tensor {
  return tf.tidy(() => {
    const abs = tf.abs(weights); // [B, H, T, T]
    return tf.div(abs, tf.maximum(tf.sum(abs, -1, true), tf.scalar(1e-30)));
  });
}
