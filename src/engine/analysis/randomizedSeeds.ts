/**
 * Randomized seeds (docs/science.md §4; docs/analysis.md `randomized`): a fixed set of inputs, each
 * read under the same K Random Seed Encoding seeds. From it, the paper's views of "properly
 * random": the variance over seeds of p(correct), the per-input success-rate histogram (bimodal =
 * deterministic, spread = random) and the majority-vote curve; a thresholded measure of seed
 * dependence (total-variation spread above a bound, which a near-uniform model cannot pass); the
 * loss distribution over inputs; and, for associative recall, the oblivious adversary's query
 * compared with simulated ideal stores (randomStore.ts).
 */
import type { AdversarialRecall, RandomizedAnalysis, StoreReference, SuccessDistribution } from '../../protocol/analysis';
import { randomSeedBits } from '../model/transformer';
import type { Rng } from '../../core/random';
import { RecallTask } from '../../core/tasks/recall';
import type { TaskExample } from '../../core/tasks/task';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, chunks, evaluationExamples, teacherForced } from './modelPasses';
import { matchedCapacity, simulateStore } from '../../core/analysis/randomStore';
import { majorityAnswer, majorityVoteCurve, majorityVoteCurveBy, mean, percentile, qNormValue, sameAnswer, variance } from '../../core/analysis/statistics';

/** Per (input, seed): answer tokens at the output positions, p(correct) there, and the loss. */
export interface SeedReadings {
  /** [input][seed] argmax tokens at the output positions. */
  answers: number[][][];
  /** [input][seed][position] p(correct token). */
  pCorrect: number[][][];
  /** [input][seed] cross-entropy. */
  loss: number[][];
  /** [input] the target tokens at the output positions. */
  truths: number[][];
  /** [input][seed][position] the predicted distribution over the vocabulary; null when not read. */
  distributions: Float32Array[][][] | null;
}

/** Default total-variation bound of the properly-random measure. */
export const SPREAD_BOUND = 0.5;
/** Simulated inputs of each ideal-store reference. */
export const STORE_TRIALS = 4000;

/** K seed vectors (±1 bits), shared by every input; [] without RSE. */
export function analysisSeeds(rseBits: number, K: number, rng: Rng): Float32Array[] {
  if (rseBits === 0) return [];
  return Array.from({ length: K }, () => randomSeedBits(rng, 1, rseBits));
}

/** Reads every input under every seed (K = 1 pass without RSE); `distributions` keeps the whole predicted distributions. */
export function readUnderSeeds(
  subject: AnalysisSubject,
  examples: readonly TaskExample[],
  n: number,
  seeds: readonly Float32Array[],
  distributions = false,
): SeedReadings {
  const K = Math.max(1, seeds.length);
  const R = subject.config.model.rseBits;
  const rows: { input: number; seed: number }[] = [];
  examples.forEach((_, i) => {
    for (let s = 0; s < K; s++) rows.push({ input: i, seed: s });
  });
  const out: SeedReadings = {
    answers: examples.map(() => []),
    pCorrect: examples.map(() => []),
    loss: examples.map(() => []),
    truths: examples.map(() => []),
    distributions: distributions ? examples.map(() => []) : null,
  };
  const V = subject.config.model.vocabSize;
  for (const chunk of chunks(rows, PASS_CHUNK)) {
    const bits = R > 0 ? new Float32Array(chunk.length * R) : undefined;
    if (bits) chunk.forEach((r, b) => bits.set(seeds[r.seed] as Float32Array, b * R));
    const tfp = teacherForced(subject, chunk.map((r) => examples[r.input] as TaskExample), n, bits, distributions);
    const T = tfp.layout.length;
    chunk.forEach((r, b) => {
      const answer: number[] = [];
      const p: number[] = [];
      const truth: number[] = [];
      const dists: Float32Array[] = [];
      for (let t = 0; t < T; t++) {
        const target = tfp.layout.targets[b * T + t] as number;
        if (target < 0) continue;
        truth.push(target);
        answer.push(tfp.argmax[b * T + t] as number);
        p.push(tfp.pCorrect[b * T + t] as number);
        if (tfp.probs) dists.push(tfp.probs.slice((b * T + t) * V, (b * T + t + 1) * V));
      }
      if (out.distributions) (out.distributions[r.input] as Float32Array[][]).push(dists);
      (out.answers[r.input] as number[][]).push(answer);
      (out.pCorrect[r.input] as number[][]).push(p);
      (out.loss[r.input] as number[]).push(tfp.loss[b] as number);
      out.truths[r.input] = truth;
    });
  }
  return out;
}

/** Total-variation distance ½ Σ |p − q| of two distributions of the same length. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`totalVariation: lengths differ (${p.length} and ${q.length})`);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs((p[i] as number) - (q[i] as number));
  return s / 2;
}

/** The largest total-variation distance between any two of the distributions (0 for fewer than two). */
export function maxPairwiseTotalVariation(dists: readonly ArrayLike<number>[]): number {
  let max = 0;
  for (let a = 0; a < dists.length; a++) {
    for (let b = a + 1; b < dists.length; b++) max = Math.max(max, totalVariation(dists[a] as ArrayLike<number>, dists[b] as ArrayLike<number>));
  }
  return max;
}

