/**
 * Multi-head self-attention of one block: softmax attention (through the fused op of attentionHeads.ts
 * where it can) or linear attention (linearAttention.ts), with RoPE, the softmax-noise probe's noise and
 * the probabilities on request.
 */
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { AttentionKind } from '../../protocol/config';
import type { AttentionContext, HeadSizes } from './attentionContext';
import { attentionHeads } from './attentionHeads';
import { dense } from './dense';
import { linearAttention, linearAttentionShares } from './linearAttention';
import type { BlockParams } from './modelParams';
import { applyRope } from './positions';

/** q, k [B, H, T, dk] and v [B, H, T, dv] from the fused projection qkv [B*T, H·(2dk + dv)]. */
function splitHeads(qkv: Tensor, B: number, T: number, sizes: HeadSizes): [Tensor, Tensor, Tensor] {
  const { H, dk, dv } = sizes;
  if (dk === dv) {
    // Rank-4 transposes only: wasm's rank-5 Transpose is ~100× slower than this one.
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * H, dk]), [0, 2, 1, 3]); // [B, 3H, T, dk]
    return tf.split(heads, 3, 1) as [Tensor, Tensor, Tensor]; // [B, H, T, dk] each
  }
  // The same column layout as above: [q heads | k heads | v heads], head-major within each.
  const [q, k, v] = tf.split(qkv, [H * dk, H * dk, H * dv], 1) as [Tensor, Tensor, Tensor];
  const toHeads = (x: Tensor, d: number): Tensor => tf.transpose(tf.reshape(x, [B, T, H, d]), [0, 2, 1, 3]);
  return [toHeads(q, dk), toHeads(k, dk), toHeads(v, dv)];
}

/** The attended values y [B, H, T, dv] and the probabilities [B, H, T, T] (when asked for) from q, k, v. */
function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  kind: AttentionKind,
  ctx: AttentionContext,
  withProbs: boolean,
  noise: Tensor | null,
): { y: Tensor; probs: Tensor | null } {
  if (kind === 'linear') {
    const lin = linearAttention(q, k, v, ctx.maskMul);
    return { y: lin.y, probs: withProbs ? linearAttentionShares(lin.weights) : null };
  }
  let logits = tf.matMul(tf.mul(q, ctx.scale), k, false, true); // [B, H, T, T]; row i × scale[i] (attentionScale.ts)
  if (noise) logits = tf.add(logits, noise); // the softmax-noise probe: σ·ε [B, H, T, T], after the scaling, before the mask
  if (ctx.maskBias) logits = tf.add(logits, ctx.maskBias);
  const p1 = tf.softmax(logits); // [B, H, T, T]
  return { y: tf.matMul(p1, v), probs: withProbs ? p1 : null };
}

/**
 * Multi-head self-attention on h [B*T, D]: the output [B*T, D], and the probabilities
 * [B, H, T, T] when asked for (linear attention: each key's share of the row's absolute weight).
 * Softmax training with equal key and value sizes takes the fused op (attentionHeads.ts); RoPE,
 * the probabilities, unequal sizes and linear attention take autodiff form.
 */
export function selfAttention(
  h: Tensor,
  p: BlockParams,
  kind: AttentionKind,
  sizes: HeadSizes,
  ctx: AttentionContext,
  withProbs: boolean,
  noise: Tensor | null,
): { out: Tensor; probs: Tensor | null } {
  const { B, T } = ctx;
  const { H, dk, dv } = sizes;
  const qkv = dense(h, p.qkvKernel, p.qkvBias); // [B*T, H·(2dk + dv)]
  if (kind === 'softmax' && dk === dv && !ctx.rope && !withProbs && !noise) {
    return { out: dense(attentionHeads(qkv, { B, T, H, Dh: dk }, ctx.scale, ctx.maskBias), p.outKernel, p.outBias), probs: null };
  }
  const [q0, k0, v] = splitHeads(qkv, B, T, sizes);
  let q = q0;
  let k = k0;
  if (ctx.rope) {
    q = applyRope(q, ctx.rope.cos, ctx.rope.sin);
    k = applyRope(k, ctx.rope.cos, ctx.rope.sin);
  }
  const { y, probs } = attend(q, k, v, kind, ctx, withProbs, noise); // y [B, H, T, dv]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, H * dv]); // [B*T, H·dv]
  return { out: dense(merged, p.outKernel, p.outBias), probs };
}
