/**
 * runTraining for a grid-world run (evolution strategies): run.json, metrics.jsonl (train records:
 * loss = L̂_q in steps, accuracy = the found fraction, gradNorm = ‖ĝ‖; eval records), safetensors
 * checkpoints like every run (the agent's parameters under their names and the optimizer's state;
 * every `checkpointEvery` steps, when cancelled and at the end) and, at the end, grid-world.json
 * (GridWorldAnalysis). A resumed run continues from its newest valid checkpoint (a damaged one is
 * skipped with a warning) and ends bit-identical to an uninterrupted run: each step's seeds and
 * perturbations come from (seed, step) alone. The population is evaluated in this process or in
 * `populationProcesses` processes (populationPool.ts), with the same result. What it writes while
 * it trains, and how it ends and resumes, is shared with gradient runs (train/runRecorder.ts,
 * train/runStatus.ts, train/resumeRun.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../../protocol/config';
import type { EvalResult, RunFile } from '../../protocol/runFolder';
import { GRID_WORLD_FILE, METRICS_FILE } from '../../protocol/runFolder';
import { writeJsonAtomic } from '../../core/io/atomicWrite';
import { truncateMetrics, writeRunFile } from '../../core/experiment/runFolder';
import { prefixed, stderrLogger } from '../../core/log';
import type { RunEnd, RunTrainingOptions } from '../train/runOptions';
import { RunRecorder } from '../train/runRecorder';
import { endRun, openRunFolder, releaseSpace, reserveSpace, runEnd, runningRunFile } from '../train/runStatus';
import { restoreNewest, restoreTrainerState } from '../train/resumeRun';
import { GridWorldTrainer, type EsStepResult } from './gridWorldTrainer';
import { startPopulation } from './populationPool';

export async function runGridWorldTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  const { runDir, config } = opts;
  const log = prefixed(opts.log ?? stderrLogger(), path.basename(runDir));
  const warn = (m: string): void => log.log('warn', m);
  let run: RunFile;
  try {
    const original = openRunFolder(runDir);
    if (opts.resume && original?.status === 'completed' && original.final !== null && fs.existsSync(path.join(runDir, GRID_WORLD_FILE))) {
      return runEnd(opts, 'completed', null, original.final);
    }
    run = runningRunFile(opts, original);
  } catch (err) {
    return runEnd(opts, 'failed', err instanceof Error ? err.message : String(err), null);
  }
  run.final = null;
  run.timings.endedAt = null;
  const reserve = reserveSpace(runDir);
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => endRun(opts, run, reserve, status, error, final);
  const held: { trainer: GridWorldTrainer | null } = { trainer: null };
  let recorder: RunRecorder<EsStepResult> | null = null;
  try {
    held.trainer = new GridWorldTrainer(config);
    run.parameters = held.trainer.parameterCount();
    if (opts.resume) {
      await restoreNewestInto(runDir, config, held, run, warn);
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
    const rec = new RunRecorder(opts, run, tr, {
      checkpointContents: () => Promise.resolve({ params: tr.params, optimizerState: tr.optimizer.getState() }),
      stepRecords: (r, logged, wallTime) => (logged ? [{ kind: 'train', wallTime, ...r }] : []),
    }, run.lastCheckpoint === null ? -1 : tr.step);
    recorder = rec;
    if ((await rec.train()) === 'cancelled') return end('cancelled', null, null);
    const final = await rec.finish();
    run.step = tr.step;
    run.optimizerStateBytes = tr.optimizer.stateBytes();
    writeJsonAtomic(path.join(runDir, GRID_WORLD_FILE), tr.analyze());
    return end('completed', null, final);
  } catch (err) {
    recorder?.closeQuietly();
    return end('failed', err instanceof Error ? err.message : String(err), null);
  } finally {
    held.trainer?.dispose();
    releaseSpace(reserve);
  }
}

/**
 * Resume: loads the newest valid checkpoint into `held`'s trainer (a fresh one after a failed
 * attempt, which may have assigned part of its state), sets its step and θ and run.json's
 * lastCheckpoint, and cuts metrics.jsonl back to that step; step 0 when no checkpoint could be used.
 */
async function restoreNewestInto(runDir: string, config: RunConfig, held: { trainer: GridWorldTrainer | null }, run: RunFile, warn: (m: string) => void): Promise<void> {
  const step = await restoreNewest(runDir, run, warn, (loaded, retry) => {
    if (retry) {
      held.trainer?.dispose();
      held.trainer = new GridWorldTrainer(config);
    }
    const t = held.trainer as GridWorldTrainer;
    restoreTrainerState(loaded, t.params, t.optimizer);
  });
  const t = held.trainer as GridWorldTrainer;
  if (step !== null) {
    t.syncTheta();
    t.step = step;
  }
  truncateMetrics(runDir, t.step);
}
