/**
 * Follows the experiments the backend is running, from its `job/event`s: per run the step,
 * total steps, last loss and status; per job the overall progress. Pure (no vscode) so the
 * progress arithmetic is unit-tested; the status bar, the progress notification, the tree and
 * the live-run view all read it and listen to `onChange`.
 */
import * as path from 'node:path';
import type { RunnerEventMessage } from '../../protocol/backendMessages';
import type { RunStatus } from '../../protocol/runFolder';

export interface LiveRun {
  runId: string;
  /** Absolute run folder, known once `experiment/start` arrived. */
  dir: string | null;
  status: RunStatus;
  step: number;
  totalSteps: number;
  loss: number | null;
  error: string | null;
  /** The run's task in a cluster queue (Slurm job id and state), once the backend reported it. */
  queue: { jobId: string; state: string; reason: string | null } | null;
}

export interface Job {
  id: string;
  /** What the user started, e.g. `preset quick` or a file name. */
  label: string;
  /** Experiment folder, known once `experiment/start` arrived. */
  dir: string | null;
  name: string | null;
  runs: Map<string, LiveRun>;
  startedAt: number;
}

export interface JobProgress {
  /** 0…1 over all runs of the job (steps done / steps planned). */
  fraction: number;
  done: number;
  total: number;
  running: number;
}

export class JobTracker {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<(job: Job) => void>();

  onChange(listener: (job: Job) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  begin(id: string, label: string): Job {
    const job: Job = { id, label, dir: null, name: null, runs: new Map(), startedAt: Date.now() };
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
    for (const job of this.jobs.values()) for (const r of job.runs.values()) if (r.dir) out.set(r.dir, r);
    return out;
  }

  apply(jobId: string, event: RunnerEventMessage): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    switch (event.type) {
      case 'experiment/start':
        job.dir = event.dir;
        job.name = event.name;
        for (const c of event.runs) {
          job.runs.set(c.id, { runId: c.id, dir: path.join(event.dir, c.id), status: 'pending', step: 0, totalSteps: c.train.steps, loss: null, error: null, queue: null });
        }
        break;
      case 'run/progress': {
        const r = this.run(job, event.runId);
        r.status = 'running';
        // `step` in progress events is the number of steps done
        r.step = event.step;
        r.totalSteps = event.totalSteps;
        r.loss = event.loss;
        break;
      }
      case 'run/eval':
      case 'run/checkpoint':
        this.run(job, event.runId).status = 'running';
        break;
      case 'run/end': {
        const r = this.run(job, event.runId);
        r.status = event.status;
        r.error = event.error;
        if (event.status === 'completed') r.step = r.totalSteps;
        break;
      }
      case 'run/queue':
        this.run(job, event.runId).queue = { jobId: event.jobId, state: event.state, reason: event.reason };
        break;
      case 'worker/ready':
        return;
    }
    this.fire(job);
  }

  private run(job: Job, runId: string): LiveRun {
    let r = job.runs.get(runId);
    if (!r) {
      r = { runId, dir: job.dir ? path.join(job.dir, runId) : null, status: 'pending', step: 0, totalSteps: 0, loss: null, error: null, queue: null };
      job.runs.set(runId, r);
    }
    return r;
  }

  private fire(job: Job): void {
    for (const l of [...this.listeners]) l(job);
  }
}

export function jobProgress(job: Job): JobProgress {
  let steps = 0;
  let planned = 0;
  let done = 0;
  let running = 0;
  for (const r of job.runs.values()) {
    const ended = r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled';
    planned += r.totalSteps;
    // an ended run counts as fully done, whatever step it stopped at
    steps += ended ? r.totalSteps : Math.min(r.step, r.totalSteps);
    if (ended) done++;
    if (r.status === 'running') running++;
  }
  return { fraction: planned > 0 ? steps / planned : 0, done, total: job.runs.size, running };
}