/** Per-input success rates over seeds → mean, 5th percentile, the 0 %/100 % masses and a 10-bin histogram. */
export function successDistribution(rates: readonly number[]): SuccessDistribution {
  const edges = Array.from({ length: 11 }, (_, i) => i / 10);
  const counts = new Array<number>(10).fill(0);
  for (const r of rates) {
    const bin = Math.min(9, Math.floor(r * 10 + 1e-9));
    counts[bin] = (counts[bin] as number) + 1;
  }
  const n = rates.length;
  return {
    mean: n ? mean(rates) : 0,
    p5: n ? percentile(rates, 5) : 0,
    atZero: n ? rates.filter((r) => r === 0).length / n : 0,
    atOne: n ? rates.filter((r) => r === 1).length / n : 0,
    histogram: { edges, fractions: counts.map((c) => (n ? c / n : 0)) },
  };
}

/**
 * Summaries of seed readings (pure: unit-tested on constructed readings). `isRight` judges an
 * answer where there is more than one right one (graph colouring: any proper colouring); by default
 * an answer is right when it equals the input's truth.
 */
export function summarizeSeedReadings(
  r: SeedReadings,
  spreadBound = SPREAD_BOUND,
  isRight?: (input: number, answer: readonly number[]) => boolean,
): Omit<RandomizedAnalysis, 'rseBits' | 'length' | 'outputPositions' | 'adversarial'> & { outputCount: number } {
  const right = isRight ?? ((i: number, a: readonly number[]): boolean => sameAnswer(a, r.truths[i] as number[]));
  const inputs = r.answers.length;
  const K = r.answers[0]?.length ?? 0;
  const P = r.truths[0]?.length ?? 0;
  const rowLabels = r.answers.map((_, i) => `x${i}`);
  const columnLabels = Array.from({ length: P }, (_, j) => `p${j}`);
  const varM: number[][] = [];
  const meanM: number[][] = [];
  const spreadM: number[][] = [];
  const spreads: number[] = [];
  const answerVariances: number[] = [];
  const rates: number[] = [];
  r.answers.forEach((perSeed, i) => {
    const pc = r.pCorrect[i] as number[][];
    varM.push(Array.from({ length: P }, (_, j) => variance(pc.map((p) => p[j] as number))));
    meanM.push(Array.from({ length: P }, (_, j) => mean(pc.map((p) => p[j] as number))));
    const dists = r.distributions?.[i];
    const spreadRow = Array.from({ length: P }, (_, j) => (dists ? maxPairwiseTotalVariation(dists.map((d) => d[j] as Float32Array)) : 0));
    spreadM.push(spreadRow);
    spreads.push(P > 0 ? Math.max(...spreadRow) : 0);
    answerVariances.push(variance(pc.map((p) => p.reduce((a, b) => a * b, 1))));
    rates.push(K ? perSeed.filter((a) => right(i, a)).length / K : 0);
  });
  const perInputLoss = r.loss.map((l) => mean(l));
  const success = successDistribution(rates);
  return {
    inputs,
    seeds: K,
    outputCount: P,
    pCorrectVariance: { rowLabels, columnLabels, values: varM },
    pCorrectMean: { rowLabels, columnLabels, values: meanM },
    seedSpread: { rowLabels, columnLabels, values: spreadM },
    properlyRandom: {
      bound: spreadBound,
      fraction: inputs ? spreads.filter((s) => s > spreadBound).length / inputs : 0,
      meanSpread: inputs ? mean(spreads) : 0,
    },
    answerVariance: { mean: inputs ? mean(answerVariances) : 0, p95: inputs ? percentile(answerVariances, 95) : 0 },
    success,
    accuracy: success.mean,
    majorityVote: { seeds: Array.from({ length: K }, (_, k) => k + 1), accuracy: isRight ? majorityVoteCurveBy(r.answers, right) : majorityVoteCurve(r.answers, r.truths) },
    loss: {
      mean: mean(perInputLoss),
      p95: percentile(perInputLoss, 95),
      worst: Math.max(...perInputLoss),
      qNorm: [1, 4, 16].map((q) => ({ q, value: qNormValue(perInputLoss, q) })),
    },
  };
}

export interface StoreSettings {
  /** Seeds K of the simulated reading. */
  seeds: number;
  /** Simulated inputs per reference. */
  trials: number;
  /** Inputs the analysis averages over (the band's sample size). */
  inputs: number;
}

