/**
 * Optimizer diagnostics from parameter snapshots (docs/analysis.md, OptimRecord), measured by
 * runTraining on logged steps without touching the optimizers: the update of step s is
 * θ_{s+1} − θ_s, read from copies of the parameters taken before steps s − 1 and s.
 *
 * - update RMS over all parameters and per tensor;
 * - sign agreement: fraction of entries whose update has the same sign as at step s − 1 (a
 *   sign-based optimizer with slowly turning momentum keeps most signs);
 * - Tiger's effective step size per tensor (science.md §3): η_t·RMS(θ) for matrices, the mean
 *   over rows of η_t·RMS(row) for embeddings, 0.5·η_t for biases and LayerNorm (a training step
 *   moves θ once, on its last micro-batch, also under accumulation).
 */
import type { OptimizerConfig } from '../../protocol/config';
import type { OptimRecord } from '../../protocol/runFolder';
import type { ModelParam } from '../model/params';
import { tf } from '../tf';
import type { Tensor } from '../tf';

export class OptimizerProbe {
  /** Parameter copies taken before step `key`. */
  private snapshots = new Map<number, Tensor[]>();

  constructor(
    private readonly params: readonly ModelParam[],
    private readonly optimizer: OptimizerConfig,
    private readonly isLogged: (step: number) => boolean,
  ) {}

  /** Call before running step s. */
  beforeStep(s: number): void {
    for (const [k, snap] of this.snapshots) {
      if (k < s - 1) {
        tf.dispose(snap);
        this.snapshots.delete(k);
      }
    }
    if (this.isLogged(s) || this.isLogged(s + 1)) {
      this.snapshots.set(s, this.params.map((p) => tf.clone(p.variable)));
    }
  }

  /** Call after step s ran with learning rate `lr`; returns the record when s is a logged step. */
  afterStep(s: number, lr: number, nanEvents: number, stateBytes: number): OptimRecord | null {
    if (!this.isLogged(s)) return null;
    const before = this.snapshots.get(s);
    if (!before) return null;
    const previous = this.snapshots.get(s - 1) ?? null;
    const tiger = this.optimizer.name === 'tiger' ? this.optimizer : null;
    const perTensor = tf.tidy(() => {
      const rows = this.params.map((p, i) => {
        const b = before[i] as Tensor;
        const u = tf.sub(p.variable, b);
        const sumSq = tf.sum(tf.square(u));
        const agree = previous ? tf.sum(tf.cast(tf.equal(tf.sign(u), tf.sign(tf.sub(b, previous[i] as Tensor))), 'float32')) : tf.scalar(0);
        let eff: Tensor = tf.scalar(0);
        if (tiger) {
          if (p.kind === 'bias' || p.kind === 'norm-gain' || p.kind === 'norm-bias') eff = tf.scalar(0.5 * lr);
          else if (p.kind === 'embedding') eff = tf.mul(tf.mean(tf.sqrt(tf.mean(tf.square(b), -1))), lr);
          else eff = tf.mul(tf.sqrt(tf.mean(tf.square(b))), lr);
        }
        return tf.stack([sumSq, agree, eff]);
      });
      return tf.stack(rows); // [params, 3]
    });
    const data = perTensor.dataSync();
    perTensor.dispose();
    let total = 0;
    let sumSq = 0;
    let agree = 0;
    const tensors: OptimRecord['tensors'] = this.params.map((p, i) => {
      const size = p.variable.size;
      total += size;
      sumSq += data[3 * i] as number;
      agree += data[3 * i + 1] as number;
      return { name: p.name, updateRms: Math.sqrt((data[3 * i] as number) / size), effectiveStep: tiger ? (data[3 * i + 2] as number) : null };
    });
    return {
      kind: 'optim',
      step: s,
      lr,
      updateRms: Math.sqrt(sumSq / total),
      signAgreement: previous ? agree / total : null,
      nanEvents,
      stateBytes,
      tensors,
    };
  }

  dispose(): void {
    for (const snap of this.snapshots.values()) tf.dispose(snap);
    this.snapshots.clear();
  }
}
