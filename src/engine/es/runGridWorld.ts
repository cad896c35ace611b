/**
 * runTraining for a grid-world run (evolution strategies): run.json, metrics.jsonl (train records:
 * loss = L̂_q in steps, accuracy = the found fraction, gradNorm = ‖ĝ‖; eval records) and, at the
 * end, grid-world.json (GridWorldAnalysis). No checkpoints: a cancelled or interrupted grid-world
 * run starts again from step 0 (its runs take seconds to minutes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalResult, RunFile } from '../../protocol/runFolder';
import { GRID_WORLD_FILE, METRICS_FILE, RUN_FILE } from '../../protocol/runFolder';
import { writeJsonAtomic } from '../../core/io/atomicWrite';
import { MetricsWriter, ownerHere, readRunFile, writeRunFile } from '../../core/experiment/runFolder';
import { newRunFile } from '../experiment/newRunFile';
import { versions } from '../versions';
import type { RunEnd, RunTrainingOptions } from '../train/runTraining';
import { GridWorldTrainer } from './gridWorldTrainer';

export async function runGridWorldTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  const { runDir, config } = opts;
  const report = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => {
    // The run's end is runTraining's result (protocol/runner.ts), not an event.
    return { runId: config.id, status, error, final };
  };
  let run: RunFile;
  try {
    fs.mkdirSync(runDir, { recursive: true });
    const original = fs.existsSync(path.join(runDir, RUN_FILE)) ? readRunFile(runDir) : null;
    if (opts.resume && original?.status === 'completed' && original.final !== null && fs.existsSync(path.join(runDir, GRID_WORLD_FILE))) {
      return report('completed', null, original.final);
    }
    run = structuredClone(original) ?? newRunFile(opts.experiment, config, 'running');
  } catch (err) {
    return report('failed', err instanceof Error ? err.message : String(err), null);
  }
  // No checkpoints: every start is from step 0.
  run = { ...run, status: 'running', backend: opts.backend, error: null, step: 0, final: null, versions: versions(), ...ownerHere() };
  run.timings = { ...run.timings, startedAt: new Date().toISOString(), endedAt: null, trainSeconds: 0, evalSeconds: 0 };
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => {
    run.status = status;
    run.error = error;
    run.final = final;
    run.timings.endedAt = new Date().toISOString();
    try {
      writeRunFile(runDir, run);
    } catch (err) {
      error = `${error ? `${error}; ` : ''}run.json not updated: ${err instanceof Error ? err.message : String(err)}`;
    }
    return report(status, error, final);
  };
  let trainer: GridWorldTrainer | null = null;
  let metrics: MetricsWriter | null = null;
  try {
    const t = new GridWorldTrainer(config);
    trainer = t;
    run.parameters = t.parameterCount();
    run.optimizerStateBytes = 0;
    writeRunFile(runDir, run);
    fs.rmSync(path.join(runDir, METRICS_FILE), { force: true });
    const m = new MetricsWriter(path.join(runDir, METRICS_FILE));
    metrics = m;
    const train = config.train;
    const started = performance.now();
    const wall = (): number => (performance.now() - started) / 1000;
    const evaluate = (): EvalResult[] => {
      const e0 = performance.now();
      const results = t.evaluate();
      run.timings.evalSeconds += (performance.now() - e0) / 1000;
      m.append({ kind: 'eval', step: t.step, wallTime: wall(), results });
      opts.onEvent({ type: 'run/eval', runId: config.id, step: t.step, results });
      return results;
    };
    let lastProgress = 0;
    while (t.step < train.steps) {
      if (opts.isCancelled(t.step)) {
        m.close();
        return end('cancelled', null, null);
      }
      const s = t.step;
      const last = s === train.steps - 1;
      const log = s % train.logEvery === 0 || last;
      const t0 = performance.now();
      const r = t.trainStep(log);
      run.timings.trainSeconds += (performance.now() - t0) / 1000;
      if (log) m.append({ kind: 'train', wallTime: wall(), ...r });
      const now = performance.now();
      if (now - lastProgress > 200 || last) {
        lastProgress = now;
        opts.onEvent({ type: 'run/progress', runId: config.id, step: t.step, totalSteps: train.steps, loss: r.loss, lr: r.lr, wallTime: wall() });
      }
      if (!last && train.evalEvery > 0 && t.step % train.evalEvery === 0) evaluate();
      if (opts.yieldToEventLoop) await opts.yieldToEventLoop();
    }
    const final = evaluate();
    m.close();
    run.step = t.step;
    run.optimizerStateBytes = t.optimizer.stateBytes();
    writeJsonAtomic(path.join(runDir, GRID_WORLD_FILE), t.analyze());
    return end('completed', null, final);
  } catch (err) {
    try {
      metrics?.close();
    } catch {
      // the run is failing already
    }
    return end('failed', err instanceof Error ? err.message : String(err), null);
  } finally {
    trainer?.dispose();
  }
}
