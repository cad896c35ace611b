/**
 * What a run writes while it trains, for gradient runs (runTraining.ts) and grid-world runs
 * (es/runGridWorld.ts) alike: metrics.jsonl (the step records, eval records), checkpoints written
 * atomically with their bookkeeping in run.json (lastCheckpoint, step, optimizer state bytes),
 * the train and eval timings, and the step loop with its progress events, cadences and
 * cancellation (a cancelled run saves its last state so it can be resumed), and the final
 * evaluation and checkpoint.
 */
import * as path from 'node:path';
import type { EvalRecord, EvalResult, MetricsRecord, RunFile } from '../../protocol/runFolder';
import { CHECKPOINT_DIR, METRICS_FILE } from '../../protocol/runFolder';
import { makeCheckpointMetadata } from '../../protocol/checkpoint';
import { wireLoss } from '../../protocol/runner';
import { MetricsWriter, checkpointName, readMetrics, writeRunFile } from '../../core/experiment/runFolder';
import { saveCheckpoint, type CheckpointContents } from '../checkpoint/checkpoint';
import type { Optimizer } from '../optim/optimizer';
import { versions } from '../versions';
import type { RunTrainingOptions } from './runOptions';

/** What the loop reads of a step's result. */
export interface StepReport {
  loss: number;
  lr: number;
}

/** What the recorder needs of a trainer (Trainer, GridWorldTrainer). */
export interface RecordedTrainer<R extends StepReport> {
  /** Steps completed. */
  readonly step: number;
  readonly optimizer: Pick<Optimizer, 'stateBytes'>;
  /** One optimizer step; `log`: the step's train record is due (measure what it needs). */
  trainStep(log: boolean): R | Promise<R>;
  evaluate(): EvalResult[];
}

/** What differs between kinds of run. */
export interface RecorderHooks<R extends StepReport> {
  /** A checkpoint's contents apart from its metadata, at the trainer's current step. */
  checkpointContents(): Promise<Omit<CheckpointContents, 'metadata'>>;
  /** Called before a step (outside its timing) with the number of steps completed. */
  beforeStep?(step: number): void;
  /** The metrics records of a step just trained, in file order (`logged`: its train record is due). */
  stepRecords(r: R, logged: boolean, wallTime: number): MetricsRecord[];
}

export class RunRecorder<R extends StepReport> {
  private readonly metrics: MetricsWriter;
  private readonly baseWall: number;
  private readonly started = performance.now();

  /**
   * Opens metrics.jsonl for appending (the caller has removed or truncated it). The wall clock
   * goes on from the run's recorded train and eval seconds. `lastCheckpointStep`: the step of the
   * checkpoint the run stands on (the caller's choice when there is none).
   */
  constructor(
    private readonly opts: RunTrainingOptions,
    readonly run: RunFile,
    private readonly trainer: RecordedTrainer<R>,
    private readonly hooks: RecorderHooks<R>,
    public lastCheckpointStep: number,
  ) {
    this.metrics = new MetricsWriter(path.join(opts.runDir, METRICS_FILE));
    this.baseWall = run.timings.trainSeconds + run.timings.evalSeconds;
  }

  /** Seconds of training and evaluation, this run's earlier attempts included. */
  wall(): number {
    return this.baseWall + (performance.now() - this.started) / 1000;
  }

  /** Writes a checkpoint at the trainer's step atomically, then run.json's bookkeeping, then the event. */
  async checkpoint(): Promise<void> {
    const { runDir, config, backend } = this.opts;
    const step = this.trainer.step;
    const file = path.join(runDir, CHECKPOINT_DIR, checkpointName(step));
    try {
      const contents = await this.hooks.checkpointContents();
      await saveCheckpoint(file, { ...contents, metadata: makeCheckpointMetadata(config, step, backend, versions()) });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`checkpoint at step ${step} not saved: ${why.includes(file) ? why : `${file}: ${why}`}`);
    }
    this.lastCheckpointStep = step;
    this.run.lastCheckpoint = path.relative(runDir, file);
    this.run.optimizerStateBytes = this.trainer.optimizer.stateBytes();
    this.run.step = step;
    writeRunFile(runDir, this.run);
    this.opts.onEvent({ type: 'run/checkpoint', runId: config.id, step, file });
  }

  /** Evaluates the trainer, appends (and syncs) the eval record and reports it. */
  evaluate(): EvalResult[] {
    const step = this.trainer.step;
    const e0 = performance.now();
    const results = this.trainer.evaluate();
    this.run.timings.evalSeconds += (performance.now() - e0) / 1000;
    this.metrics.append({ kind: 'eval', step, wallTime: this.wall(), results });
    this.metrics.flush();
    this.opts.onEvent({ type: 'run/eval', runId: this.opts.config.id, step, results });
    return results;
  }

  /**
   * Trains up to train.steps: records each step, reports progress (at most every 200 ms, and the
   * last step), evaluates and checkpoints on their cadences (the last step's are the caller's).
   * Returns 'cancelled' when opts.isCancelled said so (the state is checkpointed unless the newest
   * checkpoint has it, and metrics.jsonl is closed), else 'trained'.
   */
  async train(): Promise<'trained' | 'cancelled'> {
    const { config, onEvent } = this.opts;
    const train = config.train;
    const t = this.trainer;
    let lastProgress = 0;
    while (t.step < train.steps) {
      if (this.opts.isCancelled(t.step)) {
        if (t.step > this.lastCheckpointStep) await this.checkpoint();
        this.close();
        return 'cancelled';
      }
      const s = t.step;
      const last = s === train.steps - 1;
      const logged = s % train.logEvery === 0 || last;
      this.hooks.beforeStep?.(s);
      const t0 = performance.now();
      const r = await t.trainStep(logged);
      this.run.timings.trainSeconds += (performance.now() - t0) / 1000;
      for (const record of this.hooks.stepRecords(r, logged, this.wall())) this.metrics.append(record);
      const now = performance.now();
      if (now - lastProgress > 200 || last) {
        lastProgress = now;
        onEvent({ type: 'run/progress', runId: config.id, step: t.step, totalSteps: train.steps, loss: wireLoss(r.loss), lr: r.lr, wallTime: this.wall() });
      }
      if (!last && train.evalEvery > 0 && t.step % train.evalEvery === 0) this.evaluate();
      if (!last && train.checkpointEvery > 0 && t.step % train.checkpointEvery === 0) await this.checkpoint();
      if (this.opts.yieldToEventLoop) await this.opts.yieldToEventLoop();
    }
    return 'trained';
  }

  /**
   * After train(): the final evaluation (unless a run killed after writing it and its checkpoint
   * already has it: it is taken from metrics.jsonl, not appended twice) into run.final, the final
   * checkpoint unless the newest one has this state, and metrics.jsonl closed.
   */
  async finish(): Promise<EvalResult[]> {
    const step = this.trainer.step;
    const done = this.lastCheckpointStep === step ? readMetrics(this.opts.runDir).find((r): r is EvalRecord => r.kind === 'eval' && r.step === step) : undefined;
    const final = done ? done.results : this.evaluate();
    this.run.final = final;
    if (step > this.lastCheckpointStep || this.run.lastCheckpoint === null) await this.checkpoint();
    this.close();
    return final;
  }

  close(): void {
    this.metrics.close();
  }

  /** Closes metrics.jsonl on the way out of a failing run (its file is as complete as its last whole line). */
  closeQuietly(): void {
    try {
      this.metrics.close();
    } catch {
      // the run is failing already
    }
  }
}
