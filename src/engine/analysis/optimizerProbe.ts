/**
 * Optimizer diagnostics from parameter snapshots (docs/analysis.md, OptimRecord), measured by
 * runTraining on logged steps without touching the optimizers: the update of step s is
 * θ_{s+1} − θ_s, read from copies of the parameters taken before steps s − 1 and s.
 *
 * - update RMS over all parameters and per tensor;
 * - sign agreement: fraction of entries whose update has the same sign as at step s − 1 (a
 *   sign-based optimizer with slowly turning momentum keeps most signs);
 * - weight RMS after the step, over all parameters, per tensor, and per parameter kind (Tiger's
 *   tensor groups) with the largest |θ| of each kind: Tiger's relative step η·RMS(θ) compounds,
 *   and only its weight decay bounds it (docs/science.md §3);
 * - Tiger's effective step size per tensor (docs/science.md §3): η_t·RMS(θ) for matrices, the mean
 *   over rows of η_t·RMS(row) for embeddings, 0.5·η_t for biases and LayerNorm (a training step
 *   moves θ once, on its last micro-batch, also under accumulation).
 */
import type { OptimizerConfig } from '../../protocol/config';
import { PARAM_KINDS } from '../../protocol/config';
import type { OptimRecord } from '../../protocol/runFolder';
import type { ModelParam } from '../model/params';
import { tf } from '../tf';
import type { Tensor } from '../tf';

export class OptimizerProbe {
  /** Parameter copies taken before step `key`. */
  private snapshots = new Map<number, Tensor[]>();
  /** sign(θ_s − θ_{s−1}) per parameter, restored from a checkpoint at step s (stands in for the snapshot before s − 1). */
  private restoredSign: { step: number; signs: Tensor[] } | null = null;

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
    const restored = previous === null && this.restoredSign?.step === s ? this.restoredSign.signs : null;
    const tiger = this.optimizer.name === 'tiger' ? this.optimizer : null;
    const perTensor = tf.tidy(() => {
      const rows = this.params.map((p, i) => {
        const b = before[i] as Tensor;
        const u = tf.sub(p.variable, b);
        const sumSq = tf.sum(tf.square(u));
        const previousSign = previous ? tf.sign(tf.sub(b, previous[i] as Tensor)) : restored ? (restored[i] as Tensor) : null;
        const agree = previousSign ? tf.sum(tf.cast(tf.equal(tf.sign(u), previousSign), 'float32')) : tf.scalar(0);
        let eff: Tensor = tf.scalar(0);
        if (tiger) {
          if (p.kind === 'bias' || p.kind === 'norm-gain' || p.kind === 'norm-bias') eff = tf.scalar(0.5 * lr);
          else if (p.kind === 'embedding') eff = tf.mul(tf.mean(tf.sqrt(tf.mean(tf.square(b), -1))), lr);
          else eff = tf.mul(tf.sqrt(tf.mean(tf.square(b))), lr);
        }
        return tf.stack([sumSq, agree, eff, tf.sum(tf.square(p.variable)), tf.max(tf.abs(p.variable))]);
      });
      return tf.stack(rows); // [params, 5]
    });
    const data = perTensor.dataSync();
    perTensor.dispose();
    const W = 5;
    let total = 0;
    let sumSq = 0;
    let agree = 0;
    let weightSq = 0;
    const byKind = new Map<string, { size: number; sumSq: number; maxAbs: number }>();
    const tensors: OptimRecord['tensors'] = this.params.map((p, i) => {
      const size = p.variable.size;
      const [uSq, same, eff, wSq, wMax] = [0, 1, 2, 3, 4].map((j) => data[W * i + j] as number) as [number, number, number, number, number];
      total += size;
      sumSq += uSq;
      agree += same;
      weightSq += wSq;
      const k = byKind.get(p.kind) ?? { size: 0, sumSq: 0, maxAbs: 0 };
      byKind.set(p.kind, { size: k.size + size, sumSq: k.sumSq + wSq, maxAbs: Math.max(k.maxAbs, wMax) });
      return { name: p.name, updateRms: Math.sqrt(uSq / size), weightRms: Math.sqrt(wSq / size), effectiveStep: tiger ? eff : null };
    });
    return {
      kind: 'optim',
      step: s,
      lr,
      updateRms: Math.sqrt(sumSq / total),
      signAgreement: previous || restored ? agree / total : null,
      nanEvents,
      stateBytes,
      weightRms: Math.sqrt(weightSq / total),
      groups: PARAM_KINDS.flatMap((kind) => {
        const k = byKind.get(kind);
        return k ? [{ kind, weightRms: Math.sqrt(k.sumSq / k.size), maxAbs: k.maxAbs }] : [];
      }),
      tensors,
    };
  }

  /**
   * What a checkpoint after `step` completed steps must keep so that a resumed run measures step
   * `step` as an uninterrupted one would: sign(θ_step − θ_{step−1}) per parameter (−1, 0 or 1),
   * when step `step` is logged and the snapshot before step − 1 exists; else null.
   */
  async exportState(step: number): Promise<Int8Array[] | null> {
    const previous = this.snapshots.get(step - 1);
    if (!this.isLogged(step) || previous === undefined) return null;
    const out: Int8Array[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const sign = tf.tidy(() => tf.sign(tf.sub((this.params[i] as ModelParam).variable, previous[i] as Tensor)));
      const data = (await sign.data()) as Float32Array;
      sign.dispose();
      out.push(Int8Array.from(data));
    }
    return out;
  }

  /** Restores what exportState(step) returned, for a run resumed at `step` (one array per parameter, in order). */
  importState(step: number, signs: readonly Float32Array[]): void {
    if (signs.length !== this.params.length) throw new Error(`optimizer probe state has ${signs.length} tensors, the model ${this.params.length} parameters`);
    this.clearRestored();
    this.restoredSign = { step, signs: this.params.map((p, i) => tf.tensor(signs[i] as Float32Array, p.variable.shape, 'float32')) };
  }

  private clearRestored(): void {
    if (this.restoredSign) tf.dispose(this.restoredSign.signs);
    this.restoredSign = null;
  }

  dispose(): void {
    for (const snap of this.snapshots.values()) tf.dispose(snap);
    this.snapshots.clear();
    this.clearRestored();
  }
}
