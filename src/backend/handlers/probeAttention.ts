/**
 * The checkpoint inspector's "run the model on an input": loads an Attention Lab checkpoint,
 * builds its model, runs one forward pass on the typed tokens and returns every layer's and
 * head's attention probabilities with the greedy prediction after each position. Runs in the
 * backend process (tfjs); the host only forwards the request.
 */
import { loadCheckpoint, restoreInto } from '../../engine/checkpoint/checkpoint';
import { initBackend } from '../../engine/backend';
import { evaluationPositions } from '../../engine/model/positionPlan';
import { createModel } from '../../engine/model/transformer';
import { createTask } from '../../core/tasks/index';
import { sequenceLength } from '../../core/tasks/layout';
import type { Task } from '../../core/tasks/task';
import { tokenText } from '../../core/tasks/tokenText';
import { tf } from '../../engine/tf';
import { buildNar, readNarOfCheckpoint } from '../../engine/nar/narCheckpoint';
import { narNodes, nodeLabels } from '../../engine/nar/narInput';
import { ClrsTextTask } from '../../core/tasks/clrs/clrsTask';
import type { ClrsInstance } from '../../core/tasks/clrs/algorithms';
import type { AttentionProbeParams } from '../../protocol/backendMessages';
import type { AttentionProbeResult } from '../../protocol/viewData';

let ready: Promise<unknown> | null = null;

/** Seed of the inspector's noise draw: the same σ shows the same rows every time. */
const PROBE_NOISE_SEED = 1;

/** Mean over the T rows of ½Σ_k |a_qk − b_qk| (two T×T row-major attention patterns). */
export function meanRowTotalVariation(a: ArrayLike<number>, b: ArrayLike<number>, T: number): number {
  let s = 0;
  for (let i = 0; i < T * T; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / 2 / T;
}

/** Splits typed text into token ids of `vocab`; the error names the unknown token and lists the vocabulary. */
export function tokenizeProbeInput(input: string, vocab: readonly string[]): number[] {
  const parts = input.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0) throw new Error('type at least one token, separated by spaces');
  const ids = new Map(vocab.map((t, i) => [t, i]));
  return parts.map((p, i) => {
    const id = ids.get(p);
    if (id === undefined) {
      const shown = vocab.length <= 40 ? vocab.join(' ') : `${vocab.slice(0, 40).join(' ')} … (${vocab.length} tokens)`;
      throw new Error(`token ${i + 1} "${p}" is not in the task's vocabulary: ${shown}`);
    }
    return id;
  });
}

/**
 * The task's own attention restriction (e.g. recall's memory slots) when the input is exactly a
 * whole example of some size n (its length in tokens matches); null otherwise, so a free-form
 * input gets only the model's causal mask.
 */
function taskMask(task: Task, T: number, causal: boolean): Uint8Array | null {
  if (!task.attentionMask) return null;
  for (let n = 1; n <= T; n++) {
    const len = sequenceLength(task, n, causal);
    if (len === T) return task.attentionMask(n, T, causal);
    if (len > T) break;
  }
  return null;
}

