import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunFile } from '../../src/protocol/runFolder';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { coloringCurves, coloringGraphs, comparisonTable, gridWorldData, groupLabel, lengthGrid, meanStd, metricSeries, noiseChoices, noiseCurves, parseMetric, seedGroups } from '../../webview/dashboard/shapeData';
import { ANALYSIS_VERSION, type AnalysisFile } from '../../src/protocol/analysis';
import type { RunSnapshot } from '../../src/protocol/viewData';
import type { RunConfig } from '../../src/protocol/config';
import { intervalsSeparateBest } from '../../webview/charts/bestValue';
import { quickConfigs, tempDir, writeExperiment, writeRun } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);
const configs = quickConfigs();
const seed2 = configs.slice(0, 2).map((c) => ({ ...c, seed: 2, id: c.id.replace(/-s1$/, '-s2') }));

function experiment() {
  const exp = writeExperiment(dir, 'q', [...configs.slice(0, 2), ...seed2]);
  writeRun(exp, configs[0]!, { status: 'completed', steps: 50, a: 2 });
  writeRun(exp, seed2[0]!, { status: 'completed', steps: 50, a: 4 });
  writeRun(exp, configs[1]!, { status: 'running', steps: 30, a: 1 });
  writeRun(exp, seed2[1]!, { status: 'running', steps: 20, a: 1 });
  return readExperimentSnapshot(path.join(dir, 'q'));
}

test('runs group across seeds by id without the seed suffix, in grid order', () => {
  const e = experiment();
  assert.equal(groupLabel(e.runs[0]!.run), configs[0]!.id.replace(/-s1$/, ''));
  assert.deepEqual(seedGroups(e.runs).map((g) => g.runs.length), [2, 2]);
});

test('curves are the seed mean with the sample std as band; steps only one seed reached have no band', () => {
  const e = experiment();
  const [a, b] = metricSeries(e.runs, { source: 'train', metric: 'loss' });
  // step 0: losses 2 and 4 → mean 3, sample std √2.
  assert.deepEqual(a?.points[0], { x: 0, y: 3, std: Math.SQRT2 });
  assert.equal(a?.label.endsWith('(2 seeds)'), true);
  // group b: seed 1 logged steps 0, 10, 20; seed 2 logged 0, 10 → step 20 has one value, no band.
  assert.deepEqual(b?.points.map((p) => p.x), [0, 10, 20]);
  assert.equal(b?.points[2]?.std, undefined);
  assert.deepEqual(meanStd([]).mean, NaN);
});

test('the comparison table gives final scores per group with 95 % intervals; groups without a final evaluation show null', () => {
  const t = comparisonTable(experiment().runs, 8);
  assert.equal(t.rows.length, 2);
  assert.equal(t.rows[0]?.exact, 0.5);
  assert.equal(t.rows[0]?.exactCi, 0, 'two runs, equal values: an interval of width 0');
  assert.equal(t.rows[0]?.n, 2);
  assert.equal(t.rows[1]?.exact, null);
  assert.equal(t.rows[1]?.exactCi, null);
  assert.deepEqual([t.rows[1]?.seeds, t.rows[1]?.n], [2, 0]);
  assert.equal(t.rows[0]?.optimizer, configs[0]!.optimizer.name);
  assert.deepEqual(t.columns.find((c) => c.key === 'loss')?.interval, { low: 'lossLow', high: 'lossHigh' });
});

test('a best value is marked only where the intervals separate, and never from one run', () => {
  const iv = { low: 'lo', high: 'hi' };
  const rows = [
    { v: 0.1, lo: 0.05, hi: 0.15 },
    { v: 0.3, lo: 0.2, hi: 0.4 },
    { v: null, lo: null, hi: null }, // a group that never trained takes no part
  ];
  assert.equal(intervalsSeparateBest(rows, 'v', 0.1, iv), true);
  assert.equal(intervalsSeparateBest([rows[0]!, { v: 0.3, lo: 0.12, hi: 0.48 }], 'v', 0.1, iv), false, 'overlap');
  assert.equal(intervalsSeparateBest([{ v: 0.1, lo: null, hi: null }, rows[1]!], 'v', 0.1, iv), false, 'one run: no interval');
  assert.equal(intervalsSeparateBest([rows[0]!, { v: 0.3, lo: null, hi: null }], 'v', 0.1, iv), false, 'the other has one run');
});

