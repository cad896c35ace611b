/**
 * The per-example loss of a batch: the cross-entropy on the task's targets (loss.ts), or the
 * task's own objective (Task.objective) — an expected cost instead of a token likelihood. Either
 * way the result is a loss per laid-out row [B] that the trainer puts inside the q-norm objective
 * over m seeds per input (science.md §4), and the model's answer tokens [B, T].
 */
import type { Task, TaskExample, TaskObjective } from '../../core/tasks/task';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { maskedCrossEntropy } from './loss';

/** Loss per row [B] and answer tokens [B, T] (int32). A type alias, so it is a tf.TensorContainer. */
export type RowLosses = {
  perExample: Tensor;
  predictions: Tensor;
};

/** What the objective reads of a laid-out batch: the targets and where the answer starts. */
export interface LaidOutTargets {
  /** [B*T], −1 where there is no target. */
  targets: Int32Array;
  /** First position of the answer: answer element u of a row is at answerStart + u. */
  answerStart: number;
}

/**
 * The rows' losses: the task's objective when it has one (the examples give its structure, e.g.
 * the graphs), else the cross-entropy on the targets.
 */
export function rowLosses(task: Task, logits: Tensor, layout: LaidOutTargets, examples: readonly TaskExample[]): RowLosses {
  if (!task.objective) return maskedCrossEntropy(logits, layout.targets);
  return objectiveLosses(task.objective, logits, examples, layout.answerStart);
}

/** A task objective's losses and answers (see TaskObjective); answer element u of a row is at position answerStart + u. */
export function objectiveLosses(objective: TaskObjective, logits: Tensor, examples: readonly TaskExample[], answerStart = 0): RowLosses {
  switch (objective.kind) {
    case 'monochromatic-edges':
      return monochromaticEdges(objective, logits, examples, answerStart);
    default: {
      const unknown: never = objective.kind;
      throw new Error(`unknown task objective '${String(unknown)}'`);
    }
  }
}

/**
 * Expected monochromatic edges: P = softmax over the colour logits [B, T, C];
 * G = P·Pᵀ [B, T, T] holds Σ_c p_u(c)·p_v(c); L_b = ½ Σ_{u,v} A_b[u, v]·G_b[u, v] with A_b the
 * symmetric 0/1 adjacency of example b's graph over the positions (vertex u at answerStart + u;
 * each edge counted once). Gradient, by hand: ∂L_b/∂p_u = Σ_{v ~ u} p_v, through the softmax of
 * the colour logits. Answers: argmax over the colour tokens only, as token ids.
 */
function monochromaticEdges(objective: TaskObjective, logits: Tensor, examples: readonly TaskExample[], answerStart: number): RowLosses {
  if (logits.rank !== 3) throw new Error(`monochromatic edges: logits must be [B, T, V], got [${logits.shape.join(', ')}]`);
  const [B, T, V] = logits.shape as [number, number, number];
  const { firstColor, colors: C } = objective;
  if (firstColor < 0 || firstColor + C > V) throw new Error(`monochromatic edges: colour tokens ${firstColor}…${firstColor + C - 1} outside the vocabulary [0, ${V})`);
  if (examples.length !== B) throw new Error(`monochromatic edges: ${examples.length} examples for ${B} rows`);
  const adjacency = new Float32Array(B * T * T); // [B, T, T], symmetric, ½ per direction
  examples.forEach((ex, b) => {
    if (!ex.edges) throw new Error(`monochromatic edges: example ${b} has no edges`);
    const vertices = T - answerStart;
    for (const [u, v] of ex.edges) {
      if (!(u >= 0 && v >= 0 && u < vertices && v < vertices && u !== v)) throw new Error(`monochromatic edges: example ${b} has an edge [${u}, ${v}] outside its ${vertices} vertex positions`);
      const pu = answerStart + u;
      const pv = answerStart + v;
      adjacency[(b * T + pu) * T + pv] = 0.5;
      adjacency[(b * T + pv) * T + pu] = 0.5;
    }
  });
  return tf.tidy(() => {
    const colourLogits = tf.slice(logits, [0, 0, firstColor], [B, T, C]); // [B, T, C]
    const p = tf.softmax(colourLogits); // [B, T, C]
    const gram = tf.matMul(p, p, false, true); // [B, T, T]
    const perExample = tf.sum(tf.mul(gram, tf.tensor3d(adjacency, [B, T, T])), [1, 2]); // [B]
    const predictions = tf.add(tf.argMax(colourLogits, 2), tf.scalar(firstColor, 'int32')); // [B, T]
    return { perExample, predictions };
  });
}
