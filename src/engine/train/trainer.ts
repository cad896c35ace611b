/**
 * One training run in memory: model, optimizer, data stream and evaluation. The run folder,
 * checkpoints and events are handled by `runTraining`; this class only computes.
 *
 * Determinism: micro-batch i of step t is drawn from Rng(hash(seed, 1, t)) for i = 0 (the batch
 * of a run without accumulation) and Rng(hash(seed, 1, t, i)) for i ≥ 1, and the evaluation set
 * of size n from Rng(hash(EVAL_SEED, n)), so a run resumed from a checkpoint (written between
 * steps, never between micro-batches) sees exactly the data it would have seen, and every run of
 * an experiment is evaluated on the same examples.
 */
import type { RunConfig } from '../../protocol/config';
import type { EvalResult, TrainRecord } from '../../protocol/runFolder';
import { evaluationPositions, markEvaluationSet, trainingPositions } from '../model/positionPlan';
import { createModel, randomSeedBits } from '../model/transformer';
import { buildNar, type NarWeights } from '../nar/narCheckpoint';
import { narNodes } from '../nar/narInput';
import type { Model } from '../model/transformer';
import { createOptimizer } from '../optim';
import type { Optimizer } from '../optim/optimizer';
import { scheduleFactor } from '../optim/schedule';
import { Rng, hashSeed } from '../../core/random';
import { createTask } from '../../core/tasks';
import { answerFromPredictions, layoutBatch, usesGreedyDecoding } from '../../core/tasks/layout';
import type { Task, TaskExample } from '../../core/tasks/task';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { greedyDecode } from './greedyDecode';
import { maskedCrossEntropy, qNormLoss } from './loss';
import { rowLosses } from './objective';

/** Seed of the evaluation sets: shared by all runs so that they are compared on the same inputs. */
export const EVAL_SEED = 20250221;
/** Largest batch pushed through the model at once during evaluation. */
const EVAL_CHUNK = 64;

/** What one training step reports: a metrics.jsonl train record without its kind and wall time. */
export type StepResult = Omit<TrainRecord, 'kind' | 'wallTime'>;

/** One training batch, laid out for the model. `inputs × seeds` rows, input-major. */
export interface Batch {
  tokens: Tensor;
  targets: Int32Array;
  seedBits: Tensor | undefined;
  positions: Int32Array | undefined;
  mask: Uint8Array | null;
  /** TransNAR: the frozen NAR's node embeddings of the rows' graphs [rows, N, H_nar]. */
  nodes: tf.Tensor3D | undefined;
  inputs: number;
  seeds: number;
  n: number;
  /**
   * A task with its own objective (graph colouring): the objective and the laid-out rows'
   * examples it reads (each input m times); absent for the cross-entropy on `targets`.
   */
  objective?: { task: Task; examples: readonly TaskExample[]; answerStart: number };
}

export class Trainer {
  readonly task: Task;
  readonly model: Model;
  readonly optimizer: Optimizer;
  /** Number of steps completed; the next step to run has this 0-based index. */
  step = 0;

  /** `nar`: the checkpoint of a TransNAR model's frozen NAR (readLinkedNar); required iff config.model.nar is set. */
  constructor(
    readonly config: RunConfig,
    nar: NarWeights | null = null,
  ) {
    this.task = createTask(config.task);
    if (this.task.vocab.length !== config.model.vocabSize) {
      throw new Error(`model vocabSize ${config.model.vocabSize} does not match the task's vocabulary (${this.task.vocab.length} tokens)`);
    }
    if ((config.model.nar ?? null) !== null && !nar) throw new Error('Trainer: a TransNAR model needs its NAR checkpoint');
    const frozen = config.model.nar && nar ? buildNar(nar) : null;
    try {
      this.model = createModel(config.model, config.seed, { inputFeatures: this.task.inputFeatures?.() ?? null, nar: frozen });
    } catch (err) {
      frozen?.dispose();
      throw err;
    }
    this.optimizer = createOptimizer(config.optimizer);
  }

  get totalSteps(): number {
    return this.config.train.steps;
  }

