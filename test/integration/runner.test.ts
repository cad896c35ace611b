/** The worker-thread pool: parallel runs, cancellation, a crashed worker, determinism. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunnerEvent } from '../../src/engine/experiment/runner';
import { listCheckpoints, readExperimentFile, readMetrics, readRunFile } from '../../src/core/experiment/runFolder';
import { tempDir, tinySpec } from './helpers';

test('runs an experiment in two workers and leaves complete run folders', async () => {
  const out = tempDir('pool');
  const spec = tinySpec({ optimizers: [{ name: 'adamw', lr: 3e-3 }, { name: 'lion', lr: 1e-3 }], seeds: [1, 2] });
  const events: RunnerEvent[] = [];
  const outcome = await runExperiment(spec, out, { backend: 'wasm', parallel: 2, onEvent: (e) => events.push(e) });
  assert.equal(outcome.runs.length, 4);
  assert.deepEqual(outcome.backends, ['wasm']);
  assert.ok(outcome.runs.every((r) => r.status === 'completed'), JSON.stringify(outcome.runs.map((r) => r.error)));
  const exp = readExperimentFile(outcome.dir);
  assert.deepEqual(exp.runs, outcome.runs.map((r) => r.id));
  for (const r of outcome.runs) {
    const run = readRunFile(r.runDir);
    assert.equal(run.status, 'completed');
    assert.equal(run.backend, 'wasm');
    assert.equal(run.step, 12);
    assert.ok(run.timings.startedAt && run.timings.endedAt && run.timings.trainSeconds > 0);
    assert.ok(readMetrics(r.runDir).length > 0);
    assert.equal(listCheckpoints(r.runDir).at(-1)?.step, 12);
  }
  assert.ok(events.some((e) => e.type === 'run/progress'));
  assert.equal(events.filter((e) => e.type === 'run/end').length, 4);

  // Same seed and backend → same metrics (wall time aside), even across workers and experiments.
  const again = await runExperiment(spec, out, { backend: 'wasm', parallel: 1 });
  assert.equal(path.basename(again.dir), 'tiny-2', 'an existing experiment folder is never overwritten');
  for (let i = 0; i < 4; i++) {
    const strip = (dir: string): unknown[] => readMetrics(dir).map((m) => ({ ...m, wallTime: 0 }));
    assert.deepEqual(strip((again.runs[i] as { runDir: string }).runDir), strip((outcome.runs[i] as { runDir: string }).runDir));
  }
});

test('cancelling stops running runs with a checkpoint and marks queued ones cancelled', async () => {
  const out = tempDir('cancel');
  const spec = tinySpec({ seeds: [1, 2, 3], train: { steps: 400, batchSize: 8, evalEvery: 1000, evalExamples: 8, logEvery: 10, checkpointEvery: 0 } });
  const controller = new AbortController();
  const outcome = await runExperiment(spec, out, {
    backend: 'wasm',
    parallel: 1,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'run/progress' && e.step >= 20) controller.abort();
    },
  });
  const statuses = outcome.runs.map((r) => r.status);
  assert.deepEqual(statuses, ['cancelled', 'cancelled', 'cancelled']);
  const first = readRunFile((outcome.runs[0] as { runDir: string }).runDir);
  assert.ok(first.step >= 20 && first.step < 400);
  assert.equal(listCheckpoints((outcome.runs[0] as { runDir: string }).runDir).at(-1)?.step, first.step, 'the reached step is checkpointed');
  const queued = readRunFile((outcome.runs[2] as { runDir: string }).runDir);
  assert.equal(queued.status, 'cancelled');
  assert.equal(queued.step, 0);
});

test('a worker that dies fails its run with the reason and the pool goes on', async () => {
  const out = tempDir('crash');
  const script = path.join(out, 'dying-worker.js');
  fs.writeFileSync(script, 'process.exit(3);\n');
  const outcome = await runExperiment(tinySpec({ seeds: [1, 2] }), out, { backend: 'wasm', parallel: 1, workerScript: script });
  assert.deepEqual(outcome.runs.map((r) => r.status), ['failed', 'failed']);
  assert.match(outcome.runs[0]?.error ?? '', /training worker stopped: exit code 3/);
  const run = readRunFile((outcome.runs[0] as { runDir: string }).runDir);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /exit code 3/);
});

test('the pool also runs its workers as child processes (the native backend does): runs, cancel, crash', async () => {
  const out = tempDir('proc');
  const done = await runExperiment(tinySpec({ seeds: [1, 2] }), out, { backend: 'wasm', parallel: 2, workerMode: 'process' });
  assert.deepEqual(done.runs.map((r) => r.status), ['completed', 'completed']);
  assert.deepEqual(done.backends, ['wasm']);
  // same numbers as in worker threads
  const threads = await runExperiment(tinySpec({ seeds: [1, 2] }), out, { backend: 'wasm', parallel: 1 });
  const strip = (dir: string): unknown[] => readMetrics(dir).map((m) => ({ ...m, wallTime: 0 }));
  assert.deepEqual(strip((done.runs[1] as { runDir: string }).runDir), strip((threads.runs[1] as { runDir: string }).runDir));

  const controller = new AbortController();
  const long = tinySpec({ seeds: [1, 2], train: { steps: 400, batchSize: 8, evalEvery: 1000, evalExamples: 8, logEvery: 10 } });
  const cancelled = await runExperiment(long, out, {
    backend: 'wasm',
    parallel: 1,
    workerMode: 'process',
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'run/progress' && e.step >= 10) controller.abort();
    },
  });
  assert.deepEqual(cancelled.runs.map((r) => r.status), ['cancelled', 'cancelled']);
  const first = readRunFile((cancelled.runs[0] as { runDir: string }).runDir);
  assert.equal(listCheckpoints((cancelled.runs[0] as { runDir: string }).runDir).at(-1)?.step, first.step);

  const script = path.join(out, 'dying-process.js');
  fs.writeFileSync(script, 'process.exit(4);\n');
  const crashed = await runExperiment(tinySpec(), out, { backend: 'wasm', parallel: 1, workerMode: 'process', workerScript: script });
  assert.equal(crashed.runs[0]?.status, 'failed');
  assert.match(crashed.runs[0]?.error ?? '', /training worker stopped: exit code 4/);
});
