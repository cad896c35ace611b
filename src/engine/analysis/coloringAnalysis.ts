/**
 * Graph colouring under seeds (docs/science.md §4, §7.2; docs/analysis.md `coloring`): a fixed
 * set of graphs — every labelled cycle on n vertices when there are few enough (the oblivious
 * adversary's whole choice), else the run's evaluation graphs — each coloured under the same K
 * Random Seed Encoding seeds. From the per-vertex colour distributions and argmax colourings:
 * the proper-colouring rate, conflicts (argmax) and expected monochromatic edges (the loss), the
 * per-graph success rate over seeds, the worst graph, best-of-k (any proper colouring among k
 * seeds: a Las Vegas algorithm can check its answer), the majority colouring over seeds, and the
 * properly-random fraction (total-variation spread of a vertex's colour distribution across seeds
 * above a bound, which a model that ignores its seed cannot pass).
 */
import type { ColoringAnalysis, ColoringExample } from '../../protocol/analysis';
import { evaluationPositions } from '../model/positionPlan';
import type { Rng } from '../../core/random';
import { allCycleOrders, cycleCount, cycleFromOrder, type GraphColoringTask } from '../../core/tasks/graphColoring';
import { layoutBatch } from '../../core/tasks/layout';
import type { TaskExample } from '../../core/tasks/task';
import { tf } from '../tf';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, chunks, evaluationExamples } from './modelPasses';
import { analysisSeeds, maxPairwiseTotalVariation, successDistribution } from './randomizedSeeds';
import { majorityAnswer, mean } from '../../core/analysis/statistics';

/** Default largest graph set of the analysis: every cycle up to n = 8 (2,520 of them). */
export const COLORING_GRAPHS = 2520;
/** Graphs of the evaluation stream coloured when not every cycle can be (the first of the run's evaluation set). */
export const SAMPLED_GRAPHS = 1024;
/** Graphs drawn in the coloured-graph chart (the worst first). */
const SHOWN_GRAPHS = 6;

/** Per (graph, seed): colour probabilities [n][C] and the argmax colouring. */
export interface ColoringReadings {
  /** [graph][seed][vertex] colour distribution (C numbers). */
  probs: Float32Array[][][];
  /** [graph][seed] argmax colour per vertex. */
  colorings: number[][][];
}

/**
 * The graphs of the analysis: every labelled cycle on n vertices with ids 0…n−1 when the task
 * draws cycles from an id alphabet of exactly n and there are at most `limit`; else the first
 * `fallback` graphs of the run's evaluation set.
 */
export function coloringGraphs(task: GraphColoringTask, n: number, limit: number, fallback: number): { examples: TaskExample[]; exhaustive: boolean } {
  if (task.kind === 'cycle' && task.ids === n && cycleCount(n) <= limit) {
    const ids = Array.from({ length: n }, (_, i) => i);
    const examples = allCycleOrders(n, limit).map((order) => {
      const { edges, coloring } = cycleFromOrder(order);
      return task.graphExample(ids, edges, coloring);
    });
    return { examples, exhaustive: true };
  }
  return { examples: evaluationExamples(task, n, fallback), exhaustive: false };
}

