import type { TigerConfig } from '../../protocol/config';
import { fusedKernels } from '../fusedKernels';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { ModelParam, ParamKind } from '../model/params';
import { checkHyper } from './checkHyper';
import type { StepOptions } from './optimizer';
import { SlotOptimizer } from './slotOptimizer';
import type { SlotUpdate } from './slotOptimizer';

/** Kinds with the half step and no decay. */
const HALF_STEP_KINDS: ReadonlySet<ParamKind> = new Set<ParamKind>(['bias', 'norm-gain', 'norm-bias']);

interface TigerShared {
  /** b1, or null when b1 = 1 (an accumulation step that does not start a cycle). */
  b1: Tensor | null;
  /** (1 − β)/k times the step's gradient scale s (clipping). */
  b2: Tensor;
  /** η_t, or null when no update is applied at this step. */
  lr: Tensor | null;
  /** 0.5 η_t for biases and LayerNorm parameters, or null with `lr`. */
  halfLr: Tensor | null;
  /** λ, or null when 0. */
  weightDecay: Tensor | null;
  shrink: Tensor;
  one: Tensor;
  /** For the fused kernel (fusedKernels.ts), when there is one and θ moves: [b1, b2, η_t, λ] and [b1, b2, 0.5 η_t, 0]. */
  fused: { full: Tensor; half: Tensor } | null;
}

/**
 * Tiger (Su 2023, "tight-fisted optimizer"), with the semantics of the reference implementation
 * (docs/science.md §3). `options.lr` is η_t (the configured η times the schedule at the training
 * step). Gradient accumulation (`train.accumulate` = k, passed as `options.accumulate`, with
 * `options.micro` = i, the micro-batch 0 … k − 1 of the training step):
 *   b1 = β if i == 0 else 1;  b2 = (1 − β)/k;  m ← b1 m + b2 g
 *   θ ← θ − η_eff (sign(m) + λθ)   only when i == k − 1
 * so gradients are accumulated inside the momentum, with no extra buffer. The reference counts
 * micro-batches in one counter t (b1 = β when t mod k = 0, θ moves when (t + 1) mod k = 0) and
 * evaluates its schedule at t; here the schedule counts training steps (one per k micro-batches).
 * Per parameter kind:
 * - 'bias', 'norm-gain', 'norm-bias': η_eff = 0.5 η_t and λ = 0;
 * - 'embedding': η_eff = η_t · RMS(θ) per row (over the last axis);
 * - 'matrix': η_eff = η_t · RMS(θ) over the whole tensor (a LAMB-like relative step; a tensor
 *   of zeros therefore never moves).
 * RMS is taken of θ before the update, sign(0) = 0.
 * NaN guard, per tensor: when a tensor's gradient holds a NaN, its momentum is left unchanged
 * (b1 = 1, g = 0) and θ ← (θ − c)·s + c with c = 1 for 'norm-gain' and 0 otherwise, on every
 * call, accumulation micro-batches included; the other tensors step normally (the global clipping
 * norm is taken over the finite tensors only, see SlotOptimizer). Departure from the reference,
 * which tests NaN only: ±Inf is guarded the same way. An infinite entry would enter the momentum
 * as ±∞ and stay there (β·∞ = ∞), fixing the sign of that entry's update for the rest of
 * training, and a later gradient of the opposite infinity would make it NaN (∞ − ∞), which
 * sign() passes on into θ. Each micro-gradient is clipped on its own (the accumulated gradient
 * never exists as a tensor); the buffered optimizers clip the mean. State: `<param>/m`, also
 * under accumulation.
 */
export class Tiger extends SlotOptimizer<TigerConfig, TigerShared> {
  readonly name = 'tiger' as const;
  protected readonly slotNames = ['m'] as const;
  protected override readonly accumulatesInMomentum = true;

  /**
   * Biases and LayerNorm parameters take the same elementwise half step: concatenated. Matrices
   * (per-tensor RMS) and embeddings (per-row RMS) are stacked by shape and kind; their reductions
   * skip the stacking axis (see `update`).
   */
  protected override joinClass(param: ModelParam): { layout: 'concatenated' | 'stacked'; rule: string } {
    return HALF_STEP_KINDS.has(param.kind) ? { layout: 'concatenated', rule: 'half' } : { layout: 'stacked', rule: param.kind };
  }