  /**
   * m, rows per input: the seeds per input of the q-norm objective. A model without RSE gets the
   * same m rows per input (identical copies: the same gradient as one row each, and the same rows
   * per step as the RSE runs it is compared with; docs/science.md §4).
   */
  private get seedsPerInput(): number {
    return Math.max(1, this.config.train.seedsPerInput);
  }

  /** Independent seed bits per row (evaluation: each example under its own fresh seed). */
  private seedBits(rng: Rng, rows: number): Tensor | undefined {
    const bits = this.config.model.rseBits;
    if (bits === 0) return undefined;
    return tf.tensor2d(randomSeedBits(rng, rows, bits), [rows, bits]);
  }

  /**
   * Training seed bits [inputs·m, R]: m seeds drawn once per step and shared by every input, row
   * i·m + j under seed j (the r_j of the q-norm objective, as the paper does it).
   */
  private sharedSeedBits(rng: Rng, inputs: number, seeds: number): Tensor | undefined {
    const R = this.config.model.rseBits;
    if (R === 0) return undefined;
    const drawn = randomSeedBits(rng, seeds, R); // [m, R]
    const out = new Float32Array(inputs * seeds * R);
    for (let i = 0; i < inputs; i++) out.set(drawn, i * seeds * R);
    return tf.tensor2d(out, [inputs * seeds, R]);
  }

  /** Gradient accumulation k (runs written before it existed have no field: 1). */
  get accumulate(): number {
    return this.config.train.accumulate ?? 1;
  }

  /**
   * Micro-batch `micro` of step `step` (the whole batch when accumulate = 1); deterministic, the
   * caller disposes its tensors. Every micro-batch of a step has the step's task size n, so k
   * micro-batches of B/k inputs see the same mixture of sizes as one batch of B (otherwise
   * accumulation would also average over k sizes per step, and a comparison with the large batch
   * would measure that instead).
   */
  trainBatch(step: number, micro = 0): Batch {
    const stepRng = new Rng(hashSeed(this.config.seed, 1, step));
    const lengths = this.config.task.trainLengths;
    const n = lengths[stepRng.int(0, lengths.length)] as number;
    const rng = micro === 0 ? stepRng : new Rng(hashSeed(this.config.seed, 1, step, micro));
    const inputs = this.config.train.batchSize;
    const seeds = this.seedsPerInput;
    const examples: TaskExample[] = [];
    for (let i = 0; i < inputs; i++) {
      const ex = this.task.example(rng, n);
      for (let j = 0; j < seeds; j++) examples.push(ex);
    }
    const layout = layoutBatch(this.task, examples, n, this.config.model.causal);
    const positions = trainingPositions(this.config.model, rng, layout.length); // one draw shared by the batch
    return {
      tokens: tf.tensor2d(layout.tokens, [layout.batch, layout.length], 'int32'),
      targets: layout.targets,
      seedBits: this.sharedSeedBits(rng, inputs, seeds),
      positions,
      mask: layout.mask,
      nodes: narNodes(this.model, examples),
      inputs,
      seeds,
      n,
      ...(this.task.objective ? { objective: { task: this.task, examples, answerStart: layout.answerStart } } : {}),
    };
  }

