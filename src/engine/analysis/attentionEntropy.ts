/**
 * Attention entropy across evaluation lengths (docs/science.md §1; docs/analysis.md `entropy`), and
 * the small probe the trainer logs during training (EntropyRecord). H in nats comes first: the
 * claim of entropy-invariant scaling is that H does not grow with the length; h = H / ln n is
 * reported beside it. For retrieval tasks the query row's attention mass on the queried pair shows
 * whether a head is sharp enough for the claim to be tested at all.
 */
import type { EntropyAnalysis, EntropyPerPosition, LabeledMatrix, RetrievalEntropy } from '../../protocol/analysis';
import type { EntropyRecord } from '../../protocol/runFolder';
import { buildBatchAttentionMask } from '../model/attentionMask';
import type { Rng } from '../../core/random';
import type { TaskExample } from '../../core/tasks/task';
import { headQueryEntropy, meanOfPresent, normalizedEntropy, rowEntropy, rowMass } from '../../core/analysis/attentionEntropyMath';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, attentionProbabilities, chunks, evaluationExamples, seedBitsFor } from './modelPasses';
import { slope } from '../../core/analysis/statistics';

/** `L<layer>.H<head>`, layer-major: the row labels of every per-head matrix. */
export function headLabels(layers: number, heads: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) for (let h = 0; h < heads; h++) out.push(`L${l}.H${h}`);
  return out;
}

/** The query row's attention on the queried pair, per layer × head, averaged over the examples. */
export interface QueryRowReading {
  /** Index of the query row (the last prompt token). */
  row: number;
  /** Keys the query row sees. */
  visibleKeys: number;
  /** [layer][head] mean attention mass on the queried pair's positions. */
  keyMass: number[][];
  /** [layer][head] mean H (nats) of the query row. */
  entropy: number[][];
}

/** Per layer × head × query position mean H and h over `examples` of size n; and, for a retrieval task, the query row's reading. */
export function entropyAtLength(
  subject: AnalysisSubject,
  examples: readonly TaskExample[],
  n: number,
  rng: Rng,
): EntropyPerPosition & { queryRow: QueryRowReading | null } {
  const { layers, heads } = subject.config.model;
  const task = subject.task;
  const queryRow = task.promptLength(n) - 1;
  const targets = task.retrievalPositions ? examples.map((ex) => (task.retrievalPositions as (e: TaskExample) => number[])(ex)) : null;
  const retrieval = targets !== null && targets.every((t) => t.length > 0);
  const massSum = Array.from({ length: layers }, () => new Array<number>(heads).fill(0));
  const rowHSum = Array.from({ length: layers }, () => new Array<number>(heads).fill(0));
  let T = 0;
  let visible: ArrayLike<number> = new Int32Array(0);
  // Per chunk: [layer] → {entropy, normalized} [head][query]; combined as a weighted mean below.
  const parts: { weight: number; layers: ReturnType<typeof headQueryEntropy>[] }[] = [];
  let start = 0;
  for (const chunk of chunks(examples, PASS_CHUNK)) {
    const bits = seedBitsFor(subject, rng, chunk.length);
    const { layout, layers: probs } = attentionProbabilities(subject, chunk, n, bits);
    T = layout.length;
    visible = meanVisibleKeys(buildBatchAttentionMask(chunk.length, T, subject.config.model.causal, layout.mask), chunk.length, T);
    parts.push({ weight: chunk.length, layers: probs.map((p) => headQueryEntropy(p, chunk.length, heads, T, visible)) });
    if (retrieval && targets) {
      probs.forEach((p, l) => {
        for (let b = 0; b < chunk.length; b++) {
          for (let h = 0; h < heads; h++) {
            const off = ((b * heads + h) * T + queryRow) * T;
            (massSum[l] as number[])[h] = ((massSum[l] as number[])[h] as number) + rowMass(p, off, targets[start + b] as number[]);
            (rowHSum[l] as number[])[h] = ((rowHSum[l] as number[])[h] as number) + rowEntropy(p, off, off + T);
          }
        }
      });
    }
    start += chunk.length;
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
    queryRow: retrieval
      ? {
          row: queryRow,
          visibleKeys: visible[queryRow] as number,
          keyMass: massSum.map((row) => row.map((v) => v / total)),
          entropy: rowHSum.map((row) => row.map((v) => v / total)),
        }
      : null,
  };
}

/**
 * Keys each query position sees. With one mask per example (graph colouring: a vertex's
 * neighbours) the mean over the examples, so h = H / ln n uses the average number of keys there.
 */
