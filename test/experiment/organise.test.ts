import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTags, renameExperiment, renameProblem, writeRunAnnotations } from '../../src/core/experiment/organise';
import { readExperimentFile, readRunFile, RunFolderError, writeRunFile } from '../../src/core/experiment/runFolder';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { filterRuns } from '../../webview/dashboard/grouping';
import { quickConfigs, tempDir, writeExperiment, writeRun } from '../views/fixtures';

const { dir, cleanup } = tempDir('al-organise-test-');
test.after(cleanup);
const configs = quickConfigs();

function experiment(name: string): string {
  const exp = writeExperiment(dir, name, configs.slice(0, 2));
  writeRun(exp, configs[0]!, { status: 'completed', steps: 20, a: 1 });
  writeRun(exp, configs[1]!, { status: 'running', steps: 20, a: 1 });
  return exp;
}

test('tags: comma-separated, trimmed, duplicates (any case) once, bad ones refused with the reason', () => {
  assert.deepEqual(parseTags(' baseline, lr-sweep ,,Baseline, good run '), ['baseline', 'lr-sweep', 'good run']);
  assert.deepEqual(parseTags(''), []);
  assert.throws(() => parseTags('x'.repeat(41)), /at most 40 characters, got 41/);
  assert.throws(() => parseTags(Array.from({ length: 21 }, (_, i) => `t${i}`).join(',')), /at most 20 tags per run, got 21/);
});

test('tags and note go into run.json; a later write by the training process keeps them', () => {
  const exp = experiment('annotate');
  const runDir = path.join(exp, configs[1]!.id);
  // What a training process read before the user edited the run…
  const stale = readRunFile(runDir);
  writeRunAnnotations(runDir, { tags: ['baseline', 'lr-sweep'], note: '  diverged once at step 300  ' });
  let run = readRunFile(runDir);
  assert.deepEqual(run.tags, ['baseline', 'lr-sweep']);
  assert.equal(run.note, 'diverged once at step 300');
  // …and writes at its next checkpoint: the edit stays.
  writeRunFile(runDir, { ...stale, step: 10 });
  run = readRunFile(runDir);
  assert.equal(run.step, 10);
  assert.deepEqual(run.tags, ['baseline', 'lr-sweep']);
  assert.equal(run.note, 'diverged once at step 300');
  // Empty removes them; a field not given is kept.
  writeRunAnnotations(runDir, { tags: [] });
  run = readRunFile(runDir);
  assert.equal(run.tags, undefined);
  assert.equal(run.note, 'diverged once at step 300');
  writeRunAnnotations(runDir, { note: ' ' });
  assert.equal(readRunFile(runDir).note, undefined);
});

test('a run.json with malformed tags is refused naming the JSON path', () => {
  const exp = experiment('malformed');
  const runDir = path.join(exp, configs[0]!.id);
  const file = path.join(runDir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), tags: ['ok', 3] }));
  assert.throws(() => readRunFile(runDir), (e: Error) => e instanceof RunFolderError && /\$\.tags\[1\]: expected a string, found number/.test(e.message));
});

test('the dashboard filter finds runs by tag (also as #tag) and by a word of the note', () => {
  const exp = experiment('filter');
  writeRunAnnotations(path.join(exp, configs[0]!.id), { tags: ['baseline'], note: 'the reference run' });
  const snap = readExperimentSnapshot(exp);
  assert.deepEqual(filterRuns(snap.runs, '#baseline').map((r) => r.run.id), [configs[0]!.id]);
  assert.deepEqual(filterRuns(snap.runs, 'REFERENCE').map((r) => r.run.id), [configs[0]!.id]);
  assert.equal(filterRuns(snap.runs, '/^baseline$/').length, 1);
});

test('rename: the folder, experiment.json and each run.json take the new name; bad names and taken ones are refused', () => {
  const exp = experiment('before');
  experiment('taken');
  assert.match(renameProblem(dir, exp, 'has space') ?? '', /letters, digits/);
  assert.match(renameProblem(dir, exp, 'taken') ?? '', /already exists/);
  assert.equal(renameProblem(dir, exp, 'before'), null, 'the same name is no problem (nothing to do)');
  assert.throws(() => renameExperiment(exp, 'taken'), /already exists/);
  const { dir: moved, skipped } = renameExperiment(exp, 'after');
  assert.deepEqual(skipped, []);
  assert.equal(moved, path.join(dir, 'after'));
  assert.equal(fs.existsSync(exp), false);
  assert.equal(readExperimentFile(moved).name, 'after');
  for (const c of configs.slice(0, 2)) assert.equal(readRunFile(path.join(moved, c.id)).experiment, 'after');
});