/** Reads every graph under every seed (one pass without RSE). */
export function readColorings(subject: AnalysisSubject, task: GraphColoringTask, examples: readonly TaskExample[], n: number, seeds: readonly Float32Array[]): ColoringReadings {
  const K = Math.max(1, seeds.length);
  const R = subject.config.model.rseBits;
  const C = task.colors;
  const first = task.colorToken(0);
  const rows: { graph: number; seed: number }[] = [];
  examples.forEach((_, g) => {
    for (let s = 0; s < K; s++) rows.push({ graph: g, seed: s });
  });
  const out: ColoringReadings = { probs: examples.map(() => []), colorings: examples.map(() => []) };
  for (const chunk of chunks(rows, PASS_CHUNK * 4)) {
    const exs = chunk.map((r) => examples[r.graph] as TaskExample);
    const layout = layoutBatch(task, exs, n, subject.config.model.causal);
    const T = layout.length;
    const start = layout.answerStart;
    const bits = R > 0 ? new Float32Array(chunk.length * R) : undefined;
    if (bits) chunk.forEach((r, b) => bits.set(seeds[r.seed] as Float32Array, b * R));
    const positions = evaluationPositions(subject.config.model, exs, T);
    const probsT = tf.tidy(() => {
      const tokens = tf.tensor2d(layout.tokens, [layout.batch, T], 'int32');
      const seedBits = bits ? tf.tensor2d(bits, [layout.batch, R]) : undefined;
      const { logits } = subject.model.forward({ tokens, seedBits, positions, mask: layout.mask });
      return tf.softmax(tf.slice(logits, [0, start, first], [layout.batch, n, C])); // [B, n, C]
    });
    const p = probsT.dataSync() as Float32Array;
    probsT.dispose();
    chunk.forEach((r, b) => {
      const perVertex: Float32Array[] = [];
      const coloring: number[] = [];
      for (let u = 0; u < n; u++) {
        const d = p.slice((b * n + u) * C, (b * n + u + 1) * C);
        perVertex.push(d);
        let best = 0;
        for (let c = 1; c < C; c++) if ((d[c] as number) > (d[best] as number)) best = c;
        coloring.push(best);
      }
      (out.probs[r.graph] as Float32Array[][]).push(perVertex);
      (out.colorings[r.graph] as number[][]).push(coloring);
    });
  }
  return out;
}

/** Edges of a colouring whose ends share a colour. */
export function conflictCount(edges: readonly [number, number][], coloring: readonly number[]): number {
  return edges.filter(([u, v]) => coloring[u] === coloring[v]).length;
}

/** Σ over edges of Σ_c p_u(c)·p_v(c): the expected number of monochromatic edges (the training loss). */
export function expectedMonochromatic(edges: readonly [number, number][], probs: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const [u, v] of edges) {
    const pu = probs[u] as ArrayLike<number>;
    const pv = probs[v] as ArrayLike<number>;
    for (let c = 0; c < pu.length; c++) s += (pu[c] as number) * (pv[c] as number);
  }
  return s;
}

/**
 * P(at least one of k seeds drawn without replacement from the K read succeeds) for a graph with s
 * successes among K: 1 − C(K − s, k) / C(K, k), the unbiased estimate of best-of-k from K readings.
 */
export function bestOfK(successes: number, K: number, k: number): number {
  if (k > K) throw new Error(`bestOfK: k = ${k} > K = ${K}`);
  let fail = 1;
  for (let i = 0; i < k; i++) fail *= (K - successes - i) / (K - i);
  return 1 - Math.max(0, fail);
}

