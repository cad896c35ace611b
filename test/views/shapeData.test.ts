import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunFile } from '../../src/protocol/runFolder';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { comparisonTable, groupLabel, lengthGrid, meanStd, metricSeries, parseMetric, seedGroups } from '../../webview/dashboard/shapeData';
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
