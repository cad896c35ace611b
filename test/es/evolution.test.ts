import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { Rng, hashSeed } from '../../src/core/random';
import { antitheticEstimate, normalNoise, pairNoise } from '../../src/engine/es/evolution';
import { Agent, agentLayout, initAgent } from '../../src/engine/es/agent';
import { GridWorldTrainer, checkPopulationFits } from '../../src/engine/es/gridWorldTrainer';
import type { RunConfig } from '../../src/protocol/config';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTraining } from '../../src/engine/train/runTraining';
import { readMetrics, readRunFile } from '../../src/core/experiment/runFolder';
import { GRID_WORLD_FILE, type GridWorldAnalysis } from '../../src/protocol/gridWorld';
import { analyzePath } from '../../src/engine/analysis/analyzeModel';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

test('ES by hand: F(θ) = −θ² at θ = 1, σ = 0.1', () => {
  const theta = Float32Array.of(1);
  const f = (c: Float32Array): number => -((c[0] as number) ** 2);
  // One pair, ε = 1: (F(1.1) − F(0.9)) / (2 · 0.1) = (−1.21 + 0.81) / 0.2 = −2 = F'(1).
  const one = antitheticEstimate(theta, f, 1, 0.1, () => Float32Array.of(1));
  assert.ok(Math.abs((one.gradient[0] as number) + 2) < 1e-5, String(one.gradient[0]));
  assert.ok(Math.abs((one.plus[0] as number) + 1.21) < 1e-6 && Math.abs((one.minus[0] as number) + 0.81) < 1e-6);
  // Two pairs, ε = 1 and 2: (−0.4 · 1 + (−1.44 + 0.64) · 2) / (2 · 0.1 · 2) = −2 / 0.4 = −5,
  // which is the closed form (1/N) Σ ε² · F'(1) = (1 + 4)/2 · (−2).
  const two = antitheticEstimate(theta, f, 2, 0.1, (i) => Float32Array.of(i + 1));
  assert.ok(Math.abs((two.gradient[0] as number) + 5) < 1e-5, String(two.gradient[0]));
});

/** F(θ) = −½ (θ − a)ᵀ A (θ − a) with A symmetric positive definite; ∇F = −A(θ − a). */
function quadratic(n: number): { f: (c: Float32Array) => number; grad: (c: Float32Array) => number[] } {
  const rng = new Rng(7);
  const a = Array.from({ length: n }, () => rng.normal());
  const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  const A = B.map((_, i) => B.map((__, j) => B.reduce((s, row) => s + (row[i] as number) * (row[j] as number), 0) / n + (i === j ? 1 : 0)));
  const Ax = (c: Float32Array): number[] => A.map((row) => row.reduce((s, v, j) => s + v * ((c[j] as number) - (a[j] as number)), 0));
  return {
    f: (c) => -0.5 * Ax(c).reduce((s, v, i) => s + v * ((c[i] as number) - (a[i] as number)), 0),
    grad: (c) => Ax(c).map((v) => -v),
  };
}