  /**
   * Runs one optimisation step: `accumulate` micro-batches, then the update. `measure` adds
   * accuracy, gradient and update norms (extra syncs). Under accumulation the loss and accuracy
   * are means over the micro-batches, `length` is the first micro-batch's task size, gradNorm the
   * mean over the optimizer calls that clipped (the mean gradient's norm for AdamW, Lion and SGD;
   * the mean of the micro-gradients' norms for Tiger) and updateNorm the root of the summed
   * squared changes of all calls (only the last moves θ unless a NaN guard shrinks one).
   */
  trainStep(measure: boolean): StepResult {
    const step = this.step;
    const k = this.accumulate;
    const lr = this.config.optimizer.lr * scheduleFactor(this.config.train.schedule, step, this.totalSteps);
    let loss = 0;
    let accuracy = 0;
    let nanEvents = 0;
    let updateSquares = 0;
    let updateMeasured = false;
    const gradNorms: number[] = [];
    let length = 0;
    for (let micro = 0; micro < k; micro++) {
      const batch = this.trainBatch(step, micro);
      if (micro === 0) length = batch.n;
      try {
        const r = optimizationStep(this.model, this.optimizer, batch, {
          step,
          lr,
          gradClip: this.config.train.gradClip,
          q: qAtStep(this.config.train.q, this.config.train.qWarmup ?? 0, step),
          measure,
          accumulate: k,
          micro,
        });
        loss += r.loss / k;
        accuracy += r.accuracy / k;
        nanEvents += r.nanEvents;
        if (!Number.isNaN(r.gradNorm)) gradNorms.push(r.gradNorm);
        if (!Number.isNaN(r.updateNorm)) {
          updateSquares += r.updateNorm ** 2;
          updateMeasured = true;
        }
      } finally {
        batch.tokens.dispose();
        batch.seedBits?.dispose();
      }
    }
    this.step = step + 1;
    const gradNorm = gradNorms.length === 0 ? Number.NaN : gradNorms.reduce((a, b) => a + b, 0) / gradNorms.length;
    return { step, lr, length, loss, accuracy, gradNorm, updateNorm: updateMeasured ? Math.sqrt(updateSquares) : Number.NaN, nanEvents };
  }

  /** The fixed evaluation set for size n (the same for every run and every call). */
  evalSet(n: number): { examples: TaskExample[]; rng: Rng } {
    const rng = new Rng(hashSeed(EVAL_SEED, n));
    const examples: TaskExample[] = [];
    for (let i = 0; i < this.config.train.evalExamples; i++) examples.push(this.task.example(rng, n));
    return { examples: markEvaluationSet(examples, n), rng };
  }

  /** Loss, accuracy and CLRS-style scores at every evaluation length. */
  evaluate(): EvalResult[] {
    return this.config.task.evalLengths.map((n) => this.evaluateLength(n));
  }

