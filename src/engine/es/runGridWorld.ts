/**
 * runTraining for a grid-world run (evolution strategies): run.json, metrics.jsonl (train records:
 * loss = L̂_q in steps, accuracy = the found fraction, gradNorm = ‖ĝ‖; eval records), safetensors
 * checkpoints like every run (the agent's parameters under their names and the optimizer's state;
 * every `checkpointEvery` steps, when cancelled and at the end) and, at the end, grid-world.json
 * (GridWorldAnalysis). A resumed run continues from its newest valid checkpoint (a damaged one is
 * skipped with a warning) and ends bit-identical to an uninterrupted run: each step's seeds and
 * perturbations come from (seed, step) alone. The population is evaluated in this process or in
 * `populationProcesses` processes (populationPool.ts), with the same result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../../protocol/config';
import type { EvalResult, RunFile } from '../../protocol/runFolder';
import { CHECKPOINT_DIR, GRID_WORLD_FILE, METRICS_FILE, RUN_FILE } from '../../protocol/runFolder';
import { makeCheckpointMetadata } from '../../protocol/checkpoint';
import { removeStaleTemps, writeJsonAtomic } from '../../core/io/atomicWrite';
import { MetricsWriter, checkpointName, listCheckpoints, ownerHere, readRunFile, truncateMetrics, writeRunFile } from '../../core/experiment/runFolder';
import { prefixed, stderrLogger } from '../../core/log';
import { optimizerStateTensors, restoreInto, saveCheckpoint } from '../checkpoint/checkpoint';
import { loadNewestValidCheckpoint } from '../checkpoint/newestValid';
import { newRunFile } from '../experiment/newRunFile';
import { versions } from '../versions';
import type { RunEnd, RunTrainingOptions } from '../train/runTraining';
import { GridWorldTrainer } from './gridWorldTrainer';
import { startPopulation } from './populationPool';

export async function runGridWorldTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  const { runDir, config } = opts;
  const log = prefixed(opts.log ?? stderrLogger(), path.basename(runDir));
  const warn = (m: string): void => log.log('warn', m);
  const report = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => {
    // The run's end is runTraining's result (protocol/runner.ts), not an event.
    return { runId: config.id, status, error, final };
  };
  let run: RunFile;
  try {
    fs.mkdirSync(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
    const original = fs.existsSync(path.join(runDir, RUN_FILE)) ? readRunFile(runDir) : null;
    if (opts.resume && original?.status === 'completed' && original.final !== null && fs.existsSync(path.join(runDir, GRID_WORLD_FILE))) {
      return report('completed', null, original.final);
    }
    run = structuredClone(original) ?? newRunFile(opts.experiment, config, 'running');
  } catch (err) {
    return report('failed', err instanceof Error ? err.message : String(err), null);
  }
  run = { ...run, status: 'running', backend: opts.backend, error: null, final: null, versions: versions(), ...ownerHere() };
  run.timings.startedAt ??= new Date().toISOString();
  run.timings.endedAt = null;
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
  const held: { trainer: GridWorldTrainer | null } = { trainer: null };
  let metrics: MetricsWriter | null = null;
  try {
    held.trainer = new GridWorldTrainer(config);
    run.parameters = held.trainer.parameterCount();
    if (opts.resume) {
      await restoreNewest(runDir, config, held, run, warn);
    } else {
      fs.rmSync(path.join(runDir, METRICS_FILE), { force: true });
      run.lastCheckpoint = null;
    }
    const tr = held.trainer as GridWorldTrainer;
    if (tr.step === 0) run.timings = { ...run.timings, trainSeconds: 0, evalSeconds: 0 };
    run.step = tr.step;
    run.optimizerStateBytes = tr.optimizer.stateBytes();
    writeRunFile(runDir, run);
    if ((opts.populationProcesses ?? 1) > 1) tr.setPopulation(await startPopulation(tr.fitness, config, opts.populationProcesses ?? 1));
    const m = new MetricsWriter(path.join(runDir, METRICS_FILE));
    metrics = m;
    const train = config.train;
    const baseWall = run.timings.trainSeconds + run.timings.evalSeconds;
    const started = performance.now();
    const wall = (): number => baseWall + (performance.now() - started) / 1000;
    let lastCheckpointStep = run.lastCheckpoint === null ? -1 : tr.step;
    const checkpoint = async (): Promise<void> => {
      const file = path.join(runDir, CHECKPOINT_DIR, checkpointName(tr.step));
      try {
        await saveCheckpoint(file, { params: tr.params, optimizerState: tr.optimizer.getState(), metadata: makeCheckpointMetadata(config, tr.step, opts.backend, versions()) });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new Error(`checkpoint at step ${tr.step} not saved: ${why.includes(file) ? why : `${file}: ${why}`}`);
      }
      lastCheckpointStep = tr.step;
      run.lastCheckpoint = path.relative(runDir, file);
      run.optimizerStateBytes = tr.optimizer.stateBytes();
      run.step = tr.step;
      writeRunFile(runDir, run);
      opts.onEvent({ type: 'run/checkpoint', runId: config.id, step: tr.step, file });
    };
    const evaluate = (): EvalResult[] => {
      const e0 = performance.now();
      const results = tr.evaluate();
      run.timings.evalSeconds += (performance.now() - e0) / 1000;
      m.append({ kind: 'eval', step: tr.step, wallTime: wall(), results });
      m.flush();
      opts.onEvent({ type: 'run/eval', runId: config.id, step: tr.step, results });
      return results;
    };
    let lastProgress = 0;
    while (tr.step < train.steps) {
      if (opts.isCancelled(tr.step)) {
        if (tr.step > lastCheckpointStep) await checkpoint();
        m.close();
        return end('cancelled', null, null);
      }
      const s = tr.step;
      const last = s === train.steps - 1;
      const logStep = s % train.logEvery === 0 || last;
      const t0 = performance.now();
      const r = await tr.trainStep(logStep);
      run.timings.trainSeconds += (performance.now() - t0) / 1000;
      if (logStep) m.append({ kind: 'train', wallTime: wall(), ...r });
      const now = performance.now();
      if (now - lastProgress > 200 || last) {
        lastProgress = now;
        opts.onEvent({ type: 'run/progress', runId: config.id, step: tr.step, totalSteps: train.steps, loss: r.loss, lr: r.lr, wallTime: wall() });
      }
      if (!last && train.evalEvery > 0 && tr.step % train.evalEvery === 0) evaluate();
      if (!last && train.checkpointEvery > 0 && tr.step % train.checkpointEvery === 0) await checkpoint();
      if (opts.yieldToEventLoop) await opts.yieldToEventLoop();
    }
    const final = evaluate();
    if (tr.step > lastCheckpointStep) await checkpoint();
    m.close();
    run.step = tr.step;
    run.optimizerStateBytes = tr.optimizer.stateBytes();
    writeJsonAtomic(path.join(runDir, GRID_WORLD_FILE), tr.analyze());
    return end('completed', null, final);
  } catch (err) {
    try {
      metrics?.close();
    } catch {
      // the run is failing already
    }
    return end('failed', err instanceof Error ? err.message : String(err), null);
  } finally {
    held.trainer?.dispose();
  }
}

/**
 * Resume: removes what a killed process left half-written, then loads the newest valid checkpoint
 * into `held`'s trainer (a fresh one after a failed attempt, which may have assigned part of its
 * state), sets its step and θ and run.json's lastCheckpoint, and cuts metrics.jsonl back to that
 * step; step 0 when no checkpoint could be used.
 */
