/**
 * The graph-colouring analysis (pure summaries on constructed colourings, then a real tiny model
 * over every cycle) and the softmax-noise probe (σ = 0 changes nothing, the refusals up front).
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { bestOfK, coloringAnalysis, expectedMonochromatic, summarizeColorings } from '../../src/engine/analysis/coloringAnalysis';
import type { ColoringReadings } from '../../src/engine/analysis/coloringAnalysis';
import { analyzeModel, defaultAnalysisSettings } from '../../src/engine/analysis/analyzeModel';
import { checkNoiseProbe, noiseProbeBytes, softmaxNoiseAnalysis } from '../../src/engine/analysis/softmaxNoise';
import { initBackend } from '../../src/engine/backend';
import { expandGrid } from '../../src/core/experiment/grid';
import { createModel } from '../../src/engine/model/transformer';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import type { GraphColoringTask } from '../../src/core/tasks/graphColoring';
import type { TaskExample } from '../../src/core/tasks/task';
import type { RunConfig } from '../../src/protocol/config';
import type { ExperimentSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

test('bestOfK: 1 − C(K − s, k)/C(K, k)', () => {
  assert.equal(bestOfK(1, 4, 1), 0.25);
  assert.ok(Math.abs(bestOfK(1, 4, 2) - 0.5) < 1e-12);
  assert.equal(bestOfK(1, 4, 4), 1);
  assert.equal(bestOfK(0, 4, 4), 0);
  assert.equal(bestOfK(4, 4, 1), 1);
  assert.throws(() => bestOfK(1, 4, 5), /k = 5 > K = 4/);
});

test('expected monochromatic edges by hand: a path with p0 = (1, 0, 0), p1 = (½, ½, 0), p2 = (0, ½, ½) → ½ + ¼', () => {
  assert.equal(expectedMonochromatic([[0, 1], [1, 2]], [[1, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]]), 0.75);
});

// Two 4-cycles 0–1–2–3–0 read under three seeds. Graph A: the same proper colouring under every
// seed (deterministic). Graph B: improper under seeds 0 and 2 (the same colouring), proper under 1,
// with confident (one-hot) distributions, so the seed moves vertex 0 by total variation 1.
const CYCLE: [number, number][] = [
  [0, 1],
  [1, 2],
  [2, 3],
  [0, 3],
];
const hot = (c: number): Float32Array => Float32Array.from([0, 1, 2], (i) => (i === c ? 1 : 0));
const reading = (colorings: number[][]): { probs: Float32Array[][]; colorings: number[][] } => ({ probs: colorings.map((c) => c.map(hot)), colorings });
const GRAPHS: TaskExample[] = [
  { prompt: [], answer: [0, 0, 0, 0], edges: CYCLE },
  { prompt: [], answer: [0, 0, 0, 0], edges: CYCLE },
];

test('coloring summaries: rates, the adversary\'s graph, best-of-k, majority and properly random on constructed readings', () => {
  const a = reading([
    [0, 1, 0, 1],
    [0, 1, 0, 1],
    [0, 1, 0, 1],
  ]);
  const b = reading([
    [0, 0, 1, 2],
    [1, 0, 1, 2],
    [0, 0, 1, 2],
  ]);
  const r: ColoringReadings = { probs: [a.probs, b.probs], colorings: [a.colorings, b.colorings] };
  const s = summarizeColorings(GRAPHS, r, 0.5);
  assert.equal(s.graphs, 2);
  assert.equal(s.seeds, 3);
  assert.ok(Math.abs(s.properRate - (1 + 1 / 3) / 2) < 1e-12);
  assert.equal(s.worstIndex, 1);
  assert.ok(Math.abs(s.worstGraph.successRate - 1 / 3) < 1e-12);
  assert.ok(Math.abs(s.worstGraph.meanConflicts - 2 / 3) < 1e-12);
  assert.equal(s.failingGraphs, 0);
  assert.deepEqual(s.bestOfK.seeds, [1, 2, 3]);
  assert.ok(Math.abs((s.bestOfK.worst[0] as number) - 1 / 3) < 1e-12);
  assert.ok(Math.abs((s.bestOfK.worst[1] as number) - 2 / 3) < 1e-12, 'two of three seeds: 1 − C(2,2)/C(3,2)');
  assert.equal(s.bestOfK.worst[2], 1);
  // Majority over 3 seeds: B's most frequent colouring (seeds 0 and 2) is improper.
  assert.deepEqual(s.majority.proper, [0.5, 0.5, 0.5]);
  assert.deepEqual(s.majority.failingGraphs, [1, 1, 1]);
  assert.equal(s.properlyRandom.fraction, 0.5, 'B moves by TV 1 between seeds, A not at all');
  assert.deepEqual(s.distinctColorings, { mean: 1.5, max: 2 });
  assert.deepEqual(s.order, [1, 0]);
});

test('a near-uniform model whose argmax flips with the seed is not properly random', () => {
  // Colour distributions within ±0.01 of uniform: the argmax changes with every seed, the distributions hardly.
  const near = (c: number): Float32Array => Float32Array.from([0, 1, 2], (i) => (i === c ? 1 / 3 + 0.01 : 1 / 3 - 0.005));
  const colorings = [
    [0, 1, 2, 0],
    [1, 2, 0, 1],
    [2, 0, 1, 2],
  ];
  const r: ColoringReadings = { probs: [colorings.map((c) => c.map(near))], colorings: [colorings] };
  const s = summarizeColorings([GRAPHS[0] as TaskExample], r, 0.5);
  assert.equal(s.distinctColorings.max, 3, 'the argmax changes with every seed');
  assert.equal(s.properlyRandom.fraction, 0);
  assert.ok(s.properlyRandom.meanSpread < 0.05);
});

function coloringConfig(rseBits: number, sizes = [5]): RunConfig {
  const spec: ExperimentSpec = {
    name: 'tiny-coloring',
    tasks: [{ name: 'graph-coloring', trainLengths: sizes, evalLengths: sizes }],
    models: [{ label: 'g', causal: false, layers: 2, dModel: 16 + rseBits, heads: 1, dFf: 16, position: 'none', rseBits }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3 }],
    seeds: [1],
    train: { steps: 2, batchSize: 4, evalExamples: 8 },
  };
  const [c] = expandGrid(spec);
  assert.ok(c);
  return c;
}

test('coloring analysis on a real model: every one of the 12 cycles on 5 vertices under K seeds, the worst graph drawn first', () => {
  for (const rseBits of [0, 4]) {
    const config = coloringConfig(rseBits);
    const task = createTask(config.task) as GraphColoringTask;
    const model = createModel(config.model, 3);
    try {
      const c = coloringAnalysis({ config, task, model }, task, { seeds: rseBits ? 5 : 1, graphs: 100, spreadBound: 0.5, rng: new Rng(1) });
      assert.equal(c.exhaustive, true);
      assert.equal(c.graphs, 12);
      assert.equal(c.seeds, rseBits ? 5 : 1);
      assert.equal(c.examples[0]?.graph, c.worstGraph.index);
      assert.equal(c.examples[0]?.colorings.length, c.seeds);
      assert.equal(c.examples[0]?.edges.length, 5);
      assert.ok(c.properRate >= 0 && c.properRate <= 1);
      assert.ok(c.worstGraph.successRate <= c.success.mean);
      if (rseBits === 0) assert.equal(c.properlyRandom.fraction, 0, 'no seed, nothing can depend on it');
    } finally {
      model.dispose();
    }
  }
});

test('softmax-noise probe: σ = 0 changes nothing, larger σ changes more; analysis.json carries it and the colouring', () => {
  const config = coloringConfig(0, [5, 6]);
  const task = createTask(config.task);
  const model = createModel(config.model, 5);
  try {
    const s = softmaxNoiseAnalysis({ config, task, model }, { sigmas: [0, 0.5, 8], examples: 6, draws: 2, seed: 1, rng: new Rng(2) });
    assert.ok(s);
    assert.deepEqual(s.targets, ['L0', 'L1', 'all']);
    for (let t = 0; t < 3; t++) {
      for (let li = 0; li < 2; li++) {
        assert.equal(s.attentionTv[t]?.[0]?.[li], 0);
        assert.equal(s.outputKl[t]?.[0]?.[li], 0);
        assert.equal(s.outputTv[t]?.[0]?.[li], 0);
        assert.ok(Math.abs((s.loss[t]?.[0]?.[li] as number) - (s.clean.loss[li] as number)) < 1e-6);
        assert.equal(s.exact[t]?.[0]?.[li], s.clean.exact[li]);
        assert.ok((s.attentionTv[t]?.[2]?.[li] as number) > (s.attentionTv[t]?.[1]?.[li] as number), `σ 8 moves the rows more than σ 0.5 (${s.targets[t]})`);
        assert.ok((s.attentionTv[t]?.[1]?.[li] as number) > 0);
      }
    }
    const a = analyzeModel({ config, task, model }, { runId: 'x', experiment: 'e', source: { kind: 'run', checkpoint: null, step: 2 }, settings: defaultAnalysisSettings(config, { randomSeeds: 2, randomInputs: 4, examplesPerLength: 4, noiseSigmas: [0, 1], noiseExamples: 4, noiseDraws: 1, coloringGraphs: 100 }), metrics: [] });
    assert.equal(a.coloring?.graphs, 60, 'every cycle on 6 vertices');
    assert.deepEqual(a.softmaxNoise?.sigmas, [0, 1]);
  } finally {
    model.dispose();
  }
});

test('softmax-noise probe: a bad σ grid and a pass too large for memory are refused with the numbers; linear attention has no probe', () => {
  const shape = { maxTokens: 64, layers: 2, heads: 4, vocab: 100 };
  assert.throws(() => checkNoiseProbe({ sigmas: [0, -1], examples: 8, draws: 1 }, shape), /σ\[1\] = -1 must be a finite number ≥ 0/);
  assert.throws(() => checkNoiseProbe({ sigmas: [], examples: 8, draws: 1 }, shape), /empty/);
  assert.throws(() => checkNoiseProbe({ sigmas: Array.from({ length: 65 }, (_, i) => i), examples: 8, draws: 1 }, shape), /65 σ values are more than 64/);
  assert.equal(noiseProbeBytes(64, 2048, 2, 4, 100), 2 * 4 * 64 * (8 * 2048 * 2048 + 2048 * 100));
  assert.throws(() => checkNoiseProbe({ sigmas: [1], examples: 64, draws: 1 }, { ...shape, maxTokens: 2048 }), /64 sequences × 2048 tokens holds 16\d\d\d MiB .* more than 512 MiB/);
  const config = coloringConfig(0);
  const linear = { ...config, model: { ...config.model, attention: 'linear' as const, init: 'fan-in' as const } };
  const task = createTask(linear.task);
  const model = createModel(linear.model, 1);
  try {
    assert.equal(softmaxNoiseAnalysis({ config: linear, task, model }, { sigmas: [0, 1], examples: 2, draws: 1, seed: 1, rng: new Rng(1) }), null);
  } finally {
    model.dispose();
  }
});