test('the length grid has groups × evaluation lengths with the training boundary marked', () => {
  const g = lengthGrid(experiment().runs, 'exact');
  assert.deepEqual(g.data.columnLabels, ['n=8', 'n=12']);
  assert.deepEqual(g.data.values[0], [0.5, 0.1]);
  assert.ok(g.data.values[1]?.every((v) => Number.isNaN(v)));
  assert.equal(g.splitAfterColumn, 0);
});

test('metric choices parse, and unknown ones fall back to training loss', () => {
  assert.deepEqual(parseMetric('eval:exact@12'), { source: 'eval', metric: 'exact', length: 12 });
  assert.deepEqual(parseMetric('train:gradNorm'), { source: 'train', metric: 'gradNorm' });
  assert.deepEqual(parseMetric('eval:bogus@3'), { source: 'train', metric: 'loss' });
});

test('the comparison table: a group whose runs never started has no state size or train time (nothing to mark best)', () => {
  const exp = writeExperiment(dir, 'never', [configs[0]!, configs[1]!]);
  writeRun(exp, configs[0]!, { status: 'completed', steps: 50, a: 2 });
  const idle = writeRun(exp, configs[1]!, { status: 'cancelled', steps: 0, a: 1 });
  // What the runner leaves for a queued run that was cancelled: no start, no state, no time.
  const run = JSON.parse(fs.readFileSync(path.join(idle, 'run.json'), 'utf8')) as RunFile;
  fs.writeFileSync(path.join(idle, 'run.json'), JSON.stringify({ ...run, optimizerStateBytes: 0, timings: { ...run.timings, startedAt: null, trainSeconds: 0 } }));
  const t = comparisonTable(readExperimentSnapshot(exp).runs, 8);
  assert.deepEqual([t.rows[0]?.stateKiB, t.rows[0]?.trainSeconds], [8000 / 1024, 3]);
  assert.deepEqual([t.rows[1]?.stateKiB, t.rows[1]?.trainSeconds, t.rows[1]?.n], [null, null, 0]);
});

