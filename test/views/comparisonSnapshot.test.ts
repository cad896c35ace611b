import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { comparedRunDirs, comparisonTitle, readComparisonSnapshot } from '../../src/extension/views/comparisonSnapshot';
import { problemOf } from '../../src/protocol/rpc';
import { HOST_VIEW_GUARDS } from '../../src/protocol/views';
import { comparisonTable, metricSeries, seedGroups } from '../../webview/dashboard/shapeData';
import { quickConfigs, tempDir, writeExperiment, writeRun } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);
const configs = quickConfigs();
const seed2 = configs.slice(0, 2).map((c) => ({ ...c, seed: 2, id: c.id.replace(/-s1$/, '-s2') }));

/** Two experiments holding runs with the same ids (the quick preset run twice), seeds 1 and 2 in the first. */
function twoExperiments(): { a: string[]; b: string[] } {
  const expA = writeExperiment(dir, 'quick', [...configs.slice(0, 2), ...seed2]);
  const expB = writeExperiment(dir, 'quick-2', configs.slice(0, 2));
  return {
    a: [
      writeRun(expA, configs[0]!, { status: 'completed', steps: 50, a: 2 }),
      writeRun(expA, seed2[0]!, { status: 'completed', steps: 50, a: 4 }),
      writeRun(expA, configs[1]!, { status: 'completed', steps: 50, a: 1 }),
    ],
    b: [writeRun(expB, configs[0]!, { status: 'running', steps: 30, a: 8 }), writeRun(expB, configs[1]!, { status: 'running', steps: 30, a: 1 })],
  };
}

test('a selection across two experiments holds exactly the selected runs, ids qualified by experiment', () => {
  const { a, b } = twoExperiments();
  const snap = readComparisonSnapshot([a[0]!, a[1]!, b[0]!, a[0]!]);
  assert.equal(snap.name, 'Comparison of 3 selected runs');
  assert.deepEqual(snap.problems, []);
  assert.equal(snap.dir, dir);
  assert.deepEqual(
    snap.runs.map((r) => r.dir),
    [a[0], a[1], b[0]],
  );
  const id0 = configs[0]!.id;
  assert.deepEqual(
    snap.runs.map((r) => r.run.id),
    [`quick/${id0}`, `quick/${seed2[0]!.id}`, `quick-2/${id0}`],
  );
  // The metrics are the selected folders' own (loss at step 0 is `a` of each run).
  assert.deepEqual(
    snap.runs.map((r) => r.metrics[0]?.kind === 'train' && r.metrics[0].loss),
    [2, 4, 8],
  );
});

test('the two seeds of one experiment share a group; the same run id of another experiment does not', () => {
  const { a, b } = twoExperiments();
  const snap = readComparisonSnapshot([a[0]!, a[1]!, b[0]!]);
  const groups = seedGroups(snap.runs);
  assert.deepEqual(
    groups.map((g) => [g.label, g.runs.length]),
    [
      [`quick/${configs[0]!.id.replace(/-s1$/, '')}`, 2],
      [`quick-2/${configs[0]!.id.replace(/-s1$/, '')}`, 1],
    ],
  );
  const curves = metricSeries(snap.runs, { source: 'train', metric: 'loss' });
  assert.equal(curves[0]?.points[0]?.y, 3, 'seed mean of 2 and 4');
  assert.equal(curves[1]?.points[0]?.y, 8);
  const table = comparisonTable(snap.runs, 8);
  assert.deepEqual(
    table.rows.map((r) => r.seeds),
    [2, 1],
  );
});

test('runs of a single experiment keep their ids; an unreadable folder is a problem line, not a throw', () => {
  const { a } = twoExperiments();
  const broken = path.join(dir, 'quick', 'broken-run');
  fs.mkdirSync(broken, { recursive: true });
  fs.writeFileSync(path.join(broken, 'run.json'), '{ not json');
  const snap = readComparisonSnapshot([a[0]!, a[2]!, broken]);
  assert.deepEqual(
    snap.runs.map((r) => r.run.id),
    [configs[0]!.id, configs[1]!.id],
  );
  assert.equal(snap.problems.length, 1);
  assert.match(snap.problems[0]!, /broken-run.*run\.json: not valid JSON/);
  assert.equal(comparisonTitle(1), 'Comparison of 1 selected run');
});

test('the dashboard message carries the comparison and the restored state gives the selection back', () => {
  const { a, b } = twoExperiments();
  const runDirs = [a[0]!, b[0]!];
  const payload = { experiments: [], focus: null, comparison: { runDirs, snapshot: readComparisonSnapshot(runDirs) } };
  const guard = HOST_VIEW_GUARDS.events['dashboard/data'];
  assert.equal(problemOf(guard, JSON.parse(JSON.stringify(payload))), null);
  assert.equal(problemOf(guard, { ...payload, comparison: { snapshot: {} } }), '$.comparison.runDirs must be an array (got undefined)');
  assert.deepEqual(comparedRunDirs({ metric: 'train:loss', compare: runDirs }), runDirs);
  for (const state of [undefined, null, {}, { compare: null }, { compare: [] }, { compare: [1] }, { compare: [''] }, { compare: 'x' }]) {
    assert.equal(comparedRunDirs(state), null, JSON.stringify(state));
  }
});