export async function probeAttention(params: AttentionProbeParams): Promise<AttentionProbeResult> {
  ready ??= initBackend('cpu');
  await ready;
  const loaded = await loadCheckpoint(params.checkpoint);
  const config = loaded.metadata.runConfig;
  if (config.task.name === 'grid-world') {
    throw new Error('a grid-world agent acts step by step in its grid (evolution strategies), not on typed input: see its trajectories in the dashboard');
  }
  const task = createTask(config.task);
  const ids = tokenizeProbeInput(params.input, task.vocab);
  const T = ids.length;
  if (T > config.model.maxLen) throw new Error(`the input has ${T} tokens; this model accepts at most ${config.model.maxLen}`);
  const inputFeatures = task.inputFeatures?.() ?? null;
  // TransNAR: the graph the typed CLRS-Text prompt describes, for the frozen NAR.
  let graph: ClrsInstance | null = null;
  if (config.model.nar) {
    if (!(task instanceof ClrsTextTask)) throw new Error(`a TransNAR model needs a CLRS-Text task, this one is ${task.name}`);
    graph = task.instanceFromTokens(ids);
  }
  const nar = config.model.nar ? buildNar(await readNarOfCheckpoint(config.model.nar, params.checkpoint)) : null;
  let model: ReturnType<typeof createModel>;
  try {
    model = createModel(config.model, config.seed, { inputFeatures, nar });
  } catch (err) {
    nar?.dispose();
    throw err;
  }
  const example = { prompt: ids, answer: [], ...(graph ? { graph } : {}) };
  const nodes = narNodes(model, [example]);
  try {
    restoreInto(loaded, model.params);
    const { rseBits } = config.model;
    const sigma = params.sigma ?? 0;
    if (sigma > 0 && config.model.attention !== 'softmax') throw new Error('the softmax-noise slider needs softmax attention; this model has linear attention (no logits to perturb)');
    const run = (noise: number): { argmax: tf.Tensor; attention: tf.Tensor4D[]; cross: tf.Tensor4D[] } => tf.tidy(() => {
      const tokens = tf.tensor2d(Int32Array.from(ids), [1, T], 'int32');
      // A fixed seed (all +1 bits) for a model with Random Seed Encoding: the probe shows one draw.
      const seedBits = rseBits > 0 ? tf.ones([1, rseBits], 'float32') : undefined;
      // Randomized positions: the model's evaluation positions for this input (a random draw keyed by the tokens, so the same input shows the same draw).
      const positions = evaluationPositions(config.model, [{ prompt: ids, answer: [] }], T);
      const mask = taskMask(task, T, config.model.causal);
      const f = model.forward({
        tokens,
        ...(seedBits ? { seedBits: seedBits as tf.Tensor2D } : {}),
        ...(positions ? { positions } : {}),
        mask,
        returnAttention: true,
        ...(nodes ? { nodes } : {}),
        ...(noise > 0 ? { logitNoise: { sigma: noise, seed: PROBE_NOISE_SEED } } : {}),
      });
      return { argmax: tf.argMax(f.logits, -1), attention: f.attention, cross: f.crossAttention };
    });
    const out = run(sigma);
    const clean = sigma > 0 ? run(0) : null;
    try {
      const predicted = (await out.argmax.data()) as Int32Array;
      const patterns: number[][][] = [];
      const rowChange: number[][] = [];
      for (const [l, layer] of out.attention.entries()) {
        const data = (await layer.data()) as Float32Array; // [1, H, T, T]
        const base = clean ? ((await (clean.attention[l] as tf.Tensor).data()) as Float32Array) : null;
        const H = layer.shape[1];
        const heads: number[][] = [];
        const changes: number[] = [];
        for (let h = 0; h < H; h++) {
          heads.push(Array.from(data.subarray(h * T * T, (h + 1) * T * T), (v) => Math.round(v * 1e4) / 1e4));
          if (base) changes.push(meanRowTotalVariation(data.subarray(h * T * T, (h + 1) * T * T), base.subarray(h * T * T, (h + 1) * T * T), T));
        }
        patterns.push(heads);
        rowChange.push(changes);
      }
      const cross: number[][][] = [];
      for (const block of out.cross) {
        const data = (await block.data()) as Float32Array; // [1, H, T, N]
        const [, H, , N] = block.shape;
        cross.push(Array.from({ length: H }, (_, h) => Array.from(data.subarray(h * T * N, (h + 1) * T * N), (v) => Math.round(v * 1e4) / 1e4)));
      }
      return {
        tokens: ids.map((id) => tokenText(task.vocab, id)),
        layers: config.model.layers,
        heads: config.model.heads,
        patterns,
        predictions: Array.from(predicted, (id) => tokenText(task.vocab, id)),
        ...(config.model.nar ? { cross: { blocks: [...config.model.nar.layers].sort((a, b) => a - b), nodes: nodeLabels(example), patterns: cross } } : {}),
        sigma,
        ...(clean ? { rowChange } : {}),
      };
    } finally {
      out.argmax.dispose();
      for (const a of out.attention) a.dispose();
      for (const a of out.cross) a.dispose();
      if (clean) tf.dispose([clean.argmax, ...clean.attention, ...clean.cross]);
    }
  } finally {
    nodes?.dispose();
    model.dispose();
  }
}
