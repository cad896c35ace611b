/**
 * Runs one training run inside its run folder: run.json (status, timings), metrics.jsonl,
 * checkpoints. Cancellation is checked between steps; a cancelled or failed run keeps everything
 * it wrote, and its last state is saved as a checkpoint so it can be resumed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../protocol/backend';
import type { RunConfig } from '../../protocol/config';
import type { WorkerMessage } from '../../protocol/messages';
import type { EvalRecord, EvalResult, RunFile } from '../../protocol/runFolder';
import { makeCheckpointMetadata } from '../../protocol/checkpoint';
import { optimizerStateTensors, restoreInto, saveCheckpoint } from '../checkpoint/checkpoint';
import { loadNewestValidCheckpoint } from '../checkpoint/newestValid';
import { removeStaleTemps, writeFileAtomic } from '../../core/io/atomicWrite';
import {
  CHECKPOINT_DIR,
  MetricsWriter,
  METRICS_FILE,
  checkpointName,
  listCheckpoints,
  ownerHere,
  readMetrics,
  readRunFile,
  RUN_FILE,
  truncateMetrics,
  writeRunFile,
} from '../../core/experiment/runFolder';
import { Trainer } from './trainer';
import { TrainingProbes } from '../analysis/trainingProbes';
import { writeRunAnalysis } from '../analysis/runAnalysis';
import { versions } from '../versions';
import { newRunFile } from '../experiment/newRunFile';

export type RunEnd = Extract<WorkerMessage, { type: 'run/end' }>;

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
  onEvent: (message: WorkerMessage) => void;
  /** Called between steps so the event loop can deliver messages (e.g. a cancel). */
  yieldToEventLoop?: () => Promise<void>;
}

