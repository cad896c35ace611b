import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { aggregateCurves, groupCurves, type RunCurve } from '../../webview/dashboard/curves';
import { colorIndexes, filterRuns, groupKey, groupRuns } from '../../webview/dashboard/grouping';
import { optimCurve, optimSeries, stateSizes, tensorHeatmap, tigerGroups } from '../../webview/dashboard/optimizerData';
import { preparePoints } from '../../webview/charts/linePoints';
import { quickConfigs, tempDir, writeExperiment, writeRun } from './fixtures';

const { dir, cleanup } = tempDir('al-curves-test-');
test.after(cleanup);
const configs = quickConfigs();
const seed2 = configs.slice(0, 2).map((c) => ({ ...c, seed: 2, id: c.id.replace(/-s1$/, '-s2') }));

function experiment() {
  const exp = writeExperiment(dir, 'c', [...configs.slice(0, 2), ...seed2]);
  writeRun(exp, configs[0]!, { status: 'completed', steps: 50, a: 2, optim: true });
  writeRun(exp, seed2[0]!, { status: 'completed', steps: 50, a: 4, optim: true });
  writeRun(exp, configs[1]!, { status: 'running', steps: 30, a: 1, optim: true });
  writeRun(exp, seed2[1]!, { status: 'running', steps: 20, a: 1 });
  return readExperimentSnapshot(path.join(dir, 'c'));
}

const curve = (pairs: [number, number, number | null][]): RunCurve => new Map(pairs.map(([s, v, w]) => [s, { value: v, wall: w }]));

test('band kinds: sample std, min–max, and the Student-t 95 % interval of the mean (t₀.₉₇₅,₂ = 4.303)', () => {
  const runs = [curve([[0, 1, 0]]), curve([[0, 2, 0]]), curve([[0, 6, 0]])];
  // mean 3, sample std √7 (deviations −2, −1, 3: 14 / 2).
  const [std] = aggregateCurves(runs, 'std', 'step');
  assert.equal(std?.y, 3);
  assert.ok(Math.abs((std?.std ?? 0) - Math.sqrt(7)) < 1e-12);
  const [mm] = aggregateCurves(runs, 'minmax', 'step');
  assert.deepEqual([mm?.lo, mm?.hi], [1, 6]);
  const [ci] = aggregateCurves(runs, 'ci95', 'step');
  const half = (4.302652729911275 * Math.sqrt(7)) / Math.sqrt(3);
  assert.ok(Math.abs((ci?.lo ?? 0) - (3 - half)) < 1e-6 && Math.abs((ci?.hi ?? 0) - (3 + half)) < 1e-6, `${ci?.lo} ${ci?.hi}`);
  const [none] = aggregateCurves(runs, 'none', 'step');
  assert.deepEqual(none, { x: 0, y: 3 });
  // One run at a step: no spread to show.
  assert.deepEqual(aggregateCurves([curve([[5, 2, 1]])], 'ci95', 'step'), [{ x: 5, y: 2 }]);
});

test('wall-time x is the mean wall time of the runs at that step; steps without one are left out', () => {
  const pts = aggregateCurves([curve([[0, 1, 10], [10, 2, null]]), curve([[0, 3, 20]])], 'none', 'wallTime');
  assert.deepEqual(pts, [{ x: 15, y: 2 }]);
});

test('group by a factor pools the other factors; keys and colours stay stable under a filter', () => {
  const e = experiment();
  assert.deepEqual(groupRuns(e.runs, 'config').map((g) => g.runs.length), [2, 2]);
  assert.deepEqual(groupRuns(e.runs, 'optimizer').map((g) => g.key), [configs[0]!.optimizer.name, configs[1]!.optimizer.name]);
  assert.equal(groupRuns(e.runs, 'scaling').length, 1, 'both configurations use the same scaling');
  assert.match(groupKey(e.runs[0]!.run, 'lr'), /^lr [\d.e-]+$/);
  assert.match(groupKey(e.runs[0]!.run, 'model'), /^\d+L·d\d+·\d+h·/);
  const colours = colorIndexes(e.runs, 'config');
  const second = groupRuns(e.runs, 'config')[1]!.key;
  // Filtered to the second group only: the same colour index (1) as unfiltered, not 0.
  const filtered = filterRuns(e.runs, second);
  assert.equal(filtered.length, 2);
  const series = groupCurves(filtered, () => curve([[0, 1, 0]]), { groupBy: 'config', band: 'std', x: 'step', seeds: false, colors: colours });
  assert.deepEqual(series.map((s) => [s.id, s.colorIndex]), [[second, 1]]);
});

