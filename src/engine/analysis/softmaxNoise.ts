/**
 * The softmax-noise probe (docs/science.md §6; docs/analysis.md `softmaxNoise`): no training, any
 * softmax-attention checkpoint. i.i.d. Gaussian noise of scale σ is added to the attention logits
 * (after the scaling, before the mask and the softmax: model/logitNoise.ts) of one layer at a time
 * and of all layers at once, over a grid of σ, at every evaluation length. Measured against the
 * same inputs without noise:
 * - the attention rows: mean total variation ½Σ_k |a_qk − a'_qk| over examples, heads and query
 *   rows of the layer that gets the noise (all layers: the mean over layers);
 * - the output distributions at the answer positions: mean KL(clean ‖ noisy) in nats and mean
 *   total variation;
 * - the loss (the task's training loss) and exact accuracy of the one-pass answers (teacher-forced
 *   for a causal decoder, as `answerFromPredictions` reads them).
 * σ = 0 runs the very same forward pass as no noise, so every change there is exactly 0.
 */
import type { SoftmaxNoiseAnalysis } from '../../protocol/analysis';
import { evaluationPositions } from '../model/positionPlan';
import type { LogitNoise } from '../model/logitNoise';
import { hashSeed, type Rng } from '../../core/random';
import { answerFromPredictions, layoutBatch, sequenceLength } from '../../core/tasks/layout';
import type { TaskExample } from '../../core/tasks/task';
import { tf } from '../tf';
import { rowLosses } from '../train/objective';
import { narNodes } from '../nar/narInput';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, chunks, evaluationExamples, seedBitsFor } from './modelPasses';

/** Default σ grid (in logit units: the noise is added to s·q·k). */
export const NOISE_SIGMAS = [0, 0.25, 0.5, 1, 2, 4];
/** Default examples per length and noise draws per (σ, layer). */
export const NOISE_EXAMPLES = 32;
export const NOISE_DRAWS = 2;
/** Most σ values and the largest attention tensor the probe holds at once (the refusal up front). */
export const MAX_NOISE_SIGMAS = 64;
export const NOISE_MEMORY_BYTES = 512 * 2 ** 20;

export interface SoftmaxNoiseOptions {
  sigmas: readonly number[];
  /** Examples per evaluation length. */
  examples: number;
  /** Noise draws averaged per (σ, layer choice). */
  draws: number;
  /** Seed of the noise draws. */
  seed: number;
  rng: Rng;
}

/** What one forward pass gives the probe. */
interface Pass {
  attention: Float32Array[]; // per layer [B, H, T, T]
  probs: Float32Array; // [B, T, V] output distributions
  loss: Float32Array; // [B]
  argmax: Int32Array; // [B, T]
}

/**
 * Bytes the probe holds at once for `rows` sequences of T tokens: the clean and the noisy pass's
 * attention of every layer and their output distributions, in float32.
 */
export function noiseProbeBytes(rows: number, T: number, layers: number, heads: number, vocab: number): number {
  return 2 * 4 * rows * (layers * heads * T * T + T * vocab);
}

/**
 * Refuses, with the numbers, a σ grid or a probe that cannot be run: a σ that is not a finite
 * number ≥ 0, too many σ, or a pass that would hold more than `budget` bytes.
 */
export function checkNoiseProbe(opts: { sigmas: readonly number[]; examples: number; draws: number }, shape: { maxTokens: number; layers: number; heads: number; vocab: number }, budget = NOISE_MEMORY_BYTES): void {
  const { sigmas, examples, draws } = opts;
  if (!Array.isArray(sigmas) || sigmas.length === 0) throw new Error('softmax-noise probe: the σ grid is empty');
  if (sigmas.length > MAX_NOISE_SIGMAS) throw new Error(`softmax-noise probe: ${sigmas.length} σ values are more than ${MAX_NOISE_SIGMAS}`);
  sigmas.forEach((s, i) => {
    if (!(typeof s === 'number' && Number.isFinite(s) && s >= 0)) throw new Error(`softmax-noise probe: σ[${i}] = ${String(s)} must be a finite number ≥ 0`);
  });
  if (!(Number.isInteger(examples) && examples >= 1)) throw new Error(`softmax-noise probe: examples must be an integer ≥ 1, got ${examples}`);
  if (!(Number.isInteger(draws) && draws >= 1 && draws <= 64)) throw new Error(`softmax-noise probe: draws must be an integer from 1 to 64, got ${draws}`);
  const rows = Math.min(examples, PASS_CHUNK);
  const bytes = noiseProbeBytes(rows, shape.maxTokens, shape.layers, shape.heads, shape.vocab);
  if (bytes > budget) {
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    throw new Error(
      `softmax-noise probe: a pass of ${rows} sequences × ${shape.maxTokens} tokens holds ${mib(bytes)} (2 × ${shape.layers} layers × ${shape.heads} heads × T² attention + T × ${shape.vocab} outputs, float32), more than ${mib(budget)}; use fewer examples or shorter lengths`,
    );
  }
}

/** Total variation between two distributions laid out at the same offset. */
function tv(a: Float32Array, b: Float32Array, at: number, size: number): number {
  let s = 0;
  for (let i = 0; i < size; i++) s += Math.abs((a[at + i] as number) - (b[at + i] as number));
  return s / 2;
}

/** KL(p ‖ q) in nats between two distributions at the same offset (q floored at 1e-30). */
function kl(p: Float32Array, q: Float32Array, at: number, size: number): number {
  let s = 0;
  for (let i = 0; i < size; i++) {
    const pi = p[at + i] as number;
    if (pi > 0) s += pi * Math.log(pi / Math.max(q[at + i] as number, 1e-30));
  }
  return Math.max(0, s);
}

