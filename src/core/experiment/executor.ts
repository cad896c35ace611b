/**
 * Where the runs of an experiment execute, behind one small interface: the local pool of
 * training workers (src/engine/experiment/runner.ts) or one Slurm array task per run
 * (../slurm/slurmExecutor.ts). Plain types, no TensorFlow.js. The runner prepares the experiment
 * folder (experiment.json, a `pending` run.json per run) the same way for both, hands the runs to
 * the executor and writes summary.json when it returns; both report progress as the same
 * RunnerEvents (protocol/runner.ts), so the CLI's display and the extension follow either.
 */
import type { BackendChoice } from '../../protocol/backend';
import type { RunConfig } from '../../protocol/config';
import type { RunnerEvent } from '../../protocol/runner';
import type { EvalResult, RunStatus } from '../../protocol/runFolder';
import type { Logger } from '../log';

export type { RunnerEvent };

/** One run to train: its folder, experiment name and config; `resume` continues from its newest checkpoint. */
export interface RunJob {
  runDir: string;
  experiment: string;
  config: RunConfig;
  resume: boolean;
}

export interface RunOutcome {
  id: string;
  runDir: string;
  status: Exclude<RunStatus, 'pending' | 'running'>;
  error: string | null;
  final: EvalResult[] | null;
}

export interface ExecutionResult {
  /** One per job, in the jobs' order. */
  outcomes: RunOutcome[];
  /** tfjs backends the runs reported (the same for all in practice). */
  backends: string[];
}

export interface ExecuteOptions {
  backend?: BackendChoice;
  /** Runs at once (the local pool's workers; a Slurm array's throttle). */
  parallel?: number;
  /** Aborting cancels: running runs checkpoint and end `cancelled`, queued ones end `cancelled`. */
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
  /** Where the runner's, its workers' and the executor's warnings go; default: stderr. */
  log?: Logger;
}

export interface Executor {
  /** `local` or `slurm`: shown to the user, recorded nowhere else. */
  readonly kind: 'local' | 'slurm';
  /**
   * Owner fields of a queued run's run.json: this process for the local pool (so `status` can
   * tell a queue whose runner died); none for a cluster's queue, which outlives the submitter.
   */
  queuedOwner(): { pid: number; host: string; pidStart: string | null } | { pid: null; host: null; pidStart: null };
  /**
   * Checks before any folder is written that `runs` runs can be started here (the scheduler is
   * there and accepts such a job); throws a one-line error otherwise, and nothing is left.
   */
  preflight?(runs: number): Promise<void>;
  /**
   * Hands the runs of the prepared folder to the scheduler (Slurm: submits the array) before the
   * experiment is announced; throws a one-line error when it refuses them (the folder says so).
   */
  launch?(experimentDir: string, jobs: RunJob[]): Promise<void>;
  /** Trains (or follows) the jobs of the prepared experiment folder; resolves when every one has ended. */
  execute(experimentDir: string, jobs: RunJob[], options: ExecuteOptions): Promise<ExecutionResult>;
}
