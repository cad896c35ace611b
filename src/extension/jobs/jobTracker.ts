/**
 * The experiments the backend is running, from its `job/event`s, each folded with the one
 * progress reducer (src/core/experiment/progress.ts, shared with the CLI). The status bar, the
 * progress notification and the tree read it and listen to `onChange`; while a TransNAR
 * experiment pretrains its NAR (before any run trains) they show that pretraining's step and loss.
 * Pure (no vscode).
 */
import type { RunnerEvent } from '../../protocol/runner';
import { applyRunnerEvent, emptyProgress, narProgressText, progressTotals, type ExperimentProgress, type ProgressTotals, type RunProgressState } from '../../core/experiment/progress';

export type LiveRun = RunProgressState;

export interface Job {
  id: string;
  /** What the user started, e.g. `preset quick` or a file name. */
  label: string;
  startedAt: number;
  progress: ExperimentProgress;
}

export class JobTracker {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<(job: Job) => void>();

  onChange(listener: (job: Job) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  begin(id: string, label: string): Job {
    const job: Job = { id, label, startedAt: Date.now(), progress: emptyProgress() };
    this.jobs.set(id, job);
    this.fire(job);
    return job;
  }

  end(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    this.fire(job);
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  active(): Job[] {
    return [...this.jobs.values()];
  }

  /** Live state of a run by its folder, for runs of active jobs. */
  liveRuns(): Map<string, LiveRun> {
    const out = new Map<string, LiveRun>();
    for (const job of this.jobs.values()) for (const r of job.progress.runs.values()) if (r.dir) out.set(r.dir, r);
    return out;
  }

  /** What the NAR pretraining in progress says (`pretraining the NAR: step 40/200, loss 0.123`), by experiment folder, for active jobs that pretrain one. */
  narPretraining(): Map<string, string> {
    const out = new Map<string, string>();
    for (const job of this.jobs.values()) {
      const text = narProgressText(job.progress);
      if (job.progress.dir && text) out.set(job.progress.dir, text);
    }
    return out;
  }

  apply(jobId: string, event: RunnerEvent): void {
    const job = this.jobs.get(jobId);
    if (!job || event.type === 'worker/ready') return;
    applyRunnerEvent(job.progress, event);
    this.fire(job);
  }

  private fire(job: Job): void {
    for (const l of [...this.listeners]) l(job);
  }
}

export function jobProgress(job: Job): ProgressTotals {
  return progressTotals(job.progress);
}

/**
 * The progress notification's line: the runs' counts, after the NAR pretraining while there is one
 * (runs without a NAR may train meanwhile).
 */
export function jobMessage(job: Job): string {
  const p = jobProgress(job);
  const runs = `${p.done}/${p.total} runs done, ${p.running} running (${Math.floor(p.fraction * 100)}%)`;
  const nar = narProgressText(job.progress);
  return nar ? `${nar} · ${runs}` : runs;
}
