/**
 * TransNAR's cross-attention (docs/science.md §5): from the tokens (queries) to the frozen NAR's final
 * node embeddings G (keys and values), scaled by 1/√dk, no mask. The block gates its output with
 * tanh(α) (transformer.ts).
 */
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { HeadSizes } from './attentionContext';
import { dense } from './dense';
import type { CrossAttentionParams } from './modelParams';

/**
 * Cross-attention from h [B*T, D] (queries) to the NAR's node embeddings G [B, N, H_nar] (keys and
 * values): the sub-layer's output [B*T, D] before the gate, and the probabilities [B, H, T, N] when
 * asked for.
 */
export function crossAttention(
  h: Tensor,
  xp: CrossAttentionParams,
  G: Tensor,
  sizes: HeadSizes,
  B: number,
  T: number,
  withProbs: boolean,
): { out: Tensor; probs: Tensor | null } {
  const { H, dk, dv } = sizes;
  const N = G.shape[1] as number;
  const narHidden = G.shape[2] as number;
  const q = tf.transpose(tf.reshape(dense(h, xp.qKernel, xp.qBias), [B, T, H, dk]), [0, 2, 1, 3]); // [B, H, T, dk]
  const kv = dense(tf.reshape(G, [B * N, narHidden]), xp.kvKernel, xp.kvBias); // [B*N, H·(dk + dv)]
  const [k0, v0] = tf.split(kv, [H * dk, H * dv], 1) as [Tensor, Tensor];
  const k = tf.transpose(tf.reshape(k0, [B, N, H, dk]), [0, 2, 1, 3]); // [B, H, N, dk]
  const v = tf.transpose(tf.reshape(v0, [B, N, H, dv]), [0, 2, 1, 3]); // [B, H, N, dv]
  const logits = tf.matMul(tf.mul(q, tf.scalar(1 / Math.sqrt(dk))), k, false, true); // [B, H, T, N]
  const p = tf.softmax(logits); // [B, H, T, N]
  const y = tf.matMul(p, v); // [B, H, T, dv]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, H * dv]); // [B*T, H·dv]
  return { out: dense(merged, xp.outKernel, xp.outBias), probs: withProbs ? p : null };
}