function forwardPass(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, bits: Float32Array | undefined, noise: LogitNoise | undefined): Pass & { layoutTargets: Int32Array; T: number } {
  const layout = layoutBatch(subject.task, examples, n, subject.config.model.causal);
  const T = layout.length;
  const R = subject.config.model.rseBits;
  const V = subject.config.model.vocabSize;
  const positions = evaluationPositions(subject.config.model, examples, T);
  const nodes = narNodes(subject.model, examples); // TransNAR: the frozen NAR's node embeddings
  const out = tf.tidy(() => {
    const tokens = tf.tensor2d(layout.tokens, [layout.batch, T], 'int32');
    const seedBits = bits ? tf.tensor2d(bits, [layout.batch, R]) : undefined;
    const f = subject.model.forward({ tokens, seedBits, positions, mask: layout.mask, returnAttention: true, nodes, ...(noise ? { logitNoise: noise } : {}) });
    const { perExample, predictions } = rowLosses(subject.task, f.logits, layout, examples);
    return { attention: f.attention, probs: tf.softmax(tf.reshape(f.logits, [layout.batch * T, V])), loss: perExample, argmax: predictions };
  });
  const pass = {
    attention: out.attention.map((a) => a.dataSync() as Float32Array),
    probs: out.probs.dataSync() as Float32Array,
    loss: out.loss.dataSync() as Float32Array,
    argmax: Int32Array.from(out.argmax.dataSync()),
    layoutTargets: layout.targets,
    T,
  };
  tf.dispose([...out.attention, out.probs, out.loss, out.argmax]);
  nodes?.dispose();
  return pass;
}

/** Null for a model without softmax attention (linear attention has no logits to perturb). */
export function softmaxNoiseAnalysis(subject: AnalysisSubject, opts: SoftmaxNoiseOptions): SoftmaxNoiseAnalysis | null {
  const m = subject.config.model;
  if (m.attention !== 'softmax') return null;
  const { task } = subject;
  const lengths = subject.config.task.evalLengths;
  const layers = m.layers;
  const H = m.heads;
  const V = m.vocabSize;
  const causal = m.causal;
  const maxTokens = Math.max(...lengths.map((n) => sequenceLength(task, n, causal)));
  checkNoiseProbe(opts, { maxTokens, layers, heads: H, vocab: V });
  const targets = [...Array.from({ length: layers }, (_, l) => `L${l}`), 'all'];
  const layerSets: (number[] | undefined)[] = [...Array.from({ length: layers }, (_, l) => [l]), undefined];
  const cell = (): number[][][] => targets.map(() => opts.sigmas.map(() => lengths.map(() => 0)));
  const attentionTv = cell();
  const outputKl = cell();
  const outputTv = cell();
  const loss = cell();
  const exact = cell();
  const clean = { loss: lengths.map(() => 0), exact: lengths.map(() => 0) };

  lengths.forEach((n, li) => {
    const examples = evaluationExamples(task, n, opts.examples);
    for (const chunk of chunks(examples, PASS_CHUNK)) {
      const w = chunk.length / examples.length;
      const bits = seedBitsFor(subject, opts.rng, chunk.length);
      const base = forwardPass(subject, chunk, n, bits, undefined);
      const T = base.T;
      const answerExact = (argmax: Int32Array): number =>
        chunk.reduce((s, ex, b) => s + task.score(ex, answerFromPredictions(task, n, causal, argmax.subarray(b * T, (b + 1) * T))).exact, 0) / chunk.length;
      const targetRows: number[] = [];
      base.layoutTargets.forEach((t, i) => {
        if (t >= 0) targetRows.push(i);
      });
      clean.loss[li] = (clean.loss[li] as number) + w * (base.loss.reduce((a, b) => a + b, 0) / chunk.length);
      clean.exact[li] = (clean.exact[li] as number) + w * answerExact(base.argmax);
      targets.forEach((_, ti) => {
        opts.sigmas.forEach((sigma, si) => {
          for (let d = 0; d < opts.draws; d++) {
            const noise: LogitNoise = { sigma, seed: hashSeed(opts.seed, n, d), ...(layerSets[ti] ? { layers: layerSets[ti] } : {}) };
            const p = forwardPass(subject, chunk, n, bits, noise);
            const wd = w / opts.draws;
            const noisedLayers = layerSets[ti] ?? Array.from({ length: layers }, (_, l) => l);
            let rowsTv = 0;
            for (const l of noisedLayers) {
              const a = base.attention[l] as Float32Array;
              const b = p.attention[l] as Float32Array;
              let s = 0;
              const rows = a.length / T;
              for (let r = 0; r < rows; r++) s += tv(a, b, r * T, T);
              rowsTv += s / rows;
            }
            const add = (m3: number[][][], v: number): void => {
              const row = (m3[ti] as number[][])[si] as number[];
              row[li] = (row[li] as number) + wd * v;
            };
            add(attentionTv, rowsTv / noisedLayers.length);
            let k = 0;
            let t = 0;
            for (const i of targetRows) {
              k += kl(base.probs, p.probs, i * V, V);
              t += tv(base.probs, p.probs, i * V, V);
            }
            add(outputKl, targetRows.length ? k / targetRows.length : 0);
            add(outputTv, targetRows.length ? t / targetRows.length : 0);
            add(loss, p.loss.reduce((a, b) => a + b, 0) / chunk.length);
            add(exact, answerExact(p.argmax));
          }
        });
      });
    }
  });
  return {
    sigmas: [...opts.sigmas],
    lengths: [...lengths],
    targets,
    examples: opts.examples,
    draws: opts.draws,
    attentionScaling: m.attentionScaling,
    clean,
    attentionTv,
    outputKl,
    outputTv,
    loss,
    exact,
  };
}
