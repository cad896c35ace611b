/**
 * Randomized seeds (science.md §4; docs/analysis.md `randomized`): a fixed set of inputs, each
 * read under the same K Random Seed Encoding seeds. From it: the seed-variance heatmap, the
 * fraction of inputs on which the model is truly random, the majority-vote curve, the loss
 * distribution over inputs and, for associative recall, the oblivious adversary's query.
 */
import type { AdversarialRecall, RandomizedAnalysis } from '../../protocol/analysis';
import { randomSeedBits } from '../model/transformer';
import type { Rng } from '../random';
import type { TaskExample } from '../tasks/task';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, chunks, evaluationExamples, teacherForced } from './modelPasses';
import { majorityAnswer, majorityVoteCurve, mean, percentile, qNormValue, sameAnswer, variance } from './statistics';

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
}

/** K seed vectors (±1 bits), shared by every input; [] without RSE. */
export function analysisSeeds(rseBits: number, K: number, rng: Rng): Float32Array[] {
  if (rseBits === 0) return [];
  return Array.from({ length: K }, () => randomSeedBits(rng, 1, rseBits));
}

/** Reads every input under every seed (K = 1 pass without RSE). */
export function readUnderSeeds(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, seeds: readonly Float32Array[]): SeedReadings {
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
  };
  for (const chunk of chunks(rows, PASS_CHUNK)) {
    const bits = R > 0 ? new Float32Array(chunk.length * R) : undefined;
    if (bits) chunk.forEach((r, b) => bits.set(seeds[r.seed] as Float32Array, b * R));
    const tfp = teacherForced(subject, chunk.map((r) => examples[r.input] as TaskExample), n, bits);
    const T = tfp.layout.length;
    chunk.forEach((r, b) => {
      const answer: number[] = [];
      const p: number[] = [];
      const truth: number[] = [];
      for (let t = 0; t < T; t++) {
        const target = tfp.layout.targets[b * T + t] as number;
        if (target < 0) continue;
        truth.push(target);
        answer.push(tfp.argmax[b * T + t] as number);
        p.push(tfp.pCorrect[b * T + t] as number);
      }
      (out.answers[r.input] as number[][]).push(answer);
      (out.pCorrect[r.input] as number[][]).push(p);
      (out.loss[r.input] as number[]).push(tfp.loss[b] as number);
      out.truths[r.input] = truth;
    });
  }
  return out;
}

/** Summaries of seed readings (pure: unit-tested on constructed readings). */
export function summarizeSeedReadings(r: SeedReadings): Omit<RandomizedAnalysis, 'rseBits' | 'length' | 'outputPositions' | 'adversarial'> & { outputCount: number } {
  const inputs = r.answers.length;
  const K = r.answers[0]?.length ?? 0;
  const P = r.truths[0]?.length ?? 0;
  const rowLabels = r.answers.map((_, i) => `x${i}`);
  const columnLabels = Array.from({ length: P }, (_, j) => `p${j}`);
  const varM: number[][] = [];
  const meanM: number[][] = [];
  const changes: number[][] = [];
  let random = 0;
  let exact = 0;
  r.answers.forEach((perSeed, i) => {
    const pc = r.pCorrect[i] as number[][];
    varM.push(Array.from({ length: P }, (_, j) => variance(pc.map((p) => p[j] as number))));
    meanM.push(Array.from({ length: P }, (_, j) => mean(pc.map((p) => p[j] as number))));
    changes.push(Array.from({ length: P }, (_, j) => (new Set(perSeed.map((a) => a[j])).size > 1 ? 1 : 0)));
    if (perSeed.some((a) => !sameAnswer(a, perSeed[0] as number[]))) random++;
    for (const a of perSeed) if (sameAnswer(a, r.truths[i] as number[])) exact++;
  });
  const perInputLoss = r.loss.map((l) => mean(l));
  return {
    inputs,
    seeds: K,
    outputCount: P,
    pCorrectVariance: { rowLabels, columnLabels, values: varM },
    pCorrectMean: { rowLabels, columnLabels, values: meanM },
    argmaxChanges: { rowLabels, columnLabels, values: changes },
    trulyRandomFraction: inputs ? random / inputs : 0,
    accuracy: inputs && K ? exact / (inputs * K) : 0,
    majorityVote: { seeds: Array.from({ length: K }, (_, k) => k + 1), accuracy: majorityVoteCurve(r.answers, r.truths) },
    loss: {
      mean: mean(perInputLoss),
      p95: percentile(perInputLoss, 95),
      worst: Math.max(...perInputLoss),
      qNorm: [1, 4, 16].map((q) => ({ q, value: qNormValue(perInputLoss, q) })),
    },
  };
}

