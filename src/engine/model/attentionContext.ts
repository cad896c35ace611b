/**
 * What every attention layer of one forward call shares: the per-query scale (attentionScale.ts), the
 * mask as an additive bias (softmax) or a 0/1 factor (linear attention), and the RoPE tables. Planned
 * on the host from plain numbers (`planAttention`), then made into tensors inside the forward pass's
 * tidy (`attentionContext`).
 */
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { ModelConfig } from '../../protocol/config';
import { attentionScale } from './attentionScale';
import { buildBatchAttentionMask } from './attentionMask';
import { ropeCode } from './positions';

const MASKED = -1e9;

/** Sizes of the attention heads: count, per-head query/key size and value size. */
export interface HeadSizes {
  H: number;
  dk: number;
  dv: number;
}

export interface AttentionContext {
  B: number;
  T: number;
  scale: Tensor; // [T, 1], or [B, 1, T, 1] with one mask per example
  maskBias: Tensor | null; // [T, T] (or [B, 1, T, T]), 0 or −1e9 (softmax)
  maskMul: Tensor | null; // [T, T] (or [B, 1, T, T]), 1 or 0 (linear)
  rope: { cos: Tensor; sin: Tensor } | null; // [T, dk] each, or [B, 1, T, dk] with one row of positions per sequence
}

/** The host-side part of an AttentionContext: which keys each query sees and each query row's scale. */
export interface AttentionPlan {
  B: number;
  T: number;
  /** allowed[q*T+k] (or [b*T*T + q*T + k] per example) = 1 where query q may attend to key k. */
  allowed: Uint8Array;
  /** One mask per example (Task.exampleMask) rather than one for the batch. */
  perExample: boolean;
  /** The scale of each query row, [T] or [B*T]. */
  scaleValues: Float32Array;
  /** Whether any key is masked at all (else no mask tensor is made). */
  needsMask: boolean;
}

/** Combines the causal mask with `mask` (see ForwardInput.mask) and computes the query scales. */
export function planAttention(cfg: ModelConfig, B: number, T: number, mask: Uint8Array | null | undefined): AttentionPlan {
  const { allowed, visibleKeys, perExample } = buildBatchAttentionMask(B, T, cfg.causal, mask);
  const scaleValues = attentionScale(cfg.attentionScaling, {
    headDim: cfg.keySize,
    visibleKeys,
    lognBase: cfg.lognBase,
    trainLength: cfg.trainLength,
  });
  return { B, T, allowed, perExample, scaleValues, needsMask: allowed.some((a) => a === 0) };
}

/** The plan's tensors, with RoPE tables for `positions` ([T] or [B*T]) when the model uses RoPE. Call inside tf.tidy. */
export function attentionContext(cfg: ModelConfig, plan: AttentionPlan, positions: Int32Array | null): AttentionContext {
  const { B, T, allowed, perExample, scaleValues, needsMask } = plan;
  const linear = cfg.attention === 'linear';
  const maskValues = new Float32Array(allowed.length);
  if (needsMask) for (let i = 0; i < allowed.length; i++) maskValues[i] = linear ? allowed[i] ? 1 : 0 : allowed[i] ? 0 : MASKED;
  // One mask for the batch: [T, 1] and [T, T]; one per example (Task.exampleMask): [B, 1, T, 1] and [B, 1, T, T].
  const maskShape = perExample ? [B, 1, T, T] : [T, T];
  return {
    B,
    T,
    scale: tf.tensor(scaleValues, perExample ? [B, 1, T, 1] : [T, 1]),
    maskBias: needsMask && !linear ? tf.tensor(maskValues, maskShape) : null,
    maskMul: needsMask && linear ? tf.tensor(maskValues, maskShape) : null,
    rope: cfg.position === 'rope' && positions ? ropeCode(positions, B, T, cfg.keySize) : null,
  };
}
