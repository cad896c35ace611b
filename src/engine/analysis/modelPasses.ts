/**
 * The forward passes the analyses need, on any model + task + config (a finished run, or a
 * checkpoint loaded into a fresh model): teacher-forced probabilities of the right tokens,
 * attention probabilities, and the model's real answers (greedy decoding for causal models,
 * exactly as the trainer's evaluation reads them). Every tensor is disposed here.
 */
import type { RunConfig } from '../../protocol/config';
import { evaluationPositions, markEvaluationSet } from '../model/positionPlan';
import { narNodes } from '../nar/narInput';
import { randomSeedBits } from '../model/transformer';
import type { Model } from '../model/transformer';
import { Rng, hashSeed } from '../../core/random';
import { answerFromPredictions, layoutBatch, sequenceLength, usesGreedyDecoding } from '../../core/tasks/layout';
import { greedyDecode } from '../train/greedyDecode';
import type { LaidOutBatch } from '../../core/tasks/layout';
import type { Task, TaskExample } from '../../core/tasks/task';
import { tf } from '../tf';
import { rowLosses } from '../train/objective';
import { EVAL_SEED } from '../train/trainer';

/** What an analysis reads: the trained model, its task and the run config it came from. */
export interface AnalysisSubject {
  config: RunConfig;
  task: Task;
  model: Model;
}

/** Largest number of rows pushed through the model at once. */
export const PASS_CHUNK = 64;

/**
 * The first `count` examples of the run's fixed evaluation set of size n (the trainer's EVAL_SEED
 * stream), marked as such: a model with randomized positions reads example i at the same positions
 * as in the trainer's evaluation (positionPlan.ts).
 */
export function evaluationExamples(task: Task, n: number, count: number): TaskExample[] {
  const rng = new Rng(hashSeed(EVAL_SEED, n));
  return markEvaluationSet(Array.from({ length: count }, () => task.example(rng, n)), n);
}

/** RSE bits for `rows` rows from `rng` (undefined when the model has no RSE). */
export function seedBitsFor(subject: AnalysisSubject, rng: Rng, rows: number): Float32Array | undefined {
  const bits = subject.config.model.rseBits;
  return bits > 0 ? randomSeedBits(rng, rows, bits) : undefined;
}

/** The evaluation positions of `examples` laid out in T tokens, as in the trainer's evaluation. */
function positionsFor(subject: AnalysisSubject, examples: readonly TaskExample[], T: number): Int32Array | undefined {
  return evaluationPositions(subject.config.model, examples, T);
}

function inputs(subject: AnalysisSubject, layout: LaidOutBatch, bits: Float32Array | undefined): { tokens: tf.Tensor2D; seedBits: tf.Tensor2D | undefined } {
  const tokens = tf.tensor2d(layout.tokens, [layout.batch, layout.length], 'int32');
  const R = subject.config.model.rseBits;
  const seedBits = bits ? tf.tensor2d(bits, [layout.batch, R]) : undefined;
  return { tokens, seedBits };
}

export interface TeacherForced {
  layout: LaidOutBatch;
  /** Mean cross-entropy over each example's target positions, or the task's own objective (Task.objective). [B] */
  loss: Float32Array;
  /** p(target token) at every position, 0 where there is no target. [B*T] */
  pCorrect: Float32Array;
  /** Argmax token at every position. [B*T] */
  argmax: Int32Array;
  /** With `distributions`: the predicted distribution at every position, [B*T*V] (softmax of the logits). */
  probs: Float32Array | null;
}

/**
 * One teacher-forced pass over examples of size n (one row per example; `bits` [B*rseBits] when
 * RSE); `distributions` also returns the whole predicted distribution at every position.
 */
