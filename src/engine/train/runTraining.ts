/**
 * Runs one training run inside its run folder: run.json (status, timings), metrics.jsonl,
 * checkpoints. Cancellation is checked between steps; a cancelled or failed run keeps everything
 * it wrote, and its last state is saved as a checkpoint so it can be resumed. The bookkeeping is
 * shared with grid-world runs (runRecorder.ts, runStatus.ts, resumeRun.ts); here: the Trainer, its
 * probes, the final analysis, and a completed run that a failed resume must not spoil.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalResult, RunFile, TrainRecord } from '../../protocol/runFolder';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { truncateMetrics, writeRunFile } from '../../core/experiment/runFolder';
import { Trainer } from './trainer';
import { readLinkedNar, type NarWeights } from '../nar/narCheckpoint';
import { TrainingProbes } from '../analysis/trainingProbes';
import { writeRunAnalysis } from '../analysis/runAnalysis';
import { prefixed, stderrLogger, type Logger } from '../../core/log';
import { METRICS_FILE } from '../../protocol/runFolder';
import { runGridWorldTraining } from '../es/runGridWorld';
import type { RunEnd, RunTrainingOptions } from './runOptions';
import { RunRecorder } from './runRecorder';
import { endRun, openRunFolder, releaseSpace, reserveSpace, runEnd, runningRunFile } from './runStatus';
import { restoreNewest, restoreTrainerState } from './resumeRun';

export type { RunEnd, RunTrainingOptions, TrainingEvent } from './runOptions';

export async function runTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  // The grid world is trained by evolution strategies, not by backpropagation.
  if (opts.config.task.name === 'grid-world') return runGridWorldTraining(opts);
  const { runDir, config } = opts;
  const log = prefixed(opts.log ?? stderrLogger(), path.basename(runDir));
  const warn = (m: string): void => log.log('warn', m);
  let original: RunFile | null = null;
  let originalMetrics: string | null = null;
  try {
    original = openRunFolder(runDir);
  } catch (err) {
    return runEnd(opts, 'failed', err instanceof Error ? err.message : String(err), null);
  }
  const run = runningRunFile(opts, original);
  /** The trainer and its probes (replaced when a resume attempt fails), disposed at the end. */
  const held: Held = { trainer: null, probes: null };
  let recorder: RunRecorder<ReturnType<Trainer['trainStep']>> | null = null;
  const reserve = reserveSpace(runDir);
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => endRun(opts, run, reserve, status, error, final);

  try {
    // A TransNAR model's frozen NAR, read once (every Trainer built below gets its own copy).
    const nar = config.model.nar ? await readLinkedNar(config.model.nar, runDir) : null;
    held.trainer = new Trainer(config, nar);
    held.probes = new TrainingProbes(held.trainer);
    run.parameters = held.trainer.model.parameterCount();
    let t = held.trainer;
    if (opts.resume) {
      if (original?.status === 'completed') originalMetrics = readMetricsText(runDir);
      await restoreNewestInto(runDir, config, nar, held, run, warn);
      t = held.trainer as Trainer;
      if (original?.status === 'completed' && t.step >= config.train.steps && run.final !== null) {
        // Nothing to do: the run is complete and its final checkpoint is sound.
        return runEnd(opts, 'completed', null, run.final);
      }
      truncateMetrics(runDir, t.step);
    } else {
      fs.rmSync(path.join(runDir, METRICS_FILE), { force: true });
    }
    run.step = t.step;
    writeRunFile(runDir, run);
    // Analyses: optimizer diagnostics on logged steps, attention entropy every few steps (docs/analysis.md).
    const pr = held.probes as TrainingProbes;
    const tr = t;
    const rec = new RunRecorder(opts, run, tr, {
      checkpointContents: async () => ({ params: tr.model.params, optimizerState: tr.optimizer.getState(), probeState: await pr.exportState(tr.step) }),
      beforeStep: (s) => pr.beforeStep(s),
      stepRecords: (r, logged, wallTime) => [...(logged ? [trainRecord(r, wallTime)] : []), ...pr.afterStep(r.step, r.lr, r.nanEvents)],
    }, t.step);
    recorder = rec;
    if ((await rec.train()) === 'cancelled') return end('cancelled', null, null);
    const final = await rec.finish();
    analyzeAtEnd(runDir, opts.experiment, t, run.lastCheckpoint, log);
    return end('completed', null, final);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    recorder?.closeQuietly();
    if (original?.status !== 'completed') return end('failed', message, null);
    // A failed resume never takes a completed run's results away.
    restoreCompleted(runDir, original, originalMetrics);
    return runEnd(opts, 'failed', `resume failed, the run stays completed: ${message}`, null);
  } finally {
    held.probes?.dispose();
    held.trainer?.dispose();
    releaseSpace(reserve);
  }
}

interface Held {
  trainer: Trainer | null;
  probes: TrainingProbes | null;
}

/**
 * Resume: loads the newest valid checkpoint into `held`'s trainer and probes (a fresh pair after a
 * failed attempt, which may have assigned part of its state) and sets the trainer's step (0 when
 * no checkpoint could be used) and run.json's lastCheckpoint.
 */
async function restoreNewestInto(runDir: string, config: RunTrainingOptions['config'], nar: NarWeights | null, held: Held, run: RunFile, warn: (m: string) => void): Promise<void> {
  const step = await restoreNewest(runDir, run, warn, (loaded, retry) => {
    if (retry) {
      held.probes?.dispose();
      held.trainer?.dispose();
      held.trainer = new Trainer(config, nar);
      held.probes = new TrainingProbes(held.trainer);
    }
    const tr = held.trainer as Trainer;
    restoreTrainerState(loaded, tr.model.params, tr.optimizer);
    const signs = tr.model.params.map((p) => loaded.probeState.get(p.name)?.data);
    if (signs.every((x) => x !== undefined)) held.probes?.importState(loaded.metadata.step, signs as Float32Array[]);
  });
  (held.trainer as Trainer).step = step ?? 0;
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
