/**
 * Attention entropy across evaluation lengths (science.md §1; docs/analysis.md `entropy`), and
 * the small probe the trainer logs during training (EntropyRecord).
 */
import type { EntropyAnalysis, EntropyPerPosition, LabeledMatrix } from '../../protocol/analysis';
import type { EntropyRecord } from '../../protocol/runFolder';
import { buildAttentionMask } from '../model/attentionMask';
import type { Rng } from '../random';
import type { TaskExample } from '../tasks/task';
import { headQueryEntropy, meanOfPresent } from './attentionEntropyMath';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, attentionProbabilities, chunks, evaluationExamples, seedBitsFor } from './modelPasses';
import { slope } from './statistics';

/** `L<layer>.H<head>`, layer-major: the row labels of every per-head matrix. */
export function headLabels(layers: number, heads: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) for (let h = 0; h < heads; h++) out.push(`L${l}.H${h}`);
  return out;
}

/** Per layer × head × query position mean H and h over `examples` of size n. */
export function entropyAtLength(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, rng: Rng): EntropyPerPosition {
  const { layers, heads } = subject.config.model;
  let T = 0;
  let visible: Int32Array = new Int32Array(0);
  // Per chunk: [layer] → {entropy, normalized} [head][query]; combined as a weighted mean below.
  const parts: { weight: number; layers: ReturnType<typeof headQueryEntropy>[] }[] = [];
  for (const chunk of chunks(examples, PASS_CHUNK)) {
    const bits = seedBitsFor(subject, rng, chunk.length);
    const { layout, layers: probs } = attentionProbabilities(subject, chunk, n, bits);
    T = layout.length;
    visible = buildAttentionMask(T, subject.config.model.causal, layout.mask).visibleKeys;
    parts.push({ weight: chunk.length, layers: probs.map((p) => headQueryEntropy(p, chunk.length, heads, T, visible)) });
  }
  const got = parts[0]?.layers.length ?? 0;
  if (got !== layers) throw new Error(`entropy: the model returned ${got} attention layers, its config says ${layers}`);
  const total = parts.reduce((s, p) => s + p.weight, 0);
  const combine = (pick: (r: ReturnType<typeof headQueryEntropy>) => (number | null)[][], l: number): (number | null)[][] =>
    Array.from({ length: heads }, (_, h) =>
      Array.from({ length: T }, (_, q) => {
        let s = 0;
        for (const part of parts) {
          const v = pick(part.layers[l] as ReturnType<typeof headQueryEntropy>)[h]?.[q];
          if (v === null || v === undefined) return null;
          s += v * part.weight;
        }
        return s / total;
      }),
    );
  return {
    length: n,
    tokens: T,
    visibleKeys: Array.from(visible),
    entropy: Array.from({ length: layers }, (_, l) => combine((r) => r.entropy, l).map((row) => row.map((v) => v ?? 0))),
    normalized: Array.from({ length: layers }, (_, l) => combine((r) => r.normalized, l)),
  };
}

/** Mean over query positions per layer·head (layer-major): one column of the heatmap. */
function headMeans(perLayer: (number | null)[][][]): (number | null)[] {
  return perLayer.flatMap((layer) => layer.map((row) => meanOfPresent(row)));
}

export interface EntropyOptions {
  lengths: readonly number[];
  examplesPerLength: number;
  trainLengths: readonly number[];
  collapseThreshold: number;
  rng: Rng;
}

/** The whole `entropy` section of analysis.json. */
export function entropyAnalysis(subject: AnalysisSubject, opts: EntropyOptions): EntropyAnalysis {
  const { layers, heads } = subject.config.model;
  const labels = headLabels(layers, heads);
  const maxTrain = Math.max(...opts.trainLengths);
  const perPosition = opts.lengths.map((n) => entropyAtLength(subject, evaluationExamples(subject.task, n, opts.examplesPerLength), n, opts.rng));
  const columns = opts.lengths.map((n) => `n=${n}`);
  const hCols = perPosition.map((p) => headMeans(p.normalized));
  const eCols = perPosition.map((p) => headMeans(p.entropy));
  const transpose = (cols: (number | null)[][]): (number | null)[][] => labels.map((_, r) => cols.map((c) => c[r] ?? null));
  const meanNormalized: LabeledMatrix = { rowLabels: labels, columnLabels: columns, values: transpose(hCols) };
  const meanEntropy: LabeledMatrix = { rowLabels: labels, columnLabels: columns, values: transpose(eCols) };
  const lnT = perPosition.map((p) => Math.log(p.tokens));
  const slopes = meanNormalized.values.map((row) => {
    const xs: number[] = [];
    const ys: number[] = [];
    row.forEach((v, i) => {
      if (v !== null) {
        xs.push(lnT[i] as number);
        ys.push(v);
      }
    });
    return slope(xs, ys);
  });
  let minimum: EntropyAnalysis['minimum'] = null;
  meanNormalized.values.forEach((row, r) =>
    row.forEach((v, c) => {
      if (v !== null && (minimum === null || v < minimum.meanNormalized)) {
        minimum = {
          head: labels[r] as string,
          layer: Math.floor(r / heads),
          headIndex: r % heads,
          length: opts.lengths[c] as number,
          meanNormalized: v,
          alarm: v < opts.collapseThreshold,
        };
      }
    }),
  );
  return {
    heads: labels,
    layers,
    headsPerLayer: heads,
    lengths: [...opts.lengths],
    tokens: perPosition.map((p) => p.tokens),
    beyondTraining: opts.lengths.map((n) => n > maxTrain),
    meanNormalized,
    meanEntropy,
    perPosition,
    slopes,
    meanSlope: meanOfPresent(slopes),
    minimum,
  };
}

/** Inputs of the training-time entropy probe: fixed (evaluation seed), at the longest training size. */
export const ENTROPY_PROBE_EXAMPLES = 16;

/** How often runTraining logs an EntropyRecord: about 50 points over the run, never more often than train records. */
export function entropyEvery(steps: number, logEvery: number): number {
  return Math.max(logEvery, Math.round(steps / 50));
}

/** One EntropyRecord: mean H and h per layer·head on the fixed probe batch. */
export function entropyRecord(subject: AnalysisSubject, step: number, rng: Rng): EntropyRecord {
  const n = Math.max(...subject.config.task.trainLengths);
  const p = entropyAtLength(subject, evaluationExamples(subject.task, n, ENTROPY_PROBE_EXAMPLES), n, rng);
  const { layers, heads } = subject.config.model;
  return {
    kind: 'entropy',
    step,
    length: n,
    tokens: p.tokens,
    heads: headLabels(layers, heads),
    meanNormalized: headMeans(p.normalized).map((v) => v ?? 0),
    meanEntropy: headMeans(p.entropy).map((v) => v ?? 0),
  };
}
