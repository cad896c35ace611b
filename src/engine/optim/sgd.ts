import type { SgdConfig } from '../../protocol/config';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { checkHyper } from './checkHyper';
import type { StepOptions } from './optimizer';
import { SlotOptimizer } from './slotOptimizer';
import type { SlotUpdate } from './slotOptimizer';

interface SgdShared {
  /** The step's gradient scale (clipping), or null when 1. */
  gradScale: Tensor | null;
  momentum: Tensor | null;
  weightDecay: Tensor | null;
  lr: Tensor | null;
}

/**
 * SGD with momentum as PyTorch's `torch.optim.SGD` (dampening 0, nesterov off), weight decay
 * as L2 added to the gradient:
 *   g ← g + λθ;  b ← μ b + g;  θ ← θ − η b
 * PyTorch starts the buffer as a copy of the first gradient; with dampening 0 that equals
 * μ·0 + g, so the lazily created zero buffer gives the same numbers. The buffer is kept even
 * when μ = 0 (then it just holds the last gradient). State: `<param>/momentum`.
 * A tensor whose gradient holds NaN/Inf is skipped: parameter and buffer unchanged.
 */
export class Sgd extends SlotOptimizer<SgdConfig, SgdShared> {
  readonly name = 'sgd' as const;
  protected readonly slotNames = ['momentum'] as const;

  /** Elementwise and the same for every kind: any parameters may be concatenated. */
  constructor(config: SgdConfig) {
    super({ ...config });
    checkHyper('sgd', 'lr', config.lr, 0, Infinity, { lo: true });
    checkHyper('sgd', 'momentum', config.momentum, 0, 1);
    checkHyper('sgd', 'weightDecay', config.weightDecay, 0, Infinity);
  }

  protected prepare(options: StepOptions, gradScale: number): SgdShared {
    const { momentum, weightDecay } = this.config;
    return {
      gradScale: gradScale === 1 ? null : tf.scalar(gradScale),
      momentum: momentum === 0 ? null : tf.scalar(momentum),
      weightDecay: weightDecay === 0 ? null : tf.scalar(weightDecay),
      lr: options.lr === 0 ? null : tf.scalar(options.lr),
    };
  }

  protected update(u: SlotUpdate, s: SgdShared): Tensor | null {
    if (!u.finite) return null;
    const buf = u.slot('momentum');
    const theta = u.theta;
    const grad = s.gradScale === null ? u.grad : tf.mul(u.grad, s.gradScale);
    const g = s.weightDecay === null ? grad : tf.add(grad, tf.mul(theta, s.weightDecay));
    const b1 = s.momentum === null ? g : tf.add(tf.mul(buf, s.momentum), g);
    // With μ = 0 and λ = 0 this assigns the caller's gradient itself: safe, since tensor data
    // is reference-counted and the caller disposing its gradient leaves the buffer's data alive.
    u.setSlot('momentum', b1);
    if (s.lr === null) return null;
    return tf.sub(theta, tf.mul(b1, s.lr));
  }
}
