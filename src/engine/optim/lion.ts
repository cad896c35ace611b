import type { LionConfig } from '../../protocol/config';
import { fusedKernels } from '../fusedKernels';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { checkHyper } from './checkHyper';
import type { StepOptions } from './optimizer';
import { SlotOptimizer } from './slotOptimizer';
import type { SlotUpdate } from './slotOptimizer';

interface LionShared {
  beta1: Tensor;
  /** (1 − β1)·s, s the step's gradient scale (clipping); likewise (1 − β2)·s. */
  oneMinusBeta1: Tensor;
  beta2: Tensor;
  oneMinusBeta2: Tensor;
  lr: Tensor | null;
  /** 1 − ηλ, or null when there is no decay this step. */
  decay: Tensor | null;
  /** [β1, (1 − β1)s, β2, (1 − β2)s, η, 1 − ηλ] for the fused kernel (fusedKernels.ts), or null without it. */
  hyper: Tensor | null;
}

/**
 * Lion (Chen et al. 2023; docs/science.md §3):
 *   u ← sign(β1 m + (1 − β1) g);  θ ← θ − η (u + λθ);  m ← β2 m + (1 − β2) g
 * with sign(0) = 0. The parameter line is computed as θ(1 − ηλ) − η u (same value, one kernel
 * fewer). State: `<param>/m`. A tensor whose gradient holds NaN/Inf is skipped entirely.
 */
export class Lion extends SlotOptimizer<LionConfig, LionShared> {
  readonly name = 'lion' as const;
  protected readonly slotNames = ['m'] as const;

  /** Elementwise and the same for every kind: any parameters may be concatenated. */
  constructor(config: LionConfig) {
    super({ ...config });
    checkHyper('lion', 'lr', config.lr, 0, Infinity, { lo: true });
    checkHyper('lion', 'beta1', config.beta1, 0, 1);
    checkHyper('lion', 'beta2', config.beta2, 0, 1);
    checkHyper('lion', 'weightDecay', config.weightDecay, 0, Infinity);
  }

  /** The clip factor s enters as g·(1 − β1)s and g·(1 − β2)s: no kernel of its own. */
  protected prepare(options: StepOptions, gradScale: number): LionShared {
    const { beta1, beta2, weightDecay } = this.config;
    const decay = options.lr * weightDecay;
    const oneMinusBeta1 = (1 - beta1) * gradScale;
    const oneMinusBeta2 = (1 - beta2) * gradScale;
    return {
      beta1: tf.scalar(beta1),
      oneMinusBeta1: tf.scalar(oneMinusBeta1),
      beta2: tf.scalar(beta2),
      oneMinusBeta2: tf.scalar(oneMinusBeta2),
      lr: options.lr === 0 ? null : tf.scalar(options.lr),
      decay: decay === 0 ? null : tf.scalar(1 - decay),
      hyper: fusedKernels() ? tf.tensor1d([beta1, oneMinusBeta1, beta2, oneMinusBeta2, options.lr, 1 - decay]) : null,
    };
  }

  protected update(u: SlotUpdate, s: LionShared): Tensor | null {
    if (!u.finite) return null;
    const m = u.slot('m');
    const grad = u.grad;
    const theta = u.theta;
    const fused = fusedKernels();
    if (fused && s.hyper && s.lr !== null) {
      // One op for the lines below, the same float32 operations in the same order (bit for bit).
      const [theta1, m1] = fused.lion(theta, m, grad, s.hyper);
      u.setSlot('m', m1);
      return theta1;
    }
    let next: Tensor | null = null;
    if (s.lr !== null) {
      const direction = tf.sign(tf.add(tf.mul(m, s.beta1), tf.mul(grad, s.oneMinusBeta1)));
      const decayed = s.decay === null ? theta : tf.mul(theta, s.decay);
      next = tf.sub(decayed, tf.mul(direction, s.lr));
    }
    u.setSlot('m', tf.add(tf.mul(m, s.beta2), tf.mul(grad, s.oneMinusBeta2)));
    return next;
  }
}