test('filter: case-insensitive text, /regex/, and an invalid pattern matched as text', () => {
  const e = experiment();
  assert.equal(filterRuns(e.runs, '').length, 4);
  assert.equal(filterRuns(e.runs, configs[0]!.optimizer.name.toUpperCase()).length, 2);
  assert.deepEqual(filterRuns(e.runs, '/-s2$/').map((r) => r.run.config.seed), [2, 2]);
  assert.equal(filterRuns(e.runs, '/[/').length, 0);
});

test('individual runs: one member line per run of a group, in the group colour, hidden with it', () => {
  const e = experiment();
  const series = groupCurves(e.runs, () => curve([[0, 1, 0]]), { groupBy: 'config', band: 'std', x: 'step', seeds: true });
  const leaders = series.filter((s) => s.member === undefined);
  const members = series.filter((s) => s.member !== undefined);
  assert.equal(leaders.length, 2);
  assert.equal(members.length, 4);
  for (const m of members) assert.equal(m.colorIndex, leaders.find((l) => l.id === m.member)?.colorIndex);
});

test('smoothing keeps the raw value beside the EMA, and the band bounds are smoothed alike', () => {
  const pts = preparePoints({ id: 'a', label: 'a', points: [{ x: 0, y: 0, lo: -1, hi: 1 }, { x: 1, y: 10, lo: 9, hi: 11 }] }, 0.5, false, false);
  assert.deepEqual(pts.map((p) => p.raw), [0, 10]);
  // Debiased EMA (TensorBoard's): the second value is (0.5·0 + 10·0.5·1)/(1 − 0.25)·… — strictly between raw 0 and 10.
  assert.ok(pts[1]!.y > 0 && pts[1]!.y < 10);
  assert.ok(pts[1]!.lo! < pts[1]!.y && pts[1]!.hi! > pts[1]!.y);
  // Log x drops x ≤ 0.
  assert.deepEqual(preparePoints({ id: 'a', label: 'a', points: [{ x: 0, y: 1 }, { x: 2, y: 1 }] }, 0, true, false).map((p) => p.x), [2]);
});

test('optimizer diagnostics: per-run curves from the optim records, grouped with seed bands', () => {
  const e = experiment();
  const first = e.runs.find((r) => r.run.id === configs[0]!.id)!;
  // Fixture: update RMS a·0.01/(1 + s/10) with a = 2; wall time s/100.
  assert.deepEqual(optimCurve(first, 'updateRms').get(10), { value: 0.01, wall: 0.1 });
  // sign agreement is null at step 0 (no step before) and left out.
  assert.equal(optimCurve(first, 'signAgreement').has(0), false);
  // NaN events: one at step 20, cumulative.
  assert.deepEqual([0, 10, 20, 30].map((s) => optimCurve(first, 'nanEvents').get(s)?.value), [0, 0, 1, 1]);
  assert.equal(optimCurve(first, 'matrixWeightRms').get(10)?.value, 0.1 + (2 * 10) / 1000);
  const upd = optimSeries(e.runs, 'updateRms', { groupBy: 'config', band: 'std', x: 'step', seeds: false });
  // Group 1: a = 2 and 4 at step 0 → 0.02 and 0.04, mean 0.03, sample std 0.01·√2.
  assert.ok(Math.abs(upd[0]!.points[0]!.y - 0.03) < 1e-12);
  assert.ok(Math.abs(upd[0]!.points[0]!.std! - 0.01 * Math.SQRT2) < 1e-12);
  // Group 2: only one run recorded diagnostics → no band.
  assert.equal(upd[1]!.points[0]!.std, undefined);
});

test('optimizer state per group and per-tensor heatmaps; Tiger groups are found', () => {
  const e = experiment();
  const sizes = stateSizes(e.runs, 'config');
  assert.deepEqual(sizes.groups[0]!.values, [8000 / 1024, 8000 / 1024]);
  const group = groupRuns(e.runs, 'config')[0]!;
  const h = tensorHeatmap(group.runs, 'updateRms');
  assert.deepEqual(h?.rowLabels, ['embed.token', 'blocks.0.attn.qkv.kernel']);
  // Mean over the two seeds at step 0: (0.02 + 0.04) / 2, and twice that for the second tensor.
  assert.ok(Math.abs(h!.values[0]![0]! - 0.03) < 1e-12 && Math.abs(h!.values[1]![0]! - 0.06) < 1e-12);
  const tiger = configs.slice(0, 2).some((c) => c.optimizer.name === 'tiger');
  assert.equal(tigerGroups(e.runs, 'config').length > 0, tiger);
  if (!tiger) assert.equal(tensorHeatmap(group.runs, 'effectiveStep'), null, 'no effective step outside Tiger');
});