test('ES on a quadratic equals its closed form (1/N) Σ ε εᵀ ∇F exactly, and ∇F on average', () => {
  const n = 6;
  const { f, grad } = quadratic(n);
  const theta = Float32Array.from({ length: n }, (_, i) => 0.3 * i - 0.5);
  const g = grad(theta);
  const pairs = 5;
  const noise = pairNoise(12345, n);
  const est = antitheticEstimate(theta, f, pairs, 0.05, noise);
  // Closed form from the same perturbations: the odd part of a quadratic is linear, so each pair gives ε εᵀ ∇F.
  const closed = new Array<number>(n).fill(0);
  for (let i = 0; i < pairs; i++) {
    const e = noise(i);
    const dot = g.reduce((s, v, j) => s + v * (e[j] as number), 0);
    for (let j = 0; j < n; j++) closed[j] = (closed[j] as number) + (dot * (e[j] as number)) / pairs;
  }
  const scale = Math.max(...closed.map(Math.abs));
  for (let j = 0; j < n; j++) assert.ok(Math.abs((est.gradient[j] as number) - (closed[j] as number)) < 1e-3 * scale, `${j}: ${est.gradient[j]} vs ${closed[j]}`);
  // The estimate is not the gradient with 5 pairs (a test that could not fail would pass here)…
  const err5 = Math.hypot(...g.map((v, j) => v - (est.gradient[j] as number)));
  // …but is unbiased: with 4,000 pairs it is within a few standard errors (‖∇F‖·√((n + 1)/N) per norm).
  const many = antitheticEstimate(theta, f, 4000, 0.05, pairNoise(99, n));
  const err = Math.hypot(...g.map((v, j) => v - (many.gradient[j] as number)));
  const norm = Math.hypot(...g);
  assert.ok(err < 3 * norm * Math.sqrt((n + 1) / 4000), `error ${err} vs ‖∇F‖ ${norm}`);
  assert.ok(err5 > err, `5 pairs ${err5}, 4,000 pairs ${err}`);
  assert.throws(() => antitheticEstimate(theta, f, 0, 0.05, noise), /pairs = 0/);
  assert.throws(() => antitheticEstimate(theta, f, 1, 0, noise), /σ = 0/);
  assert.throws(() => antitheticEstimate(theta, () => NaN, 1, 0.1, noise), /not finite/);
});

test('the agent: deterministic given θ and the seed; with RSE the seed changes the path, without it nothing does', () => {
  const layout = agentLayout({ dModel: 16, heads: 2, layers: 1, dFf: 32, rseBits: 4 }, 13, 9);
  const theta = initAgent(layout, 3);
  const agent = new Agent(layout, theta);
  const token = (c: number): number => 4 + c;
  const seeds = Array.from({ length: 16 }, (_, i) => normalNoise(new Rng(i), new Float32Array(4)));
  const paths = seeds.map((s) => agent.explore(s, 3, 8, token).join(','));
  assert.deepEqual(paths, seeds.map((s) => new Agent(layout, theta).explore(s, 3, 8, token).join(',')));
  assert.ok(new Set(paths).size > 1, 'a random agent with RSE should not ignore its seed');
  const none = agentLayout({ dModel: 16, heads: 2, layers: 1, dFf: 32, rseBits: 0 }, 13, 9);
  const plain = new Agent(none, initAgent(none, 3));
  assert.equal(new Set(seeds.map(() => plain.explore(new Float32Array(0), 3, 8, token).join(','))).size, 1);
  assert.throws(() => agentLayout({ dModel: 15, heads: 2, layers: 1, dFf: 0, rseBits: 0 }, 13, 9), /multiple of heads/);
});

function gridConfig(optimizer: RunConfig['optimizer'], rseBits = 4): RunConfig {
  return {
    id: 'g',
    seed: 5,
    task: { name: 'grid-world', trainLengths: [3], evalLengths: [3], options: { population: 8, sigmaMilli: 50 } },
    model: { causal: true, layers: 1, dModel: 16, heads: 2, dFf: 32, attention: 'softmax', keySize: 8, valueSize: 8, embedding: 'learned', init: 'gpt2', norm: 'layer', vocabSize: 13, maxLen: 9, position: 'none', randomizePositions: false, positionRange: 9, positionEval: 'random', embedScale: 1, attentionScaling: 'standard', lognBase: 512, trainLength: 9, rseBits, rseProjection: false, nar: null },
    optimizer,
    train: { steps: 3, batchSize: 1, accumulate: 1, schedule: { kind: 'constant' }, gradClip: 0, evalEvery: 0, evalExamples: 32, logEvery: 1, checkpointEvery: 0, q: 4, seedsPerInput: 4, qWarmup: 0 },
  };
}

