/** The pure computations of the analyses, against hand values and constructed predictions. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { headQueryEntropy, normalizedEntropy, rowEntropy } from '../../src/core/analysis/attentionEntropyMath';
import { failureKinds } from '../../src/engine/analysis/lengthGeneralization';
import { majorityAnswer, majorityVoteCurve, mean, percentile, qNormValue, sampleStd, slope, stats, variance } from '../../src/core/analysis/statistics';
import { groupLabel, headlineLength, markdownTable, robustnessGrids, seedBand } from '../../src/core/analysis/summarizeExperiment';
import { Rng } from '../../src/core/random';
import type { RunSummary } from '../../src/protocol/analysis';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test('a uniform row has entropy ln n and normalized entropy 1; a one-hot row has 0', () => {
  for (const n of [2, 3, 7, 64]) {
    const uniform = new Array<number>(n).fill(1 / n);
    close(rowEntropy(uniform), Math.log(n), 1e-12);
    close(normalizedEntropy(rowEntropy(uniform), n) as number, 1, 1e-12);
    const hot = new Array<number>(n).fill(0);
    hot[n - 1] = 1;
    assert.equal(rowEntropy(hot), 0);
    assert.equal(normalizedEntropy(rowEntropy(hot), n), 0);
  }
  // a hand value: [1/2, 1/4, 1/4] → H = 1.5 ln 2
  close(rowEntropy([0.5, 0.25, 0.25]), 1.5 * Math.log(2));
});

test('normalized entropy stays in [0, 1] for random rows and is undefined for one key', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 200; trial++) {
    const n = rng.int(2, 40);
    const raw = Array.from({ length: n }, () => Math.exp(4 * rng.normal()));
    const sum = raw.reduce((a, b) => a + b, 0);
    const h = normalizedEntropy(rowEntropy(raw.map((x) => x / sum)), n) as number;
    assert.ok(h >= 0 && h <= 1, `h = ${h}`);
  }
  assert.equal(normalizedEntropy(0, 1), null);
});

test('headQueryEntropy averages H over the batch per head and query, null where a query sees one key', () => {
  // B = 2, H = 1, T = 2, causal: query 0 sees 1 key, query 1 sees 2.
  // example 0, query 1: [0.5, 0.5] (H = ln 2); example 1, query 1: [1, 0] (H = 0) → mean ln2 / 2, h = 0.5.
  const probs = [1, 0, 0.5, 0.5, 1, 0, 1, 0];
  const { entropy, normalized } = headQueryEntropy(probs, 2, 1, 2, [1, 2]);
  close(entropy[0]?.[1] as number, Math.log(2) / 2);
  assert.equal(normalized[0]?.[0], null);
  close(normalized[0]?.[1] as number, 0.5);
});

test('variance, std, percentile and slope match hand values', () => {
  close(variance([0, 1, 0, 1]), 0.25);
  close(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  assert.equal(sampleStd([3]), 0);
  assert.equal(percentile([5, 1, 4, 2, 3], 95), 5);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95), 19);
  close(slope([0, 1, 2], [1, 3, 5]) as number, 2);
  assert.equal(slope([1], [1]), null);
  // 95 % interval of 1 and 3: 2 ± t(0.975; 1)·√2/√2 = 2 ± 12.706.
  const two = stats([1, null, 3]);
  assert.deepEqual({ ...two, ci95: null }, { mean: 2, std: Math.SQRT2, min: 1, max: 3, count: 2, ci95: null });
  close(two.ci95?.halfWidth as number, 12.706204736, 1e-6);
  close(two.ci95?.low as number, 2 - 12.706204736, 1e-6);
  assert.equal(stats([4]).ci95, null);
});

test('q-norm of per-input losses: a hand value, q = 1 is the mean, large q approaches the worst', () => {
  // (mean of [1, 8]^(1/3)... ) use q = 3 on [1, 2]: ((1 + 8) / 2)^(1/3) = 4.5^(1/3)
  close(qNormValue([1, 2], 3), Math.cbrt(4.5));
  const losses = [0.3, 1.7, 0.9, 2.4];
  close(qNormValue(losses, 1), mean(losses));
  const big = qNormValue(losses, 200);
  assert.ok(big <= 2.4 && big > 2.38, `q = 200 gives ${big}`);
});

test('majority vote: ties go to the answer that reached the count first; the curve over seeds', () => {
  assert.deepEqual(majorityAnswer([[1], [2], [2], [1]]), [2]);
  assert.deepEqual(majorityAnswer([[1], [2]]), [1]);
  // Input 0: right under seeds 0 and 2 → curve k=1 right, k=2 tie [5] first → right, k=3 right.
  // Input 1: wrong, right, right → k=1 wrong, k=2 tie → first ([9]) wrong, k=3 right.
  const answers = [
    [[5], [6], [5]],
    [[9], [4], [4]],
  ];
  const truths = [[5], [4]];
  assert.deepEqual(majorityVoteCurve(answers, truths), [0.5, 0.5, 1]);
});

test('failure kinds split answers into correct, wrong shape and wrong values', () => {
  const f = failureKinds([
    { exact: 1, shape: 1, parse: 1, clrs: 1 },
    { exact: 0, shape: 0, parse: 1, clrs: 0 },
    { exact: 0, shape: 1, parse: 1, clrs: 0.5 },
    { exact: 0, shape: 1, parse: 0, clrs: 0.5 },
  ]);
  assert.deepEqual(f, { correct: 0.25, wrongShape: 0.5, wrongValues: 0.25 });
});

test('summary helpers: seed groups, headline length, seed bands, robustness grid, Markdown', () => {
  assert.equal(groupLabel('sort-base-standard-lion-lr0.0003-s12'), 'sort-base-standard-lion-lr0.0003');
  assert.equal(headlineLength([8, 12, 16], [4, 8]), 8);
  assert.equal(headlineLength([16, 32], [4, 8]), 16);
  const band = seedBand('loss', [
    { steps: [0, 10, 20], values: [3, 2, 1] },
    { steps: [0, 10], values: [5, 4] },
  ]);
  assert.deepEqual(band.steps, [0, 10]);
  assert.deepEqual(band.mean, [4, 3]);
  close(band.std[0] as number, Math.SQRT2);
  const run = (lr: number, wd: number, loss: number, diverged = false): RunSummary =>
    ({ optimizer: 'lion', lr, weightDecay: wd, diverged, chanceLoss: 3, final: [{ length: 8, loss, exact: 0, clrs: 0 }] }) as unknown as RunSummary;
  const [grid] = robustnessGrids([run(1e-4, 0.1, 1), run(1e-4, 0.1, 3), run(3e-4, 0.1, 2), run(1e-4, 1, 5), run(3e-4, 1, 2.5), run(3e-4, 1, 1e9, true)], 8);
  assert.ok(grid);
  // The cell with a diverged run shows no mean (not a huge number); divergedRuns says why.
  assert.deepEqual(grid.meanFinalLoss.values, [
    [2, 2],
    [5, null],
  ]);
  assert.deepEqual(grid.divergedRuns?.values, [
    [0, 0],
    [0, 1],
  ]);
  assert.deepEqual(grid.runs?.values, [
    [2, 1],
    [1, 2],
  ]);
  assert.equal(grid.chanceLoss, 3);
  close(grid.stdFinalLoss.values[0]?.[0] as number, Math.SQRT2);
  // Two values 1 and 3: half-width t(0.975; 1)·√2/√2 = 12.706.
  close(grid.ciFinalLoss?.values[0]?.[0] as number, 12.706204736, 1e-6);
  assert.equal(grid.ciFinalLoss?.values[0]?.[1], null, 'one seed: no interval');
  assert.equal(markdownTable(['a', 'b'], [['x|y', 1.5]]), '| a | b |\n|---|---|\n| x\\|y | 1.500 |');
});
