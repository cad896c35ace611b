/**
 * The progress of an experiment from its runner events (protocol/runner.ts): per run the status,
 * steps done and planned, last loss, its task in a cluster queue (Slurm); overall the fraction done. The one progress arithmetic of
 * every front end: the CLI's progress lines and the extension's notification, status bar and
 * tree read it. A run that ended (completed, failed or cancelled) counts as fully done: nothing
 * of it is left to wait for.
 */
import * as path from 'node:path';
import type { RunStatus } from '../../protocol/runFolder';
import type { RunnerEvent } from '../../protocol/runner';

export interface RunProgressState {
  runId: string;
  /** Absolute run folder, once `experiment/start` arrived. */
  dir: string | null;
  status: RunStatus;
  /** Steps done. */
  step: number;
  totalSteps: number;
  /** The last reported loss; null before the first report or when it was not finite. */
  loss: number | null;
  error: string | null;
  /** The run's task in a cluster queue (Slurm job id and state), once the executor reported it. */
  queue: RunQueueState | null;
}

export interface RunQueueState {
  jobId: string;
  /** The scheduler's state: PENDING, RUNNING, COMPLETING, … */
  state: string;
  reason: string | null;
}

export interface ExperimentProgress {
  /** Experiment folder and name, once `experiment/start` arrived. */
  dir: string | null;
  name: string | null;
  /** Runs in grid order. */
  runs: Map<string, RunProgressState>;
  /** Backends the workers reported, in order of first report. */
  backends: string[];
}

export interface ProgressTotals {
  /** 0…1 over all runs (steps done / steps planned; an ended run counts in full). */
  fraction: number;
  /** Runs that ended, whatever their status. */
  done: number;
  total: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export function emptyProgress(): ExperimentProgress {
  return { dir: null, name: null, runs: new Map(), backends: [] };
}

export function isEnded(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function runOf(p: ExperimentProgress, runId: string): RunProgressState {
  let r = p.runs.get(runId);
  if (!r) {
    r = { runId, dir: p.dir ? path.join(p.dir, runId) : null, status: 'pending', step: 0, totalSteps: 0, loss: null, error: null, queue: null };
    p.runs.set(runId, r);
  }
  return r;
}

/**
 * Applies one runner event to `p` (in place) and returns the run it changed, if any. Events
 * of runs not announced by `experiment/start` create them (a resumed run's events, say).
 */
export function applyRunnerEvent(p: ExperimentProgress, event: RunnerEvent): RunProgressState | null {
  switch (event.type) {
    case 'experiment/start':
      p.dir = event.dir;
      p.name = event.name;
      for (const c of event.runs) {
        p.runs.set(c.id, { runId: c.id, dir: path.join(event.dir, c.id), status: 'pending', step: 0, totalSteps: c.train.steps, loss: null, error: null, queue: null });
      }
      return null;
    case 'worker/ready':
      if (!p.backends.includes(event.backend)) p.backends.push(event.backend);
      return null;
    case 'run/progress': {
      const r = runOf(p, event.runId);
      r.status = 'running';
      r.step = event.step;
      r.totalSteps = event.totalSteps;
      r.loss = event.loss;
      return r;
    }
    case 'run/eval':
    case 'run/checkpoint': {
      const r = runOf(p, event.runId);
      r.status = 'running';
      return r;
    }
    case 'run/end': {
      const r = runOf(p, event.runId);
      r.status = event.status;
      r.error = event.error;
      if (event.status === 'completed') r.step = r.totalSteps;
      return r;
    }
    case 'run/queue': {
      const r = runOf(p, event.runId);
      r.queue = { jobId: event.jobId, state: event.state, reason: event.reason };
      return r;
    }
    case 'nar/progress':
    case 'nar/end':
      // TransNAR's NAR pretraining: not a run (the CLI shows it on its own line).
      return null;
  }
}

export function progressTotals(p: ExperimentProgress): ProgressTotals {
  let steps = 0;
  let planned = 0;
  const t: ProgressTotals = { fraction: 0, done: 0, total: p.runs.size, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const r of p.runs.values()) {
    const ended = isEnded(r.status);
    planned += r.totalSteps;
    steps += ended ? r.totalSteps : Math.min(r.step, r.totalSteps);
    if (ended) t.done++;
    if (r.status === 'running') t.running++;
    else if (r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled') t[r.status]++;
  }
  t.fraction = planned > 0 ? steps / planned : 0;
  return t;
}
