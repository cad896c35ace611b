/**
 * Two `run`s racing into one output folder (issue 11 §3): with file-system latency (400 ms
 * injected into every mkdir of the experiment folder by a preloaded module, as on a network file
 * system) two specs of one name still get two folders, each with its own experiment.json, runs
 * and metrics.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentFile } from '../../src/protocol/runFolder';
import { exited, readRun, runDirs, startCli, tempDir, tinySpec, writeSpec } from './helpers';

/** Preloaded into both CLIs: every mkdir of a path whose last part starts with "race" waits 400 ms first. */
const SLOW_MKDIR = `
const fs = require('node:fs');
const path = require('node:path');
const original = fs.mkdirSync;
fs.mkdirSync = function (p, ...rest) {
  if (path.basename(String(p)).startsWith('race')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
  return original.call(this, p, ...rest);
};
`;

test('two runs of one experiment name started together get two folders, never one merged', async () => {
  const dir = tempDir('race');
  const preload = path.join(dir, 'slow-mkdir.cjs');
  fs.writeFileSync(preload, SLOW_MKDIR);
  const out = path.join(dir, 'runs');
  const specs = [
    writeSpec(dir, tinySpec({ name: 'race', seeds: [1], train: { steps: 4, batchSize: 4, evalEvery: 4, evalExamples: 4, logEvery: 2 } }), 'a.json'),
    writeSpec(dir, tinySpec({ name: 'race', seeds: [2], train: { steps: 4, batchSize: 4, evalEvery: 4, evalExamples: 4, logEvery: 2 } }), 'b.json'),
  ];
  const env = { NODE_OPTIONS: `--require ${preload}` };
  const children = specs.map((s) => startCli(['run', s, '--backend', 'wasm', '--parallel', '1', '--out', out], { env }));
  const codes = await Promise.all(children.map((c) => exited(c, 180_000)));
  codes.forEach((c, i) => assert.equal(c.code, 0, children[i]?.output()));
  assert.deepEqual(fs.readdirSync(out).sort(), ['race', 'race-2']);
  const seeds = new Set<number>();
  for (const name of ['race', 'race-2']) {
    const exp = path.join(out, name);
    const file = JSON.parse(fs.readFileSync(path.join(exp, 'experiment.json'), 'utf8')) as ExperimentFile;
    assert.equal(file.name, name);
    assert.equal(file.runs.length, 1);
    const runs = runDirs(exp);
    assert.deepEqual(runs.map((r) => path.basename(r)), file.runs, `${name} holds only its own run`);
    const run = readRun(runs[0] as string);
    assert.equal(run.experiment, name);
    assert.equal(run.status, 'completed');
    assert.deepEqual(file.spec.seeds, [run.config.seed], `${name}: experiment.json and run.json come from the same spec`);
    seeds.add(run.config.seed);
  }
  assert.deepEqual([...seeds].sort(), [1, 2]);
});