async function restoreNewest(runDir: string, config: RunConfig, held: { trainer: GridWorldTrainer | null }, run: RunFile, warn: (m: string) => void): Promise<void> {
  for (const dir of [runDir, path.join(runDir, CHECKPOINT_DIR)]) {
    for (const name of removeStaleTemps(dir)) warn(`removed the stale temporary file ${path.join(dir, name)}`);
  }
  let attempts = 0;
  const latest = await loadNewestValidCheckpoint(runDir, warn, (loaded) => {
    if (attempts++ > 0) {
      held.trainer?.dispose();
      held.trainer = new GridWorldTrainer(config);
    }
    const t = held.trainer as GridWorldTrainer;
    restoreInto(loaded, t.params);
    const state = optimizerStateTensors(loaded);
    try {
      t.optimizer.setState(state);
    } finally {
      for (const x of state.values()) x.dispose();
    }
  });
  const t = held.trainer as GridWorldTrainer;
  if (latest) {
    t.syncTheta();
    t.step = latest.step;
    run.lastCheckpoint = path.relative(runDir, latest.file);
  } else {
    if (listCheckpoints(runDir).length > 0) warn('no checkpoint could be used: training starts again from step 0');
    run.lastCheckpoint = null;
  }
  truncateMetrics(runDir, t.step);
}