export async function runTraining(opts: RunTrainingOptions): Promise<RunEnd> {
  const { runDir, config } = opts;
  const warn = (m: string): void => {
    try {
      process.stderr.write(`attention-lab: ${path.basename(runDir)}: warning: ${m}\n`);
    } catch {
      // no terminal left: the warning is not worth a crash
    }
  };
  let original: RunFile | null = null;
  let originalMetrics: string | null = null;
  let run: RunFile;
  try {
    fs.mkdirSync(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
    original = fs.existsSync(path.join(runDir, RUN_FILE)) ? readRunFile(runDir) : null;
  } catch (err) {
    return report(opts, 'failed', err instanceof Error ? err.message : String(err), null);
  }
  run = structuredClone(original) ?? newRunFile(opts.experiment, config, 'running');
  run = { ...run, status: 'running', backend: opts.backend, error: null, versions: versions(), ...ownerHere() };
  run.timings.startedAt ??= new Date().toISOString();
  let trainer: Trainer | null = null;
  let metrics: MetricsWriter | null = null;
  let probes: TrainingProbes | null = null;
  const reserve = path.join(runDir, SPACE_RESERVE_FILE);
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => {
    run.status = status;
    run.error = error;
    run.final = final ?? run.final;
    run.timings.endedAt = new Date().toISOString();
    try {
      try {
        writeRunFile(runDir, run);
      } catch {
        // A full disk: the reserve kept at the start makes room for the last word.
        fs.rmSync(reserve, { force: true });
        writeRunFile(runDir, run);
      }
    } catch (err) {
      error = `${error ? `${error}; ` : ''}run.json not updated: ${err instanceof Error ? err.message : String(err)}`;
    }
    fs.rmSync(reserve, { force: true });
    return report(opts, status, error, final);
  };
  // A little space set aside so that a run that fills the disk can still record why it stopped.
  try {
    writeFileAtomic(reserve, new Uint8Array(SPACE_RESERVE_BYTES));
  } catch {
    // no room even for that: the run will say so when it fails
  }

  try {
    trainer = new Trainer(config);
    let t = trainer;
    run.parameters = t.model.parameterCount();
    probes = new TrainingProbes(t);
    if (opts.resume) {
      // Leftovers of a killed process: half-written temporary files.
      for (const dir of [runDir, path.join(runDir, CHECKPOINT_DIR)]) {
        for (const name of removeStaleTemps(dir)) warn(`removed the stale temporary file ${path.join(dir, name)}`);
      }
      if (original?.status === 'completed') originalMetrics = readMetricsText(runDir);
      let attempts = 0;
      const latest = await loadNewestValidCheckpoint(runDir, warn, (loaded) => {
        if (attempts++ > 0) {
          // A failed attempt may have assigned part of its state: start again from a fresh trainer.
          probes?.dispose();
          trainer?.dispose();
          trainer = new Trainer(config);
          probes = new TrainingProbes(trainer);
        }
        const tr = trainer as Trainer;
        restoreInto(loaded, tr.model.params);
        const state = optimizerStateTensors(loaded);
        try {
          tr.optimizer.setState(state);
        } finally {
          for (const x of state.values()) x.dispose();
        }
        const signs = tr.model.params.map((p) => loaded.probeState.get(p.name)?.data);
        if (signs.every((x) => x !== undefined)) probes?.importState(loaded.metadata.step, signs as Float32Array[]);
      });
      t = trainer as Trainer;
      if (latest) {
        t.step = latest.step;
        run.lastCheckpoint = path.relative(runDir, latest.file);
      } else {
        if (listCheckpoints(runDir).length > 0) warn('no checkpoint could be used: training starts again from step 0');
        t.step = 0;
        run.lastCheckpoint = null;
      }
      if (original?.status === 'completed' && t.step >= config.train.steps && run.final !== null) {
        // Nothing to do: the run is complete and its final checkpoint is sound.
        probes?.dispose();
        return report(opts, 'completed', null, run.final);
      }
      truncateMetrics(runDir, t.step);
    } else if (fs.existsSync(path.join(runDir, METRICS_FILE))) {
      fs.rmSync(path.join(runDir, METRICS_FILE));
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
    const pr = probes as TrainingProbes;
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
      if (log) {
        m.append({
          kind: 'train',
          step: r.step,
          loss: r.loss,
          accuracy: r.accuracy,
          gradNorm: r.gradNorm,
          updateNorm: r.updateNorm,
          lr: r.lr,
          nanEvents: r.nanEvents,
          wallTime: wall(),
          length: r.length,
        });
      }
      for (const record of pr.afterStep(s, r.lr, r.nanEvents)) m.append(record);
      const now = performance.now();
      if (now - lastProgress > 200 || last) {
        lastProgress = now;
        opts.onEvent({ type: 'run/progress', runId: config.id, step: t.step, totalSteps: train.steps, loss: r.loss, lr: r.lr, wallTime: wall() });
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
    analyzeAtEnd(runDir, opts.experiment, t, run.lastCheckpoint);
    return end('completed', null, final);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    try {
      metrics?.close();
    } catch {
      // the run is failing already; its file is as complete as the last whole line
    }
    if (original?.status === 'completed') {
      // A failed resume never takes a completed run's results away.
      try {
        if (originalMetrics !== null) writeFileAtomic(path.join(runDir, METRICS_FILE), originalMetrics);
        writeRunFile(runDir, original);
      } catch {
        // could not restore: the error below says what happened
      }
      return report(opts, 'failed', `resume failed, the run stays completed: ${message}`, null);
    }
    return end('failed', message, null);
  } finally {
    probes?.dispose();
    (trainer as Trainer | null)?.dispose();
    fs.rmSync(reserve, { force: true });
  }
}

function report(opts: RunTrainingOptions, status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd {
  const message: RunEnd = { type: 'run/end', runId: opts.config.id, status, error, final };
  opts.onEvent(message);
  return message;
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
function analyzeAtEnd(runDir: string, experiment: string, trainer: Trainer, checkpoint: string | null): void {
  try {
    writeRunAnalysis(runDir, experiment, trainer, checkpoint);
  } catch (err) {
    process.stderr.write(`attention-lab: ${path.basename(runDir)}: analysis failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
