/**
 * kill -9 at seeded random moments (issue 11): a run is killed — the whole process group, only
 * its worker, or only the runner, drawn from a seeded schedule — at random points, then brought
 * back with `status` and `resume`, until it completes. Every checkpoint ever left under its final
 * name loads, and the end result is the uninterrupted run's: metrics.jsonl record for record,
 * analysis.json, and the final weights byte for byte.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint/checkpoint';
import { Rng } from '../../src/core/random';
import { analysisOf, assertSameWeights, cli, exited, history, readRun, runDirs, startCli, tempDir, tinySpec, waitFor, writeSpec } from './helpers';

const SEED = 20261203;
const spec = tinySpec({
  name: 'k9',
  optimizers: [{ name: 'lion', lr: 1e-3 }],
  train: { steps: 120, batchSize: 8, evalEvery: 30, evalExamples: 8, logEvery: 5, checkpointEvery: 10, schedule: { kind: 'constant' } },
});

let reference = '';
before(() => {
  const dir = tempDir('k9-ref');
  const r = cli(['run', writeSpec(dir, spec), '--backend', 'wasm', '--out', path.join(dir, 'runs')], { timeoutMs: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  reference = runDirs(path.join(dir, 'runs', 'k9'))[0] as string;
});

/** The pid of the CLI's training worker (its child running worker.js). */
function workerPid(cliPid: number): number | null {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === cliPid && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('worker.js')) return Number(name);
    } catch {
      // gone
    }
  }
  return null;
}

test(`kill -9 at seeded random points (seed ${SEED}) loses nothing`, async (t) => {
  if (!fs.existsSync('/proc/self/stat')) {
    t.skip('needs /proc to find the worker process');
    return;
  }
  const rng = new Rng(SEED);
  const dir = tempDir('k9');
  const out = path.join(dir, 'runs');
  const specFile = writeSpec(dir, spec);
  const exp = path.join(out, 'k9');
  const kills: string[] = [];
  for (let round = 0; round < 3; round++) {
    const runDir = fs.existsSync(exp) ? (runDirs(exp)[0] as string) : null;
    if (runDir && readRun(runDir).status === 'completed') break;
    const child = runDir ? startCli(['resume', runDir, '--backend', 'wasm']) : startCli(['run', specFile, '--backend', 'wasm', '--parallel', '1', '--out', out]);
    const start = Date.now();
    // Wait until the run trains, then a random while longer: 0–2.5 s, which lands anywhere in a step, a checkpoint or an evaluation.
    await waitFor(() => fs.existsSync(exp) && runDirs(exp).some((r) => fs.existsSync(path.join(r, 'metrics.jsonl')) && readRun(r).status === 'running'), 'training', 120_000);
    await new Promise((r) => setTimeout(r, Math.floor(rng.next() * 2500)));
    const target = ['group', 'worker', 'runner'][Math.floor(rng.next() * 3)] as string;
    const pid = child.pid as number;
    if (child.exitCode === null) {
      if (target === 'group') process.kill(-pid, 'SIGKILL');
      else if (target === 'runner') process.kill(pid, 'SIGKILL');
      else {
        const w = workerPid(pid);
        if (w !== null) process.kill(w, 'SIGKILL');
      }
      kills.push(`${target} after ${Date.now() - start} ms`);
    }
    await exited(child, 120_000);
    // An orphaned worker (runner killed) saves its state and ends on its own.
    await waitFor(() => readRun(runDirs(exp)[0] as string).status !== 'running' || cli(['status', exp]).status === 0, 'the run to settle', 60_000);
    await waitFor(() => readRun(runDirs(exp)[0] as string).status !== 'running', 'status to repair the run', 60_000);
  }
  const runDir = runDirs(exp)[0] as string;
  for (let i = 0; i < 3 && readRun(runDir).status !== 'completed'; i++) {
    const r = cli(['resume', runDir, '--backend', 'wasm'], { timeoutMs: 180_000 });
    assert.equal(r.status, 0, `final resume after kills ${kills.join(', ')}: ${r.stderr}`);
  }
  assert.equal(readRun(runDir).status, 'completed', kills.join(', '));
  for (const name of fs.readdirSync(path.join(runDir, 'checkpoints'))) {
    assert.match(name, /^step-\d+\.safetensors$/, `leftover ${name}`);
    await loadCheckpoint(path.join(runDir, 'checkpoints', name));
  }
  assert.deepEqual(history(runDir), history(reference), `metrics.jsonl after kills ${kills.join(', ')}`);
  assert.deepEqual(analysisOf(runDir), analysisOf(reference), 'analysis.json');
  await assertSameWeights(path.join(runDir, 'checkpoints', 'step-120.safetensors'), path.join(reference, 'checkpoints', 'step-120.safetensors'));
  t.diagnostic(`kills: ${kills.join(', ')}`);
});