test('the trainer hands −ĝ to the optimizer: plain SGD at lr 1 moves θ by exactly ĝ', async () => {
  const t = new GridWorldTrainer(gridConfig({ name: 'sgd', lr: 1, momentum: 0, weightDecay: 0 }));
  try {
    const before = t.theta.slice();
    // The same estimate, recomputed outside the trainer from its step-0 seeds and perturbations.
    const seeds = t.drawSeeds(new Rng(hashSeed(5, 0x5eed, 0)), 4);
    const noise = pairNoise(hashSeed(5, 0xe5, 0), t.layout.size);
    const est = antitheticEstimate(before, (c) => -t.objective(c, seeds, 4).objective / 9, 4, 0.05, noise);
    const r = await t.trainStep(true);
    let moved = 0;
    for (let i = 0; i < before.length; i++) {
      assert.ok(Math.abs((t.theta[i] as number) - (before[i] as number) - (est.gradient[i] as number)) < 1e-5, `θ[${i}]`);
      moved += Math.abs((t.theta[i] as number) - (before[i] as number));
    }
    assert.ok(moved > 0, 'the step moved nothing');
    assert.equal(r.step, 0);
    assert.ok(r.loss >= 1 && r.loss <= 9, String(r.loss));
    const [e] = t.evaluate();
    assert.equal(e?.length, 3);
    const a = t.analyze();
    assert.equal(a.meanFirstVisit[0], 0);
    assert.ok(a.worstSteps >= a.meanSteps);
    assert.ok(a.trajectories.every((p) => p.length === 9 && p[0] === 0));
  } finally {
    t.dispose();
  }
});

test('Lion and Tiger take ES pseudo-gradients too; a population that cannot fit is refused with the numbers', async () => {
  for (const optimizer of [
    { name: 'lion', lr: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0 },
    { name: 'tiger', lr: 0.01, beta: 0.945, weightDecay: 0, shrink: 0.5 },
  ] as const) {
    const t = new GridWorldTrainer(gridConfig(optimizer));
    try {
      const before = t.theta.slice();
      await t.trainStep(false);
      assert.ok(t.theta.some((v, i) => v !== before[i]), `${optimizer.name} did not move θ`);
    } finally {
      t.dispose();
    }
  }
  assert.throws(() => checkPopulationFits(4096, 1_000_000, 8, 9), /population of 4096 needs 7813\.\d MiB \(2048 pairs × 1000000 parameters × 4 bytes of perturbations \+ 4096 candidates × 8 seeds × 9 cells × 4 bytes of fitness tables\), more than 1024\.0 MiB/);
  assert.doesNotThrow(() => checkPopulationFits(48, 3000, 8, 9));
});

test('a grid-world run through runTraining: run.json, metrics, grid-world.json; analyze explains there is no checkpoint', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-grid-'));
  try {
    const config = gridConfig({ name: 'adamw', lr: 0.03, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    const events: string[] = [];
    const end = await runTraining({ runDir: dir, experiment: 'g', config, backend: 'cpu', resume: false, isCancelled: () => false, onEvent: (m) => events.push(m.type) });
    assert.equal(end.status, 'completed', end.error ?? '');
    assert.equal(end.final?.[0]?.length, 3);
    const run = readRunFile(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.step, 3);
    const metrics = readMetrics(dir);
    assert.deepEqual(metrics.filter((m) => m.kind === 'train').map((m) => m.step), [0, 1, 2]);
    assert.equal(metrics.filter((m) => m.kind === 'eval').length, 1);
    const analysis = JSON.parse(fs.readFileSync(path.join(dir, GRID_WORLD_FILE), 'utf8')) as GridWorldAnalysis;
    assert.equal(analysis.seeds, 32);
    assert.equal(analysis.trajectories.length, 8);
    // The run's end is runTraining's result (above), not an event; progress and evaluations are events.
    assert.ok(events.includes('run/progress') && events.includes('run/eval'), events.join(', '));
    assert.ok(!events.includes('run/end'));
    await assert.rejects(analyzePath(dir), /grid-world run is trained by evolution strategies/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
