/**
 * The evolution-strategies population in worker processes (es/populationPool.ts): the same ĝ and
 * the same run bit for bit as in one process, the runner's share of --parallel, a dead worker
 * failing its run with the reason, cancellation ending the workers.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { primaryTestBackend, useTestBackend } from '../backends/testBackend';
import { GridWorldTrainer } from '../../src/engine/es/gridWorldTrainer';
import { ProcessPopulation, SerialPopulation, pairBlocks } from '../../src/engine/es/populationPool';
import { runTraining } from '../../src/engine/train/runTraining';
import { populationShare, runExperiment, type RunnerEvent } from '../../src/engine/experiment/runner';
import { listCheckpoints, readMetrics, readRunFile } from '../../src/core/experiment/runFolder';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { GRID_WORLD_FILE } from '../../src/protocol/runFolder';
import { tempDir } from '../integration/helpers';
import { gridRunConfig } from './gridWorldConfig';

before(async () => {
  await useTestBackend(primaryTestBackend('cpu'));
});

/** Live es-worker processes among this test process's descendants (its children, or a run worker's). */
function esWorkers(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const procs = out
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }));
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (ours.has(p.ppid) && !ours.has(p.pid)) {
      ours.add(p.pid);
      grew = true;
    }
  }
  return procs.filter((p) => p.pid !== process.pid && ours.has(p.pid) && p.args.includes('es-worker.js')).map((p) => p.pid);
}

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('pairs split into contiguous blocks; the runner gives a run the cores no other run uses', () => {
  assert.deepEqual(pairBlocks(5, 2), [[0, 1], [2, 3, 4]]);
  assert.deepEqual(pairBlocks(4, 8), [[0], [1], [2], [3]]);
  assert.deepEqual(pairBlocks(3, 1), [[0, 1, 2]]);
  // 12 runs on 2 cores: each run alone in its process; 1 run with --parallel 2: two processes.
  assert.equal(populationShare(2, 12), 1);
  assert.equal(populationShare(2, 1), 2);
  assert.equal(populationShare(8, 3), 2);
  assert.equal(populationShare(undefined, 1, 4), 4);
  assert.equal(populationShare(1000, 1), 64, 'the spec limit on parallel holds');
});

test('a population in 2 and 3 processes gives the same ĝ, θ and losses bit for bit as in one', async () => {
  const config = gridRunConfig({ population: 10 });
  const serial = new GridWorldTrainer(config);
  const losses: number[][] = [];
  const thetas: Float32Array[] = [];
  try {
    assert.ok(serial.population instanceof SerialPopulation);
    const l: number[] = [];
    for (let i = 0; i < 3; i++) l.push((await serial.trainStep(true)).gradNorm);
    losses.push(l);
    thetas.push(serial.theta);
  } finally {
    serial.dispose();
  }
  for (const processes of [2, 3]) {
    const t = new GridWorldTrainer(config);
    try {
      const pool = await ProcessPopulation.start(t.fitness, config, processes);
      t.setPopulation(pool);
      assert.equal(pool.processes, processes);
      assert.equal(esWorkers().length, processes - 1);
      const l: number[] = [];
      for (let i = 0; i < 3; i++) l.push((await t.trainStep(true)).gradNorm);
      losses.push(l);
      thetas.push(t.theta);
    } finally {
      t.dispose();
    }
  }
  assert.ok((losses[0] as number[]).every((g) => g > 0), 'the estimate is zero: the test could not tell');
  assert.deepEqual(losses[1], losses[0]);
  assert.deepEqual(losses[2], losses[0]);
  assert.deepEqual(Array.from(thetas[1] as Float32Array), Array.from(thetas[0] as Float32Array));
  assert.deepEqual(Array.from(thetas[2] as Float32Array), Array.from(thetas[0] as Float32Array));
  await waitFor('the workers end with their trainer', () => esWorkers().length === 0);
});

test('one grid-world run with --parallel 2 fans its population out and trains exactly as with --parallel 1', async () => {
  const out = tempDir('es-pool');
  const c = gridRunConfig();
  const spec: ExperimentSpec = {
    name: 'grid',
    tasks: [c.task],
    models: [{ label: 'R', causal: true, layers: 1, heads: 2, dModel: 16, dFf: 32, position: 'learned', rseBits: 4 }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 0.03, weightDecay: 0 }],
    seeds: [5],
    train: { steps: 6, seedsPerInput: 4, q: [4], evalExamples: 32, evalEvery: 3, logEvery: 1, schedule: { kind: 'constant' } },
  };
  // While the run trains, count the population's worker processes (grandchildren: the run's worker forks them).
  const seen = (counts: number[]) => (e: RunnerEvent): void => {
    if (e.type === 'run/progress' && e.step >= 2) counts.push(esWorkers().length);
  };
  const alone: number[] = [];
  const fanned: number[] = [];
  const one = await runExperiment(spec, out, { backend: 'cpu', parallel: 1, onEvent: seen(alone) });
  const two = await runExperiment(spec, out, { backend: 'cpu', parallel: 2, onEvent: seen(fanned) });
  assert.ok(alone.length > 0 && alone.every((n) => n === 0), `with --parallel 1 no population worker: ${alone.join(', ')}`);
  assert.ok(fanned.length > 0 && fanned.every((n) => n === 1), `with --parallel 2 one population worker beside the run: ${fanned.join(', ')}`);
  for (const o of [one, two]) assert.equal(o.runs[0]?.status, 'completed', o.runs[0]?.error ?? '');
  const strip = (dir: string): unknown[] => readMetrics(dir).map((m) => ({ ...m, wallTime: 0 }));
  const a = (one.runs[0] as { runDir: string }).runDir;
  const b = (two.runs[0] as { runDir: string }).runDir;
  assert.ok(strip(a).length > 6);
  assert.deepEqual(strip(b), strip(a));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(b, GRID_WORLD_FILE), 'utf8')), JSON.parse(fs.readFileSync(path.join(a, GRID_WORLD_FILE), 'utf8')));
});

test('a worker that dies fails its run with the reason; a cancelled run checkpoints and ends its workers', async () => {
  const dir = tempDir('es-crash');
  const config = gridRunConfig({ train: { steps: 400 } });
  let killed = false;
  const end = await runTraining({
    runDir: dir,
    experiment: 'g',
    config,
    backend: 'cpu',
    resume: false,
    populationProcesses: 2,
    isCancelled: (step) => {
      if (step === 2 && !killed) {
        const [pid] = esWorkers();
        assert.ok(pid, 'no es-worker process is running');
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
      return false;
    },
    onEvent: () => undefined,
    yieldToEventLoop: () => new Promise((r) => setTimeout(r, 20)),
  });
  assert.equal(end.status, 'failed');
  assert.match(end.error ?? '', /an evolution-strategies worker process stopped: killed by SIGKILL/);
  assert.equal(readRunFile(dir).status, 'failed');
  await waitFor('no worker left', () => esWorkers().length === 0);

  const dir2 = tempDir('es-cancel');
  const cancelled = await runTraining({
    runDir: dir2,
    experiment: 'g',
    config,
    backend: 'cpu',
    resume: false,
    populationProcesses: 3,
    isCancelled: (step) => {
      if (step === 1) assert.equal(esWorkers().length, 2);
      return step >= 3;
    },
    onEvent: () => undefined,
  });
  assert.equal(cancelled.status, 'cancelled', cancelled.error ?? '');
  assert.equal(listCheckpoints(dir2).at(-1)?.step, 3);
  await waitFor('the cancelled run ends its workers', () => esWorkers().length === 0);
});