export function teacherForced(
  subject: AnalysisSubject,
  examples: readonly TaskExample[],
  n: number,
  bits: Float32Array | undefined,
  distributions = false,
): TeacherForced {
  const layout = layoutBatch(subject.task, examples, n, subject.config.model.causal);
  const V = subject.config.model.vocabSize;
  const positions = positionsFor(subject, examples, layout.length);
  const nodes = narNodes(subject.model, examples);
  const [lossT, pT, argT, probsT] = tf.tidy((): tf.Tensor[] => {
    const { tokens, seedBits } = inputs(subject, layout, bits);
    const { logits } = subject.model.forward({ tokens, seedBits, positions, mask: layout.mask, nodes });
    const { perExample, predictions } = rowLosses(subject.task, logits, layout, examples);
    const safe = Int32Array.from(layout.targets, (t) => (t >= 0 ? t : 0));
    const probs = tf.softmax(tf.reshape(logits, [layout.batch * layout.length, V]));
    const hot = tf.cast(tf.oneHot(tf.tensor1d(safe, 'int32'), V), 'float32'); // int32 one-hot then cast (wasm)
    const p = tf.mul(tf.sum(tf.mul(probs, hot), 1), tf.tensor1d(Float32Array.from(layout.targets, (t) => (t >= 0 ? 1 : 0))));
    const out = [perExample, p, tf.reshape(predictions, [-1])];
    if (distributions) out.push(probs);
    return out;
  });
  const out: TeacherForced = {
    layout,
    loss: (lossT as tf.Tensor).dataSync() as Float32Array,
    pCorrect: (pT as tf.Tensor).dataSync() as Float32Array,
    argmax: Int32Array.from((argT as tf.Tensor).dataSync()),
    probs: probsT ? (probsT.dataSync() as Float32Array) : null,
  };
  tf.dispose([lossT as tf.Tensor, pT as tf.Tensor, argT as tf.Tensor, ...(probsT ? [probsT] : []), ...(nodes ? [nodes] : [])]);
  return out;
}

/**
 * Attention probabilities of every layer, [B, H, T, T] each, as flat arrays; for a TransNAR model
 * also every cross-attention block's [B, H, T, N] over the NAR's N nodes (config.nar.layers in
 * ascending order), [] otherwise.
 */
export function attentionProbabilities(
  subject: AnalysisSubject,
  examples: readonly TaskExample[],
  n: number,
  bits: Float32Array | undefined,
): { layout: LaidOutBatch; layers: Float32Array[]; cross: Float32Array[]; nodes: number } {
  const layout = layoutBatch(subject.task, examples, n, subject.config.model.causal);
  const positions = positionsFor(subject, examples, layout.length);
  const nodes = narNodes(subject.model, examples);
  const out = tf.tidy(() => {
    const { tokens, seedBits } = inputs(subject, layout, bits);
    return subject.model.forward({ tokens, seedBits, positions, mask: layout.mask, returnAttention: true, nodes });
  });
  const layers = out.attention.map((a) => a.dataSync() as Float32Array);
  const cross = out.crossAttention.map((a) => a.dataSync() as Float32Array);
  const N = nodes ? (nodes.shape[1] as number) : 0;
  tf.dispose([out.logits, ...out.attention, ...out.crossAttention, ...(nodes ? [nodes] : [])]);
  return { layout, layers, cross, nodes: N };
}

/**
 * The answers the model really gives (token ids cut at EOS): greedy decoding for causal models
 * on non-aligned tasks, one pass otherwise — the same reading as the trainer's evaluation.
 */
export function modelAnswers(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, bits: Float32Array | undefined): number[][] {
  const { task, config } = subject;
  const causal = config.model.causal;
  if (!usesGreedyDecoding(task, causal)) {
    const tf1 = teacherForced(subject, examples, n, bits);
    const T = tf1.layout.length;
    return examples.map((_, b) => answerFromPredictions(task, n, causal, tf1.argmax.subarray(b * T, (b + 1) * T)));
  }
  // Positions of the laid-out sequence, as in the teacher-forced pass and the trainer's evaluation.
  const positions = positionsFor(subject, examples, sequenceLength(task, n, causal));
  const seedBits = bits ? tf.tensor2d(bits, [examples.length, config.model.rseBits]) : undefined;
  const nodes = narNodes(subject.model, examples);
  try {
    return greedyDecode(subject.model, task, examples, n, { seedBits, positions, nodes });
  } finally {
    seedBits?.dispose();
    nodes?.dispose();
  }
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