/** Ideal random and deterministic stores of capacity M under the analysis's measurement. */
export function storeReference(pairs: number, capacity: number, values: number, s: StoreSettings): StoreReference {
  const common = { pairs, capacity, values, seeds: s.seeds, trials: s.trials, inputsPerEstimate: s.inputs };
  const random = simulateStore(common);
  const deterministic = simulateStore({ ...common, deterministic: true });
  return {
    capacity,
    seeds: s.seeds,
    trials: s.trials,
    random,
    deterministic: { meanError: deterministic.meanError, worstKeyError: deterministic.worstKeyError },
  };
}

/** Error rates per (input, key) over seeds → the adversary's view, with the simulated references. */
export function adversarialSummary(
  errorRates: readonly (readonly number[])[],
  majorityWrong: readonly (readonly number[])[],
  task: { pairs: number; capacity: number; values: number; seeds: number },
  store: StoreSettings,
): AdversarialRecall {
  const worst = errorRates.map((keys) => Math.max(...keys));
  const worstMaj = majorityWrong.map((keys) => Math.max(...keys));
  const meanError = mean(errorRates.flatMap((k) => [...k]));
  const matched = matchedCapacity(task.pairs, task.values, meanError);
  return {
    pairs: task.pairs,
    capacity: task.capacity,
    values: task.values,
    seeds: task.seeds,
    inputs: errorRates.length,
    meanError,
    worstKeyError: mean(worst),
    worstKeyMajorityError: mean(worstMaj),
    matchedCapacity: matched,
    matchedStore: storeReference(task.pairs, matched, task.values, store),
    taskStore: task.capacity > 0 ? storeReference(task.pairs, Math.min(task.capacity, task.pairs), task.values, store) : null,
  };
}

function adversarialRecall(
  subject: AnalysisSubject,
  task: RecallTask,
  examples: readonly TaskExample[],
  n: number,
  seeds: readonly Float32Array[],
  store: StoreSettings,
): AdversarialRecall {
  const variants = examples.flatMap((ex) => task.queryVariants(ex));
  const readings = readUnderSeeds(subject, variants, n, seeds);
  const errorRates: number[][] = [];
  const majorityWrong: number[][] = [];
  examples.forEach((_, i) => {
    const rates: number[] = [];
    const maj: number[] = [];
    for (let j = 0; j < n; j++) {
      const v = i * n + j;
      const perSeed = readings.answers[v] as number[][];
      const truth = readings.truths[v] as number[];
      // The value token is the first output position (a second one, if any, is <eos>).
      rates.push(mean(perSeed.map((a) => (a[0] === truth[0] ? 0 : 1))));
      maj.push(majorityAnswer(perSeed.map((a) => a.slice(0, 1)))[0] === truth[0] ? 0 : 1);
    }
    errorRates.push(rates);
    majorityWrong.push(maj);
  });
  const K = Math.max(1, seeds.length);
  return adversarialSummary(errorRates, majorityWrong, { pairs: n, capacity: task.options.capacity ?? 0, values: task.valueCount, seeds: K }, { ...store, inputs: examples.length });
}

export interface RandomizedOptions {
  inputs: number;
  /** Seeds K the model is read under (1 for a model without RSE). */
  seeds: number;
  /** Seeds K of the ideal-store references (the K a model with RSE is read under). */
  referenceSeeds: number;
  /** Inputs of the adversarial analysis (each asked n times). */
  adversarialInputs: number;
  /** Total-variation bound of the properly-random measure. */
  spreadBound: number;
  rng: Rng;
}

export function randomizedAnalysis(subject: AnalysisSubject, opts: RandomizedOptions): RandomizedAnalysis {
  const n = Math.max(...subject.config.task.trainLengths);
  const rseBits = subject.config.model.rseBits;
  const seeds = analysisSeeds(rseBits, opts.seeds, opts.rng);
  const examples = evaluationExamples(subject.task, n, opts.inputs);
  const readings = readUnderSeeds(subject, examples, n, seeds, true);
  // A task with its own objective has many right answers (any proper colouring): its score judges them.
  const judge = subject.task.objective ? (i: number, a: readonly number[]): boolean => subject.task.score(examples[i] as TaskExample, a).exact === 1 : undefined;
  const { outputCount, ...summary } = summarizeSeedReadings(readings, opts.spreadBound, judge);
  const first = examples[0] as TaskExample;
  const outputPositions = Array.from({ length: outputCount }, (_, j) => (j < first.answer.length ? `a${j}` : 'eos'));
  const relabel = <M extends { columnLabels: string[] }>(m: M): M => ({ ...m, columnLabels: outputPositions });
  const store: StoreSettings = { seeds: opts.referenceSeeds, trials: STORE_TRIALS, inputs: opts.adversarialInputs };
  return {
    rseBits,
    length: n,
    outputPositions,
    ...summary,
    pCorrectVariance: relabel(summary.pCorrectVariance),
    pCorrectMean: relabel(summary.pCorrectMean),
    seedSpread: relabel(summary.seedSpread),
    adversarial:
      subject.task instanceof RecallTask ? adversarialRecall(subject, subject.task, examples.slice(0, opts.adversarialInputs), n, seeds, store) : null,
  };
}