  constructor(config: TigerConfig) {
    super({ ...config });
    checkHyper('tiger', 'lr', config.lr, 0, Infinity, { lo: true });
    checkHyper('tiger', 'beta', config.beta, 0, 1);
    checkHyper('tiger', 'weightDecay', config.weightDecay, 0, Infinity);
    checkHyper('tiger', 'shrink', config.shrink, 0, 1);
  }

  /** The clip factor s enters as g·b2·s: no kernel of its own. */
  protected prepare(options: StepOptions, gradScale: number): TigerShared {
    const { beta, weightDecay, shrink } = this.config;
    const k = options.accumulate ?? 1;
    const micro = options.micro ?? 0;
    const b1 = micro === 0 ? beta : 1;
    const lr = micro === k - 1 ? options.lr : 0;
    const b2 = ((1 - beta) / k) * gradScale;
    return {
      b1: b1 === 1 ? null : tf.scalar(b1),
      b2: tf.scalar(b2),
      lr: lr === 0 ? null : tf.scalar(lr),
      halfLr: lr === 0 ? null : tf.scalar(0.5 * lr),
      weightDecay: weightDecay === 0 ? null : tf.scalar(weightDecay),
      shrink: tf.scalar(shrink),
      one: tf.scalar(1),
      fused:
        fusedKernels() && lr !== 0
          ? { full: tf.tensor1d([b1, b2, lr, weightDecay]), half: tf.tensor1d([b1, b2, 0.5 * lr, 0]) }
          : null,
    };
  }

  protected update(u: SlotUpdate, s: TigerShared): Tensor | null {
    const theta = u.theta;
    const kind = u.param.kind;
    if (!u.finite) {
      // Momentum unchanged (b1 = 1, g = 0); shrink towards c.
      return kind === 'norm-gain' ? tf.add(tf.mul(tf.sub(theta, s.one), s.shrink), s.one) : tf.mul(theta, s.shrink);
    }
    const m = u.slot('m');
    const fused = s.fused ? fusedKernels() : null;
    if (fused && s.fused) {
      // One op for the lines below (RMS summed in another order than TensorFlow's Mean: float32 rounding).
      const half = HALF_STEP_KINDS.has(kind);
      const size = theta.size;
      const group = half ? 0 : kind === 'embedding' && theta.rank > 0 ? (theta.shape.at(-1) as number) : u.layout === 'stacked' ? size / (theta.shape[0] as number) : size;
      const [theta1, m1] = fused.tiger(theta, m, u.grad, half ? s.fused.half : s.fused.full, group);
      u.setSlot('m', m1);
      return theta1;
    }
    const gPart = tf.mul(u.grad, s.b2);
    const m1 = s.b1 === null ? tf.add(m, gPart) : tf.add(tf.mul(m, s.b1), gPart);
    u.setSlot('m', m1);
    if (s.lr === null || s.halfLr === null) return null;
    if (HALF_STEP_KINDS.has(kind)) {
      return tf.sub(theta, tf.mul(tf.sign(m1), s.halfLr));
    }
    // 'embedding': [rows, 1]-shaped RMS over the last axis; 'matrix': one scalar per tensor
    // (for a stacked group [k, …]: over every axis but the first, kept as [k, 1, …]).
    const meanSquare =
      kind === 'embedding' && theta.rank > 0
        ? tf.mean(tf.square(theta), -1, true)
        : u.layout === 'stacked'
          ? tf.mean(tf.square(theta), Array.from({ length: theta.rank - 1 }, (_, a) => a + 1), true)
          : tf.mean(tf.square(theta));
    const stepSize = tf.mul(tf.sqrt(meanSquare), s.lr);
    const direction = s.weightDecay === null ? tf.sign(m1) : tf.add(tf.sign(m1), tf.mul(theta, s.weightDecay));
    return tf.sub(theta, tf.mul(direction, stepSize));
  }
}