  evaluateLength(n: number): EvalResult {
    const causal = this.config.model.causal;
    const { examples, rng } = this.evalSet(n);
    let lossSum = 0;
    let tokRight = 0;
    let tokTotal = 0;
    let exact = 0;
    let shape = 0;
    let parse = 0;
    let clrs = 0;
    let tokens = 0;
    for (let start = 0; start < examples.length; start += EVAL_CHUNK) {
      const chunk = examples.slice(start, start + EVAL_CHUNK);
      const layout = layoutBatch(this.task, chunk, n, causal);
      tokens = layout.length;
      const positions = evaluationPositions(this.config.model, chunk, layout.length); // per example when randomized
      const seedBits = this.seedBits(rng, chunk.length);
      const nodes = narNodes(this.model, chunk);
      const { perExample, predictions } = tf.tidy(() => {
        const tokensT = tf.tensor2d(layout.tokens, [layout.batch, layout.length], 'int32');
        const { logits } = this.model.forward({ tokens: tokensT as tf.Tensor2D, seedBits: seedBits as tf.Tensor2D | undefined, positions, mask: layout.mask, nodes });
        return rowLosses(this.task, logits, layout, chunk);
      });
      const lossData = perExample.dataSync();
      const predData = predictions.dataSync() as Int32Array;
      perExample.dispose();
      predictions.dispose();
      for (const l of lossData) lossSum += l;
      for (let i = 0; i < layout.targets.length; i++) {
        const t = layout.targets[i] as number;
        if (t >= 0) {
          tokTotal++;
          if (predData[i] === t) tokRight++;
        }
      }
      const answers =
        usesGreedyDecoding(this.task, causal)
          ? greedyDecode(this.model, this.task, chunk, n, { seedBits, positions, nodes })
          : chunk.map((_, b) => answerFromPredictions(this.task, n, causal, predData.subarray(b * layout.length, (b + 1) * layout.length)));
      seedBits?.dispose();
      nodes?.dispose();
      chunk.forEach((ex, b) => {
        const s = this.task.score(ex, answers[b] as number[]);
        exact += s.exact;
        shape += s.shape;
        parse += s.parse;
        clrs += s.clrs;
      });
    }
    const count = examples.length;
    return {
      length: n,
      tokens,
      loss: lossSum / count,
      exact: exact / count,
      // A task with its own objective has no token targets: its per-element score (colouring: edges properly coloured).
      tokenAccuracy: this.task.objective ? clrs / count : tokTotal ? tokRight / tokTotal : 0,
      shape: shape / count,
      parse: parse / count,
      clrs: clrs / count,
    };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

/** q of the q-norm objective at a step: rising linearly from 1 to q over `warmup` steps (docs/science.md §4). */
export function qAtStep(q: number, warmup: number, step: number): number {
  if (!(warmup > 0) || step >= warmup) return q;
  return 1 + (q - 1) * (step / warmup);
}

/** A task with its own objective: the fraction of rows whose answer scores exact (e.g. a proper colouring). */
function objectiveAccuracy(task: Task, examples: readonly TaskExample[], predictions: Int32Array, answerStart: number): number {
  const T = predictions.length / Math.max(1, examples.length);
  let right = 0;
  examples.forEach((ex, b) => {
    right += task.score(ex, Array.from(predictions.subarray(b * T + answerStart, b * T + answerStart + ex.answer.length))).exact;
  });
  return examples.length ? right / examples.length : 0;
}

function tokenAccuracy(predictions: ArrayLike<number>, targets: Int32Array): number {
  let right = 0;
  let total = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    if (t < 0) continue;
    total++;
    if (predictions[i] === t) right++;
  }
  return total ? right / total : 0;
}


export interface OptimizationStepOptions {
  /** 0-based step index. */
  step: number;
  /** Learning rate for this step (schedule applied). */
  lr: number;
  /** Global gradient-norm clip; 0 = off. */
  gradClip: number;
  /** q of the q-norm objective; 1 = mean loss. */
  q: number;
  measure: boolean;
  /** Gradient accumulation: micro-batches per update (default 1) and this batch's index among them (default 0). */
  accumulate?: number;
  micro?: number;
}

/**
 * Forward, loss, gradients and the optimizer update (with its gradient clipping) for one batch: the training step
 * shared by the trainer and the benchmark. Disposes everything it creates (not the batch).
 */
export function optimizationStep(
  model: Model,
  optimizer: Optimizer,
  batch: Batch,
  opts: OptimizationStepOptions,
): { loss: number; accuracy: number; gradNorm: number; updateNorm: number; nanEvents: number } {
  const params = model.params;
  let predictions: Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = model.forward({
      tokens: batch.tokens as tf.Tensor2D,
      seedBits: batch.seedBits as tf.Tensor2D | undefined,
      positions: batch.positions,
      mask: batch.mask,
      nodes: batch.nodes,
    });
    const ce = batch.objective
      ? rowLosses(batch.objective.task, logits, { targets: batch.targets, answerStart: batch.objective.answerStart }, batch.objective.examples)
      : maskedCrossEntropy(logits, batch.targets);
    predictions = tf.keep(ce.predictions);
    return qNormLoss(ce.perExample, batch.inputs, batch.seeds, opts.q) as tf.Scalar;
  }, params.map((p) => p.variable));

  const byParam = new Map<string, Tensor>();
  for (const p of params) {
    const g = grads[p.variable.name];
    if (!g) throw new Error(`no gradient for parameter ${p.name}`);
    byParam.set(p.name, g);
  }
  // Clipping and the NaN/Inf check run inside the optimizer, on its per-group kernels.
  const report = optimizer.step(params, byParam, {
    step: opts.step,
    lr: opts.lr,
    measure: opts.measure,
    gradClip: opts.gradClip,
    accumulate: opts.accumulate ?? 1,
    micro: opts.micro ?? 0,
  });
  for (const g of byParam.values()) g.dispose();

  const loss = value.dataSync()[0] as number;
  value.dispose();
  let accuracy = NaN;
  const preds = predictions as Tensor | null;
  if (preds) {
    if (opts.measure) {
      const data = preds.dataSync() as Int32Array;
      accuracy = batch.objective ? objectiveAccuracy(batch.objective.task, batch.objective.examples, data, batch.objective.answerStart) : tokenAccuracy(data, batch.targets);
    }
    preds.dispose();
  }
  return { loss, accuracy, gradNorm: report.gradNorm, updateNorm: report.updateNorm, nanEvents: report.nanEvents };
}
