/**
 * What runTraining logs for the analyses while it trains (docs/analysis.md): an OptimRecord on
 * every logged step and an EntropyRecord every `entropyEvery` steps and at the end. Kept apart
 * from the trainer so the training step itself is untouched.
 */
import type { EntropyRecord, OptimRecord } from '../../protocol/runFolder';
import { Rng, hashSeed } from '../../core/random';
import type { Trainer } from '../train/trainer';
import { entropyEvery, entropyRecord } from './attentionEntropy';
import { DEFAULT_ANALYSIS_SEED } from './analyzeModel';
import { OptimizerProbe } from './optimizerProbe';

export class TrainingProbes {
  private readonly optim: OptimizerProbe;
  private readonly every: number;

  constructor(private readonly trainer: Trainer) {
    const train = trainer.config.train;
    const logged = (s: number): boolean => s >= 0 && s < train.steps && (s % train.logEvery === 0 || s === train.steps - 1);
    this.optim = new OptimizerProbe(trainer.model.params, trainer.config.optimizer, logged);
    this.every = entropyEvery(train.steps, train.logEvery);
  }

  /** Before step s runs. */
  beforeStep(s: number): void {
    this.optim.beforeStep(s);
  }

  /** After step s ran (trainer.step is now s + 1): the records to append, in order. */
  afterStep(s: number, lr: number, nanEvents: number): (OptimRecord | EntropyRecord)[] {
    const out: (OptimRecord | EntropyRecord)[] = [];
    const optim = this.optim.afterStep(s, lr, nanEvents, this.trainer.optimizer.stateBytes());
    if (optim) out.push(optim);
    const done = this.trainer.step;
    if (done % this.every === 0 || done === this.trainer.config.train.steps) {
      const { config, task, model } = this.trainer;
      out.push(entropyRecord({ config, task, model }, done, new Rng(hashSeed(DEFAULT_ANALYSIS_SEED, 7, done))));
    }
    return out;
  }

  /** State a checkpoint after `step` steps keeps for a bit-identical resume (OptimizerProbe.exportState). */
  exportState(step: number): Promise<Int8Array[] | null> {
    return this.optim.exportState(step);
  }

  importState(step: number, signs: readonly Float32Array[]): void {
    this.optim.importState(step, signs);
  }

  dispose(): void {
    this.optim.dispose();
  }
}
