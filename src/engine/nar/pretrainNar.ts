/**
 * Pretraining a NAR on the graph form of its algorithm (docs/science.md §5): random instances of
 * the training sizes, the output loss plus the hint losses of every processor step, AdamW with a
 * warm-up and cosine decay, then an evaluation at every evaluation size, and the checkpoint
 * written atomically. Deterministic: step s draws its batch from Rng(hash(seed, 7, s)), the
 * evaluation sets from Rng(hash(NAR_EVAL_SEED, n)).
 */
import type { NarAlgorithm, NarEvalResult, NarTrainConfig } from '../../protocol/nar';
import { createOptimizer } from '../optim';
import { scheduleFactor } from '../optim/schedule';
import { Rng, hashSeed } from '../../core/random';
import type { ClrsInstance } from '../../core/tasks/clrs/algorithms';
import { DEFAULT_EDGE_P, sampleInstance } from '../../core/tasks/clrs/sampler';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { graphBatch } from '../../core/nar/graphBatch';
import { saveNar } from './narCheckpoint';
import { narLoss, outputScores } from './narLoss';
import { createNar, type Nar } from './narModel';

export const NAR_EVAL_SEED = 0x6e617232;
const EVAL_INSTANCES = 128;

/** Random instances as the CLRS-Text task with these options draws them. */
export function narInstances(algorithm: NarAlgorithm, rng: Rng, n: number, count: number, taskOptions: Readonly<Record<string, number>>): ClrsInstance[] {
  const opts = { keyRange: taskOptions.values ?? 100, edgeP: taskOptions.edgePercent !== undefined ? taskOptions.edgePercent / 100 : DEFAULT_EDGE_P };
  return Array.from({ length: count }, () => sampleInstance(algorithm, rng, n, opts));
}

export interface PretrainProgress {
  step: number;
  steps: number;
  loss: number;
}

/** Output accuracy of `nar` on the fixed evaluation set of size n. */
export function evaluateNar(nar: Nar, n: number, taskOptions: Readonly<Record<string, number>>, count = EVAL_INSTANCES): NarEvalResult {
  const rng = new Rng(hashSeed(NAR_EVAL_SEED, n));
  const batch = graphBatch(narInstances(nar.config.algorithm, rng, n, count, taskOptions));
  const out = nar.forward(batch);
  try {
    const s = outputScores(out, batch);
    return { length: n, accuracy: s.accuracy, exact: s.exact };
  } finally {
    tf.dispose([out.nodes, ...out.outputs]);
  }
}

export interface PretrainOptions {
  onProgress?: (p: PretrainProgress) => void;
  /** Polled between steps: true stops the pretraining; nothing is written. */
  isCancelled?: () => boolean;
}

/**
 * Trains a NAR of `algorithm` and writes it to `file` (atomically). Returns its evaluation, or null
 * when cancelled (then nothing is written).
 */
export async function pretrainNar(algorithm: NarAlgorithm, config: NarTrainConfig, file: string, options: PretrainOptions = {}): Promise<NarEvalResult[] | null> {
  const { onProgress, isCancelled } = options;
  const nar = createNar({ algorithm, hidden: config.hidden }, config.seed);
  const optimizer = createOptimizer({ name: 'adamw', lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const schedule = { kind: 'warmup-cosine', warmupSteps: Math.min(100, Math.floor(config.steps / 10)), minFactor: 0.1 } as const;
  try {
    for (let step = 0; step < config.steps; step++) {
      if (isCancelled?.()) return null;
      const rng = new Rng(hashSeed(config.seed, 7, step));
      const n = config.trainLengths[rng.int(0, config.trainLengths.length)] as number;
      const batch = graphBatch(narInstances(algorithm, rng, n, config.batchSize, config.taskOptions));
      const { value, grads } = tf.variableGrads(() => {
        const out = nar.forward(batch, { hints: config.hintWeight > 0 });
        return narLoss(out, batch, config.hintWeight) as tf.Scalar;
      }, nar.params.map((p) => p.variable));
      const byName = new Map<string, Tensor>(nar.params.map((p) => [p.name, grads[p.variable.name] as Tensor]));
      optimizer.step(nar.params, byName, { step, lr: config.lr * scheduleFactor(schedule, step, config.steps), measure: false, gradClip: 1 });
      const loss = value.dataSync()[0] as number;
      tf.dispose([value, ...Object.values(grads)]);
      if (!Number.isFinite(loss)) throw new Error(`NAR pretraining (${algorithm}) diverged at step ${step}: loss ${loss}`);
      onProgress?.({ step: step + 1, steps: config.steps, loss });
      if (step % 5 === 0) await new Promise<void>((resolve) => setImmediate(resolve)); // a cancel can arrive
    }
    const evaluation = config.evalLengths.map((n) => evaluateNar(nar, n, config.taskOptions));
    await saveNar(file, nar, { train: config, eval: evaluation, createdAt: new Date().toISOString() });
    return evaluation;
  } finally {
    optimizer.dispose();
    nar.dispose();
  }
}
