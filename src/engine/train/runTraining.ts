/**
 * Runs one training run inside its run folder: run.json (status, timings), metrics.jsonl,
 * checkpoints. Cancellation is checked between steps; a cancelled or failed run keeps everything
 * it wrote, and its last state is saved as a checkpoint so it can be resumed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../protocol/backend';
import type { RunConfig } from '../../protocol/config';
import type { RunEnd, RunnerEvent } from '../../protocol/runner';
import { wireLoss } from '../../protocol/runner';
import type { EvalRecord, EvalResult, RunFile, TrainRecord } from '../../protocol/runFolder';
import { makeCheckpointMetadata } from '../../protocol/checkpoint';
import { optimizerStateTensors, restoreInto, saveCheckpoint } from '../checkpoint/checkpoint';
import { loadNewestValidCheckpoint } from '../checkpoint/newestValid';
import { removeStaleTemps, writeFileAtomic } from '../../core/io/atomicWrite';
import { MetricsWriter, checkpointName, listCheckpoints, ownerHere, readMetrics, readRunFile, truncateMetrics, writeRunFile } from '../../core/experiment/runFolder';
import { Trainer } from './trainer';
import { readLinkedNar, type NarWeights } from '../nar/narCheckpoint';
import { TrainingProbes } from '../analysis/trainingProbes';
import { writeRunAnalysis } from '../analysis/runAnalysis';
import { versions } from '../versions';
import { newRunFile } from '../experiment/newRunFile';
import { prefixed, stderrLogger, type Logger } from '../../core/log';
import { CHECKPOINT_DIR, METRICS_FILE, RUN_FILE } from '../../protocol/runFolder';
import { runGridWorldTraining } from '../es/runGridWorld';

export type { RunEnd };
/** What a run reports while it trains (its end is runTraining's result). */
export type TrainingEvent = Extract<RunnerEvent, { type: 'run/progress' | 'run/eval' | 'run/checkpoint' }>;

/** Space set aside in the run folder while it trains (removed at the end, and on resume if a kill left it). */
export const SPACE_RESERVE_FILE = '.space-reserve';
const SPACE_RESERVE_BYTES = 64 * 1024;

export interface RunTrainingOptions {
  runDir: string;
  experiment: string;
  config: RunConfig;
  backend: BackendName;
  /** Continue from the run folder's latest checkpoint. */
  resume: boolean;
  /** Polled between steps with the number of steps completed; true stops the run (status cancelled). */
  isCancelled: (stepsDone: number) => boolean;
  onEvent: (event: TrainingEvent) => void;
  /** Where warnings go (a damaged checkpoint skipped, an analysis that failed); default: stderr. */
  log?: Logger;
  /** Called between steps so the event loop can deliver messages (e.g. a cancel). */
  yieldToEventLoop?: () => Promise<void>;
  /** A grid-world run's evolution-strategies population: processes that evaluate it (1 or undefined: this one alone; es/populationPool.ts). */
  populationProcesses?: number;
}