/** Summaries of colourings (pure: unit-tested on constructed readings). */
export function summarizeColorings(
  examples: readonly TaskExample[],
  readings: ColoringReadings,
  spreadBound: number,
): Omit<ColoringAnalysis, 'length' | 'graphKind' | 'view' | 'exhaustive' | 'rseBits' | 'colors' | 'examples'> & { worstIndex: number; order: number[] } {
  const G = examples.length;
  const K = readings.colorings[0]?.length ?? 0;
  const edgesOf = (g: number): [number, number][] => (examples[g] as TaskExample).edges ?? [];
  const conflicts = readings.colorings.map((perSeed, g) => perSeed.map((c) => conflictCount(edgesOf(g), c)));
  const expected = readings.probs.map((perSeed, g) => perSeed.map((p) => expectedMonochromatic(edgesOf(g), p)));
  const proper: number[][] = conflicts.map((perSeed) => perSeed.map((c) => (c === 0 ? 1 : 0)));
  const rates = proper.map((perSeed) => mean(perSeed));
  const meanConflicts = conflicts.map((perSeed) => mean(perSeed));
  const meanExpected = expected.map((perSeed) => mean(perSeed));
  // The oblivious adversary's graph: the lowest success rate over seeds, ties broken by more conflicts.
  let worst = 0;
  for (let g = 1; g < G; g++) {
    const a = rates[g] as number;
    const b = rates[worst] as number;
    if (a < b || (a === b && (meanConflicts[g] as number) > (meanConflicts[worst] as number))) worst = g;
  }
  const spreads = readings.probs.map((perSeed) => {
    const n = perSeed[0]?.length ?? 0;
    let m = 0;
    for (let u = 0; u < n; u++) m = Math.max(m, maxPairwiseTotalVariation(perSeed.map((p) => p[u] as Float32Array)));
    return m;
  });
  const ks = Array.from({ length: K }, (_, i) => i + 1);
  const successes = proper.map((perSeed) => perSeed.reduce((a, b) => a + b, 0));
  const best = ks.map((k) => successes.map((s) => bestOfK(s, K, k)));
  const majority = ks.map((k) =>
    readings.colorings.map((perSeed, g) => (conflictCount(edgesOf(g), majorityAnswer(perSeed.slice(0, k))) === 0 ? 1 : 0)),
  );
  const distinct = readings.colorings.map((perSeed) => new Set(perSeed.map((c) => c.join(','))).size);
  // Graphs in order of difficulty (worst first) for the chart.
  const order = rates.map((_, g) => g).sort((a, b) => (rates[a] as number) - (rates[b] as number) || (meanConflicts[b] as number) - (meanConflicts[a] as number) || a - b);
  return {
    graphs: G,
    seeds: K,
    properRate: mean(rates),
    conflicts: { mean: mean(meanConflicts), worst: Math.max(...meanConflicts) },
    expectedMonochromatic: { mean: mean(meanExpected), worst: Math.max(...meanExpected) },
    success: successDistribution(rates),
    worstGraph: { index: worst, successRate: rates[worst] as number, meanConflicts: meanConflicts[worst] as number, meanExpectedMonochromatic: meanExpected[worst] as number },
    failingGraphs: rates.filter((r) => r === 0).length / Math.max(1, G),
    bestOfK: { seeds: ks, mean: best.map((b) => mean(b)), worst: best.map((b) => Math.min(...b)) },
    majority: { seeds: ks, proper: majority.map((m) => mean(m)), failingGraphs: majority.map((m) => m.filter((x) => x === 0).length) },
    properlyRandom: { bound: spreadBound, fraction: G ? spreads.filter((s) => s > spreadBound).length / G : 0, meanSpread: G ? mean(spreads) : 0 },
    distinctColorings: { mean: G ? mean(distinct) : 0, max: G ? Math.max(...distinct) : 0 },
    worstIndex: worst,
    order,
  };
}

export interface ColoringOptions {
  /** Seeds K (1 for a model without RSE). */
  seeds: number;
  /** Most graphs: every cycle when there are at most this many, else this many evaluation graphs. */
  graphs: number;
  spreadBound: number;
  rng: Rng;
}

/** The `coloring` section of analysis.json for a graph-colouring run (at its longest training size). */
export function coloringAnalysis(subject: AnalysisSubject, task: GraphColoringTask, opts: ColoringOptions): ColoringAnalysis {
  const n = Math.max(...subject.config.task.trainLengths);
  const rseBits = subject.config.model.rseBits;
  const seeds = analysisSeeds(rseBits, opts.seeds, opts.rng);
  const { examples, exhaustive } = coloringGraphs(task, n, opts.graphs, Math.min(opts.graphs, SAMPLED_GRAPHS));
  const readings = readColorings(subject, task, examples, n, seeds);
  const { worstIndex, order, ...summary } = summarizeColorings(examples, readings, opts.spreadBound);
  const shown = [worstIndex, ...order.filter((g) => g !== worstIndex)].slice(0, SHOWN_GRAPHS);
  const start = task.vertexStart(n);
  const display = (g: number): ColoringExample => {
    const ex = examples[g] as TaskExample;
    const colorings = readings.colorings[g] as number[][];
    return {
      graph: g,
      ids: ex.prompt.slice(start).map((t) => task.vocab[t] as string),
      edges: (ex.edges ?? []).map(([u, v]) => [u, v]),
      colorings,
      conflicts: colorings.map((c) => conflictCount(ex.edges ?? [], c)),
      successRate: mean(colorings.map((c) => (conflictCount(ex.edges ?? [], c) === 0 ? 1 : 0))),
    };
  };
  return {
    length: n,
    graphKind: task.kind,
    view: task.view,
    exhaustive,
    rseBits,
    colors: task.colors,
    ...summary,
    examples: shown.map(display),
  };
}