function meanVisibleKeys(mask: { visibleKeys: Int32Array; perExample: boolean }, B: number, T: number): ArrayLike<number> {
  if (!mask.perExample) return mask.visibleKeys;
  const out = new Float64Array(T);
  for (let b = 0; b < B; b++) for (let q = 0; q < T; q++) out[q] = (out[q] as number) + (mask.visibleKeys[b * T + q] as number) / B;
  return out;
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

/** Least-squares slope of each row's values against `xs` (null entries left out). */
function rowSlopes(m: LabeledMatrix, xs: readonly number[]): (number | null)[] {
  return m.values.map((row) => {
    const px: number[] = [];
    const py: number[] = [];
    row.forEach((v, i) => {
      if (v !== null) {
        px.push(xs[i] as number);
        py.push(v);
      }
    });
    return slope(px, py);
  });
}

/** The whole `entropy` section of analysis.json. */
export function entropyAnalysis(subject: AnalysisSubject, opts: EntropyOptions): EntropyAnalysis {
  const { layers, heads } = subject.config.model;
  const labels = headLabels(layers, heads);
  const maxTrain = Math.max(...opts.trainLengths);
  const perLength = opts.lengths.map((n) => entropyAtLength(subject, evaluationExamples(subject.task, n, opts.examplesPerLength), n, opts.rng));
  const perPosition: EntropyPerPosition[] = perLength.map(({ queryRow: _queryRow, ...p }) => p);
  const columns = opts.lengths.map((n) => `n=${n}`);
  const transpose = (cols: (number | null)[][]): (number | null)[][] => labels.map((_, r) => cols.map((c) => c[r] ?? null));
  const meanNormalized: LabeledMatrix = { rowLabels: labels, columnLabels: columns, values: transpose(perPosition.map((p) => headMeans(p.normalized))) };
  const meanEntropy: LabeledMatrix = {
    rowLabels: labels,
    columnLabels: columns,
    values: transpose(perPosition.map((p) => headMeans(p.entropy.map((layer) => layer.map((row) => row.map((v, q) => ((p.visibleKeys[q] as number) >= 2 ? v : null))))))),
  };
  const lnT = perPosition.map((p) => Math.log(p.tokens));
  const entropySlopes = rowSlopes(meanEntropy, lnT);
  const normalizedSlopes = rowSlopes(meanNormalized, lnT);
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
          meanEntropy: meanEntropy.values[r]?.[c] ?? 0,
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
    meanEntropy,
    meanNormalized,
    perPosition,
    entropySlopes,
    meanEntropySlope: meanOfPresent(entropySlopes),
    normalizedSlopes,
    meanNormalizedSlope: meanOfPresent(normalizedSlopes),
    minimum,
    retrieval: retrievalEntropy(labels, opts.lengths, maxTrain, perLength),
  };
}

/** The `retrieval` part: null unless every length has a query-row reading. */
export function retrievalEntropy(
  labels: readonly string[],
  lengths: readonly number[],
  maxTrain: number,
  perLength: readonly { tokens: number; queryRow: QueryRowReading | null }[],
): RetrievalEntropy | null {
  const readings = perLength.map((p) => p.queryRow);
  if (readings.length === 0 || readings.some((r) => r === null)) return null;
  const rs = readings as QueryRowReading[];
  const columns = lengths.map((n) => `n=${n}`);
  const flat = (pick: (r: QueryRowReading) => number[][]): number[][] => labels.map((_, i) => rs.map((r) => pick(r).flat()[i] as number));
  const keyMass = flat((r) => r.keyMass);
  const entropy = flat((r) => r.entropy);
  const normalized = labels.map((_, i) => rs.map((r) => normalizedEntropy(r.entropy.flat()[i] as number, r.visibleKeys)));
  // The retrieval head: most mass at the longest length within training (else the shortest length).
  let ref = 0;
  lengths.forEach((n, c) => {
    if (n <= maxTrain && n >= (lengths[ref] as number)) ref = c;
  });
  if ((lengths[ref] as number) > maxTrain) ref = lengths.indexOf(Math.min(...lengths));
  let best = 0;
  keyMass.forEach((row, i) => {
    if ((row[ref] as number) > ((keyMass[best] as number[])[ref] as number)) best = i;
  });
  const byLength = lengths.map((n, c) => {
    const visibleKeys = (rs[c] as QueryRowReading).visibleKeys;
    return {
      length: n,
      tokens: (perLength[c] as { tokens: number }).tokens,
      visibleKeys,
      keyMass: (keyMass[best] as number[])[c] as number,
      entropy: (entropy[best] as number[])[c] as number,
      normalized: (normalized[best] as (number | null)[])[c] ?? null,
      uniformEntropy: Math.log(visibleKeys),
    };
  });
  return {
    row: 'query',
    keyMass: { rowLabels: [...labels], columnLabels: columns, values: keyMass },
    entropy: { rowLabels: [...labels], columnLabels: columns, values: entropy },
    normalized: { rowLabels: [...labels], columnLabels: columns, values: normalized },
    head: labels[best] as string,
    byLength,
    entropySlope: slope(
      byLength.map((b) => Math.log(b.visibleKeys)),
      byLength.map((b) => b.entropy),
    ),
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
    meanEntropy: headMeans(p.entropy.map((layer) => layer.map((row) => row.map((v, q) => ((p.visibleKeys[q] as number) >= 2 ? v : null))))).map((v) => v ?? 0),
  };
}
