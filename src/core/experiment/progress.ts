/**
 * The progress of an experiment from its runner events (protocol/runner.ts): per run the status,
 * steps done and planned, last loss, its task in a cluster queue (Slurm); overall the fraction done. The one progress arithmetic of
 * every front end: the CLI's progress lines and the extension's notification, status bar and
 * tree read it. A run that ended (completed, failed or cancelled) counts as fully done: nothing
 * of it is left to wait for. TransNAR's NAR pretrainings (the runs wait for them) are followed
 * apart from the runs, from their first `nar/progress` to their `nar/end`.
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

/** A NAR being pretrained (TransNAR's first phase, docs/science.md §5), as its last `nar/progress` told. */
export interface NarProgressState {
  /** The runner's id of the pretraining, `nar:<file relative to the experiment>`. */
  id: string;
  step: number;
  steps: number;
  /** null when not finite. */
  loss: number | null;
}

export interface ExperimentProgress {
  /** Experiment folder and name, once `experiment/start` arrived. */
  dir: string | null;
  name: string | null;
  /** Runs in grid order. */
  runs: Map<string, RunProgressState>;
  /** Backends the workers reported, in order of first report. */
  backends: string[];
  /** NARs being pretrained now, by id (an ended pretraining is removed). */
  nars: Map<string, NarProgressState>;
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
  return { dir: null, name: null, runs: new Map(), backends: [], nars: new Map() };
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
    // TransNAR's NAR pretraining: not a run, so no run changes.
    case 'nar/progress':
      p.nars.set(event.id, { id: event.id, step: event.step, steps: event.steps, loss: event.loss });
      return null;
    case 'nar/end':
      p.nars.delete(event.id);
      return null;
  }
}

/** A NAR's name from its pretraining's id: `nar:nar/sort.safetensors` → `sort`. */
export function narName(id: string): string {
  const file = id.replace(/^nar:/, '').split(/[\\/]/).pop() ?? id;
  return file.replace(/\.safetensors$/, '');
}

function lossText(loss: number | null): string {
  return loss === null ? 'loss not finite' : `loss ${loss.toPrecision(3)}`;
}

/**
 * What the NAR pretraining in progress says, for the extension's tree and notification:
 * `pretraining the NAR: step 40/200, loss 0.123` (several at once: `pretraining 2 NARs: sort
 * step 40/200, loss 0.123; bfs step …`), or null when no NAR is being pretrained.
 */
export function narProgressText(p: ExperimentProgress): string | null {
  const nars = [...p.nars.values()];
  if (nars.length === 0) return null;
  if (nars.length === 1) {
    const n = nars[0] as NarProgressState;
    return `pretraining the NAR: step ${n.step}/${n.steps}, ${lossText(n.loss)}`;
  }
  return `pretraining ${nars.length} NARs: ${nars.map((n) => `${narName(n.id)} step ${n.step}/${n.steps}, ${lossText(n.loss)}`).join('; ')}`;
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
