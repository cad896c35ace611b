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
import type { EvalResult, RunFile } from '../../protocol/runFolder';
import { makeCheckpointMetadata } from '../../protocol/checkpoint';
import { loadCheckpoint, optimizerStateTensors, restoreInto, saveCheckpoint } from '../checkpoint/checkpoint';
import {
  CHECKPOINT_DIR,
  MetricsWriter,
  METRICS_FILE,
  checkpointName,
  listCheckpoints,
  readRunFile,
  truncateMetrics,
  writeRunFile,
} from '../experiment/runFolder';
import { Trainer } from './trainer';
import { TrainingProbes } from '../analysis/trainingProbes';
import { writeRunAnalysis } from '../analysis/runAnalysis';
import { versions } from '../versions';
import { newRunFile } from '../experiment/newRunFile';

export type RunEnd = Extract<WorkerMessage, { type: 'run/end' }>;

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
  fs.mkdirSync(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
  let run: RunFile = fs.existsSync(path.join(runDir, 'run.json')) ? readRunFile(runDir) : newRunFile(opts.experiment, config, 'running');
  run = { ...run, status: 'running', backend: opts.backend, error: null, versions: versions() };
  run.timings.startedAt ??= new Date().toISOString();
  let trainer: Trainer | null = null;
  let metrics: MetricsWriter | null = null;
  let probes: TrainingProbes | null = null;
  const end = (status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd => {
    run.status = status;
    run.error = error;
    run.final = final ?? run.final;
    run.timings.endedAt = new Date().toISOString();
    writeRunFile(runDir, run);
    const message: RunEnd = { type: 'run/end', runId: config.id, status, error, final };
    opts.onEvent(message);
    return message;
  };

  try {
    trainer = new Trainer(config);
    const t = trainer;
    run.parameters = t.model.parameterCount();
    if (opts.resume) {
      const latest = listCheckpoints(runDir).at(-1);
      if (latest) {
        const loaded = await loadCheckpoint(latest.file);
        restoreInto(loaded, t.model.params);
        const state = optimizerStateTensors(loaded);
        t.optimizer.setState(state);
        for (const s of state.values()) s.dispose();
        t.step = latest.step;
        run.lastCheckpoint = path.relative(runDir, latest.file);
      } else {
        t.step = 0;
      }
      truncateMetrics(runDir, t.step - 1);
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
    probes = new TrainingProbes(t);
    const pr = probes;

    const checkpoint = async (): Promise<void> => {
      const file = path.join(runDir, CHECKPOINT_DIR, checkpointName(t.step));
      await saveCheckpoint(file, {
        params: t.model.params,
        optimizerState: t.optimizer.getState(),
        metadata: makeCheckpointMetadata(config, t.step, opts.backend, versions()),
      });
      lastCheckpointStep = t.step;
      run.lastCheckpoint = path.relative(runDir, file);
      run.optimizerStateBytes = t.optimizer.stateBytes();
      run.step = t.step;
      writeRunFile(runDir, run);
      opts.onEvent({ type: 'run/checkpoint', runId: config.id, step: t.step, file });
    };

    const evaluate = (): EvalResult[] => {
      const e0 = performance.now();
      const results = t.evaluate();
      run.timings.evalSeconds += (performance.now() - e0) / 1000;
      m.append({ kind: 'eval', step: t.step, wallTime: wall(), results });
      m.flush();
      opts.onEvent({ type: 'run/eval', runId: config.id, step: t.step, results });
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
    const final = evaluate();
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
    return end('failed', message, null);
  } finally {
    probes?.dispose();
    trainer?.dispose();
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