test('softmax-noise curves: one line per seed group over σ, mean ± std across its seeds; colouring charts from the analysis', () => {
  const run = (id: string, seed: number) => ({ ...configs[0]!, id: `${id}-s${seed}`, seed });
  const probe = (exact: number) => ({
    sigmas: [0, 1],
    lengths: [8, 16],
    targets: ['L0', 'all'],
    examples: 4,
    draws: 1,
    attentionScaling: 'standard',
    clean: { loss: [0, 0], exact: [1, 1] },
    attentionTv: [[[0, 0], [0.1, 0.2]], [[0, 0], [0.3, 0.4]]],
    outputKl: [[[0, 0], [0.5, 0.6]], [[0, 0], [0.7, 0.8]]],
    outputTv: [[[0, 0], [0, 0]], [[0, 0], [0, 0]]],
    loss: [[[0, 0], [0, 0]], [[0, 0], [0, 0]]],
    exact: [[[1, 1], [0.9, 0.8]], [[1, 1], [exact, 0.5]]],
  });
  const snap = (id: string, seed: number, exact: number) => {
    const r = run(id, seed);
    return { dir: `/x/${r.id}`, run: { id: r.id, config: r } as unknown as RunSnapshot['run'], metrics: [], analysis: { version: ANALYSIS_VERSION, kind: 'run-analysis', softmaxNoise: probe(exact) } };
  };
  const runs = [snap('std', 1, 0.6), snap('std', 2, 0.8), snap('logn', 1, 0.9)];
  const curves = noiseCurves(runs, 'exact', 'all', 8);
  assert.deepEqual(curves.map((c) => c.label), ['std (2 seeds)', 'logn']);
  assert.deepEqual(curves[0]?.points[0], { x: 0, y: 1, std: 0 });
  assert.equal(curves[0]?.points[1]?.x, 1);
  assert.ok(Math.abs((curves[0]?.points[1]?.y as number) - 0.7) < 1e-12);
  assert.ok(Math.abs((curves[0]?.points[1]?.std as number) - Math.sqrt(0.02)) < 1e-12);
  assert.deepEqual(curves[1]?.points, [{ x: 0, y: 1 }, { x: 1, y: 0.9 }]);
  assert.deepEqual(noiseCurves(runs, 'outputKl', 'L0', 16)[1]?.points, [{ x: 0, y: 0 }, { x: 1, y: 0.6 }]);
  assert.deepEqual(noiseChoices(runs), { lengths: [8, 16], targets: ['L0', 'all'] });

  const coloring = {
    version: ANALYSIS_VERSION,
    kind: 'run-analysis',
    coloring: {
      length: 4, graphKind: 'cycle', view: 'neighbours', exhaustive: true, rseBits: 4, colors: 3, graphs: 3, seeds: 2, properRate: 0.5,
      conflicts: { mean: 1, worst: 2 }, expectedMonochromatic: { mean: 1, worst: 2 },
      success: { mean: 0.5, p5: 0, atZero: 0.3, atOne: 0.3, histogram: { edges: [], fractions: [] } },
      worstGraph: { index: 2, successRate: 0, meanConflicts: 2, meanExpectedMonochromatic: 2 }, failingGraphs: 1 / 3,
      bestOfK: { seeds: [1, 2], mean: [0.5, 0.6], worst: [0, 0] }, majority: { seeds: [1, 2], proper: [0.5, 0.5], failingGraphs: [1, 1] },
      properlyRandom: { bound: 0.5, fraction: 0.25, meanSpread: 0.3 }, distinctColorings: { mean: 1.5, max: 2 },
      examples: [{ graph: 2, ids: ['v0', 'v1', 'v2', 'v3'], edges: [[0, 1], [1, 2], [2, 3], [0, 3]], colorings: [[0, 0, 1, 2], [1, 1, 0, 2]], conflicts: [1, 1], successRate: 0 }],
    },
  } as unknown as AnalysisFile;
  const graphs = coloringGraphs(coloring);
  assert.equal(graphs.length, 1);
  assert.equal(graphs[0]?.note, "the adversary's graph, proper under 0 % of 2 seed(s)");
  assert.deepEqual(coloringCurves(coloring).map((c) => c.points.map((p) => p.y)), [[0.5, 0.6], [0, 0], [0.5, 0.5]]);
});

test('grid-world explorations: grid-world.json read with the run, shaped for the trajectories chart; anything else is null', () => {
  const { dir: root, cleanup } = tempDir();
  const [config] = quickConfigs();
  const dir = writeExperiment(root, 'g', [config as RunConfig]);
  const runDir = writeRun(dir, config as RunConfig, { status: 'completed', steps: 10, a: 1 });
  const analysis = { version: 1, side: 3, budget: 8, seeds: 16, rseBits: 4, q: 16, meanSteps: 4.5, worstCell: 4, worstSteps: 6, found: 1, meanFirstVisit: [0, 4, 4, 3, 6, 4, 4, 5, 6], distinctTrajectories: 2, trajectories: [[0, 1, 2, 5, 4, 3, 6, 7, 8], [0, 3, 6, 7, 8, 5, 2, 1, 4]] };
  fs.writeFileSync(path.join(runDir, 'grid-world.json'), JSON.stringify(analysis));
  const snap = readExperimentSnapshot(dir).runs.find((r) => r.dir === runDir) as RunSnapshot;
  const data = gridWorldData(snap);
  assert.ok(data);
  assert.equal(data.side, 3);
  assert.equal(data.worstCell, 4);
  assert.deepEqual(data.trajectories, analysis.trajectories);
  assert.equal(data.note, 'over 16 evaluation seeds: mean 4.50 steps, worst case 6.00, 2 distinct paths');
  assert.equal(gridWorldData({ ...snap, gridWorld: { ...analysis, version: 2 } }), null);
  assert.equal(gridWorldData({ ...snap, gridWorld: { ...analysis, trajectories: [['a']] } }), null);
  assert.equal(gridWorldData({ ...snap, gridWorld: undefined }), null);
  cleanup();
});