export async function runTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  // The grid world is trained by evolution strategies, not by backpropagation.
  if (opts.config.task.name === 'grid-world') return runGridWorldTraining(opts);
  const { runDir, config } = opts;
  const log = prefixed(opts.log ?? stderrLogger(), path.basename(runDir));
  const warn = (m: string): void => log.log('warn', m);
  let original: RunFile | null = null;
  let originalMetrics: string | null = null;
  try {
    fs.mkdirSync(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
    original = fs.existsSync(path.join(runDir, RUN_FILE)) ? readRunFile(runDir) : null;
  } catch (err) {
    return report(opts, 'failed', err instanceof Error ? err.message : String(err), null);
  }
  const run: RunFile = { ...(structuredClone(original) ?? newRunFile(opts.experiment, config, 'running')), status: 'running', backend: opts.backend, error: null, versions: versions(), ...ownerHere() };
  run.timings.startedAt ??= new Date().toISOString();
  /** The trainer and its probes (replaced when a resume attempt fails), disposed at the end. */
  const held: Held = { trainer: null, probes: null };
  let metrics: MetricsWriter | null = null;
  const reserve = path.join(runDir, SPACE_RESERVE_FILE);
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => endRun(opts, run, reserve, status, error, final);
  reserveSpace(reserve);

  try {
    // A TransNAR model's frozen NAR, read once (every Trainer built below gets its own copy).
    const nar = config.model.nar ? await readLinkedNar(config.model.nar, runDir) : null;
    held.trainer = new Trainer(config, nar);
    held.probes = new TrainingProbes(held.trainer);
    run.parameters = held.trainer.model.parameterCount();
    let t = held.trainer;
    if (opts.resume) {
      if (original?.status === 'completed') originalMetrics = readMetricsText(runDir);
      await restoreNewest(runDir, config, nar, held, run, warn);
      t = held.trainer as Trainer;
      if (original?.status === 'completed' && t.step >= config.train.steps && run.final !== null) {
        // Nothing to do: the run is complete and its final checkpoint is sound.
        return report(opts, 'completed', null, run.final);
      }
      truncateMetrics(runDir, t.step);
    } else {
      fs.rmSync(path.join(runDir, METRICS_FILE), { force: true });
    }
    run.step = t.step;
    writeRunFile(runDir, run);
    metrics = new MetricsWriter(path.join(runDir, METRICS_FILE));
    const m = metrics;
    const train = config.train;
    const baseWall = run.timings.trainSeconds + run.timings.evalSeconds;
    const started = performance.now();
    const wall = (): number => baseWall + (performance.now() - started) / 1000;
    let lastCheckpointStep = t.step;
    // Analyses: optimizer diagnostics on logged steps, attention entropy every few steps (docs/analysis.md).
    const pr = held.probes as TrainingProbes;
    const tr = t;

    const checkpoint = async (): Promise<void> => {
      const file = path.join(runDir, CHECKPOINT_DIR, checkpointName(tr.step));
      try {
        await saveCheckpoint(file, {
          params: tr.model.params,
          optimizerState: tr.optimizer.getState(),
          metadata: makeCheckpointMetadata(config, tr.step, opts.backend, versions()),
          probeState: await pr.exportState(tr.step),
        });
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
    while (t.step < train.steps) {
      if (opts.isCancelled(t.step)) {
        if (t.step > lastCheckpointStep) await checkpoint();
        m.close();
        return end('cancelled', null, null);
      }
      const s = t.step;
      const last = s === train.steps - 1;
      const log = s % train.logEvery === 0 || last;
      pr.beforeStep(s);
      const t0 = performance.now();
      const r = t.trainStep(log);
      run.timings.trainSeconds += (performance.now() - t0) / 1000;
      if (log) m.append(trainRecord(r, wall()));
      for (const record of pr.afterStep(s, r.lr, r.nanEvents)) m.append(record);
      const now = performance.now();
      if (now - lastProgress > 200 || last) {
        lastProgress = now;
        opts.onEvent({ type: 'run/progress', runId: config.id, step: t.step, totalSteps: train.steps, loss: wireLoss(r.loss), lr: r.lr, wallTime: wall() });
      }
      if (!last && train.evalEvery > 0 && t.step % train.evalEvery === 0) evaluate();
      if (!last && train.checkpointEvery > 0 && t.step % train.checkpointEvery === 0) await checkpoint();
      if (opts.yieldToEventLoop) await opts.yieldToEventLoop();
    }
    // The final evaluation, unless a run killed after writing it (and its checkpoint) already has it.
    const done = lastCheckpointStep === t.step ? readMetrics(runDir).find((r): r is EvalRecord => r.kind === 'eval' && r.step === t.step) : undefined;
    const final = done ? done.results : evaluate();
    run.final = final;
    if (t.step > lastCheckpointStep || run.lastCheckpoint === null) await checkpoint();
    m.close();
    analyzeAtEnd(runDir, opts.experiment, t, run.lastCheckpoint, log);
    return end('completed', null, final);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    try {
      metrics?.close();
    } catch {
      // the run is failing already; its file is as complete as the last whole line
    }
    if (original?.status !== 'completed') return end('failed', message, null);
    // A failed resume never takes a completed run's results away.
    restoreCompleted(runDir, original, originalMetrics);
    return report(opts, 'failed', `resume failed, the run stays completed: ${message}`, null);
  } finally {
    held.probes?.dispose();
    held.trainer?.dispose();
    fs.rmSync(reserve, { force: true });
  }
}

interface Held {
  trainer: Trainer | null;
  probes: TrainingProbes | null;
}

/**
 * Resume: removes what a killed process left half-written, then loads the newest valid checkpoint
 * into `held`'s trainer and probes (a fresh pair after a failed attempt, which may have assigned
 * part of its state) and sets the trainer's step and run.json's lastCheckpoint; step 0 when no
 * checkpoint could be used.
 */
async function restoreNewest(runDir: string, config: RunConfig, nar: NarWeights | null, held: Held, run: RunFile, warn: (m: string) => void): Promise<void> {
  for (const dir of [runDir, path.join(runDir, CHECKPOINT_DIR)]) {
    for (const name of removeStaleTemps(dir)) warn(`removed the stale temporary file ${path.join(dir, name)}`);
  }
  let attempts = 0;
  const latest = await loadNewestValidCheckpoint(runDir, warn, (loaded) => {
    if (attempts++ > 0) {
      held.probes?.dispose();
      held.trainer?.dispose();
      held.trainer = new Trainer(config, nar);
      held.probes = new TrainingProbes(held.trainer);
    }
    const tr = held.trainer as Trainer;
    restoreInto(loaded, tr.model.params);
    const state = optimizerStateTensors(loaded);
    try {
      tr.optimizer.setState(state);
    } finally {
      for (const x of state.values()) x.dispose();
    }
    const signs = tr.model.params.map((p) => loaded.probeState.get(p.name)?.data);
    if (signs.every((x) => x !== undefined)) held.probes?.importState(loaded.metadata.step, signs as Float32Array[]);
  });
  const t = held.trainer as Trainer;
  if (latest) {
    t.step = latest.step;
    run.lastCheckpoint = path.relative(runDir, latest.file);
  } else {
    if (listCheckpoints(runDir).length > 0) warn('no checkpoint could be used: training starts again from step 0');
    t.step = 0;
    run.lastCheckpoint = null;
  }
}

/** A little space set aside so that a run that fills the disk can still record why it stopped. */
function reserveSpace(reserve: string): void {
  try {
    writeFileAtomic(reserve, new Uint8Array(SPACE_RESERVE_BYTES));
  } catch {
    // no room even for that: the run will say so when it fails
  }
}

/** Writes the run's end into run.json (using the space reserve when the disk is full) and reports it. */
function endRun(opts: RunTrainingOptions, run: RunFile, reserve: string, status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd {
  run.status = status;
  run.error = error;
  run.final = final ?? run.final;
  run.timings.endedAt = new Date().toISOString();
  try {
    try {
      writeRunFile(opts.runDir, run);
    } catch {
      // A full disk: the reserve kept at the start makes room for the last word.
      fs.rmSync(reserve, { force: true });
      writeRunFile(opts.runDir, run);
    }
  } catch (err) {
    error = `${error ? `${error}; ` : ''}run.json not updated: ${err instanceof Error ? err.message : String(err)}`;
  }
  fs.rmSync(reserve, { force: true });
  return report(opts, status, error, final);
}

/** Puts a completed run's run.json and metrics back after a failed resume. */
function restoreCompleted(runDir: string, original: RunFile, originalMetrics: string | null): void {
  try {
    if (originalMetrics !== null) writeFileAtomic(path.join(runDir, METRICS_FILE), originalMetrics);
    writeRunFile(runDir, original);
  } catch {
    // could not restore: the caller's error says what happened
  }
}

/** The metrics record of a logged training step. */
function trainRecord(r: ReturnType<Trainer['trainStep']>, wallTime: number): TrainRecord {
  return { kind: 'train', step: r.step, loss: r.loss, accuracy: r.accuracy, gradNorm: r.gradNorm, updateNorm: r.updateNorm, lr: r.lr, nanEvents: r.nanEvents, wallTime, length: r.length };
}

function report(opts: RunTrainingOptions, status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd {
  return { runId: opts.config.id, status, error, final };
}

function readMetricsText(runDir: string): string | null {
  const file = path.join(runDir, METRICS_FILE);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** analysis.json of a completed run; a failed analysis is reported but never fails the run. */
function analyzeAtEnd(runDir: string, experiment: string, trainer: Trainer, checkpoint: string | null, log: Logger): void {
  try {
    writeRunAnalysis(runDir, experiment, trainer, checkpoint);
  } catch (err) {
    log.log('error', `analysis failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