/**
 * Recall inputs asking for each stored key in turn. The prompt is `k₁ v₁ … kₙ vₙ <mem>×M | q`
 * (src/engine/tasks/recall.ts): the query is the last token, the value of pair j is prompt[2j + 1].
 */
export function recallQueryVariants(example: TaskExample, pairs: number): TaskExample[] {
  return Array.from({ length: pairs }, (_, j) => {
    const prompt = example.prompt.slice();
    prompt[prompt.length - 1] = example.prompt[2 * j] as number;
    return { prompt, answer: [example.prompt[2 * j + 1] as number] };
  });
}

/** Error rates per (input, key) over seeds → the adversary's view. */
export function adversarialSummary(errorRates: readonly (readonly number[])[], majorityWrong: readonly (readonly number[])[], pairs: number, capacity: number): AdversarialRecall {
  const worst = errorRates.map((keys) => Math.max(...keys));
  const worstMaj = majorityWrong.map((keys) => Math.max(...keys));
  return {
    pairs,
    capacity,
    meanError: mean(errorRates.flatMap((k) => [...k])),
    worstKeyError: mean(worst),
    worstKeyMajorityError: mean(worstMaj),
    randomStoreError: capacity > 0 ? Math.max(0, 1 - capacity / pairs) : null,
  };
}

function adversarialRecall(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, seeds: readonly Float32Array[]): AdversarialRecall {
  const variants = examples.flatMap((ex) => recallQueryVariants(ex, n));
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
      // The value token is the first output position (the second is <eos>).
      rates.push(mean(perSeed.map((a) => (a[0] === truth[0] ? 0 : 1))));
      maj.push(majorityAnswer(perSeed.map((a) => a.slice(0, 1)))[0] === truth[0] ? 0 : 1);
    }
    errorRates.push(rates);
    majorityWrong.push(maj);
  });
  return adversarialSummary(errorRates, majorityWrong, n, subject.task.options.capacity ?? 0);
}

export interface RandomizedOptions {
  inputs: number;
  seeds: number;
  /** Inputs of the adversarial analysis (each asked n times). */
  adversarialInputs: number;
  rng: Rng;
}

export function randomizedAnalysis(subject: AnalysisSubject, opts: RandomizedOptions): RandomizedAnalysis {
  const n = Math.max(...subject.config.task.trainLengths);
  const rseBits = subject.config.model.rseBits;
  const seeds = analysisSeeds(rseBits, opts.seeds, opts.rng);
  const examples = evaluationExamples(subject.task, n, opts.inputs);
  const readings = readUnderSeeds(subject, examples, n, seeds);
  const { outputCount, ...summary } = summarizeSeedReadings(readings);
  const first = examples[0] as TaskExample;
  const outputPositions = Array.from({ length: outputCount }, (_, j) => (j < first.answer.length ? `a${j}` : 'eos'));
  const relabel = <M extends { columnLabels: string[] }>(m: M): M => ({ ...m, columnLabels: outputPositions });
  return {
    rseBits,
    length: n,
    outputPositions,
    ...summary,
    pCorrectVariance: relabel(summary.pCorrectVariance),
    pCorrectMean: relabel(summary.pCorrectMean),
    argmaxChanges: relabel(summary.argmaxChanges),
    adversarial: subject.task.name === 'recall' ? adversarialRecall(subject, examples.slice(0, opts.adversarialInputs), n, seeds) : null,
  };
}
