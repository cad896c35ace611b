import type { AdamWConfig } from '../../protocol/config';
import { fastOps } from '../fastOps';
import { fusedKernels } from '../fusedKernels';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { checkHyper } from './checkHyper';
import type { StepOptions } from './optimizer';
import { SlotOptimizer } from './slotOptimizer';
import type { SlotUpdate } from './slotOptimizer';

interface AdamWShared {
  beta1: Tensor;
  /** (1 − β1)·s, s the step's gradient scale (clipping). */
  oneMinusBeta1: Tensor;
  beta2: Tensor;
  /** (1 − β2)·s². */
  oneMinusBeta2: Tensor;
  /** 1 − ηλ, or null when there is no decay this step. */
  decay: Tensor | null;
  /** ε·√(1 − β2ᵗ), see `update`. */
  epsHat: Tensor;
  /** η·√(1 − β2ᵗ) / (1 − β1ᵗ), or null when η = 0. */
  stepSize: Tensor | null;
  /** The same seven numbers in one tensor for the fused kernel (fusedKernels.ts), or null without it. */
  hyper: Tensor | null;
}

/**
 * AdamW with PyTorch's `torch.optim.AdamW` semantics (docs/science.md §3): decoupled decay first,
 * then bias-corrected moments, ε added after the bias-corrected square root:
 *   θ ← θ(1 − ηλ);  m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
 *   θ ← θ − η · (m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + ε)
 * The last line is computed as θ − [η √(1−β2ᵗ)/(1−β1ᵗ)] · m / (√v + ε √(1−β2ᵗ)), the same
 * value with one kernel fewer per tensor.
 *
 * The 1-based t is `options.step + 1`: the trainer passes the 0-based global step, also after
 * resuming from a checkpoint, so no step counter is kept in the state (state = `<param>/m`,
 * `<param>/v`). A tensor whose gradient holds NaN/Inf is skipped: parameter and moments unchanged.
 */
export class AdamW extends SlotOptimizer<AdamWConfig, AdamWShared> {
  readonly name = 'adamw' as const;
  protected readonly slotNames = ['m', 'v'] as const;

  /** Elementwise and the same for every kind: any parameters may be concatenated. */
  constructor(config: AdamWConfig) {
    super({ ...config });
    checkHyper('adamw', 'lr', config.lr, 0, Infinity, { lo: true });
    checkHyper('adamw', 'beta1', config.beta1, 0, 1, { hi: true });
    checkHyper('adamw', 'beta2', config.beta2, 0, 1, { hi: true });
    checkHyper('adamw', 'eps', config.eps, 0, Infinity, { lo: true });
    checkHyper('adamw', 'weightDecay', config.weightDecay, 0, Infinity);
  }

  /** The clip factor s enters as g·(1 − β1)s and g²·(1 − β2)s²: no kernel of its own. */
  protected prepare(options: StepOptions, gradScale: number): AdamWShared {
    const { beta1, beta2, eps, weightDecay } = this.config;
    const t = options.step + 1;
    const bc1 = 1 - beta1 ** t;
    const sqrtBc2 = Math.sqrt(1 - beta2 ** t);
    const decay = options.lr * weightDecay;
    // The fused kernel takes the same numbers in one tensor (its order: fusedKernels.ts).
    const c = { oneMinusBeta1: (1 - beta1) * gradScale, oneMinusBeta2: (1 - beta2) * gradScale * gradScale, epsHat: eps * sqrtBc2, stepSize: (options.lr * sqrtBc2) / bc1 };
    return {
      beta1: tf.scalar(beta1),
      oneMinusBeta1: tf.scalar(c.oneMinusBeta1),
      beta2: tf.scalar(beta2),
      oneMinusBeta2: tf.scalar(c.oneMinusBeta2),
      decay: decay === 0 ? null : tf.scalar(1 - decay),
      epsHat: tf.scalar(c.epsHat),
      stepSize: options.lr === 0 ? null : tf.scalar(c.stepSize),
      hyper: fusedKernels() ? tf.tensor1d([beta1, c.oneMinusBeta1, beta2, c.oneMinusBeta2, 1 - decay, c.epsHat, c.stepSize]) : null,
    };
  }

  protected update(u: SlotUpdate, s: AdamWShared): Tensor | null {
    if (!u.finite) return null;
    const m = u.slot('m');
    const v = u.slot('v');
    const grad = u.grad;
    const theta = u.theta;
    const fused = fusedKernels();
    if (fused && s.hyper && s.stepSize !== null) {
      // One op for the lines below, the same float32 operations in the same order (bit for bit).
      const [theta1, m1, v1] = fused.adamw(theta, m, v, grad, s.hyper);
      u.setSlot('m', m1);
      u.setSlot('v', v1);
      return theta1;
    }
    const o = fastOps(); // no tape here: the step runs in a plain tidy
    const m1 = o.add(o.mul(m, s.beta1), o.mul(grad, s.oneMinusBeta1));
    const v1 = o.add(o.mul(v, s.beta2), o.mul(o.square(grad), s.oneMinusBeta2));
    u.setSlot('m', m1);
    u.setSlot('v', v1);
    if (s.stepSize === null) return null;
    const decayed = s.decay === null ? theta : o.mul(theta, s.decay);
    return o.sub(decayed, o.mul(o.div(m1, o.add(o.sqrt(v1), s.epsHat)), s.stepSize));
  }
}
