/**
 * Scale-out on a Slurm cluster (docs/scale-out.md): where runs execute, the Slurm options of a
 * submission, and what the run folder records of it — `slurm` in run.json (SlurmRecord) and
 * <experiment>/slurm.json (SlurmSubmission). Shared by the engine, the CLI, the backend and the
 * extension's settings; no Node or engine imports.
 */

/** Where the runs of an experiment execute: local worker processes, or one Slurm array task per run. */
export type ExecutorKind = 'local' | 'slurm';
export const EXECUTOR_KINDS: readonly ExecutorKind[] = ['local', 'slurm'];

export interface SlurmOptions {
  /** sbatch --partition; null: the cluster's default. */
  partition: string | null;
  /** sbatch --time per task (`minutes`, `h:mm:ss`, `d-hh:mm`, …); null: the partition's default. */
  time: string | null;
  /** sbatch --cpus-per-task; the native backend uses this many threads. */
  cpusPerTask: number;
  /** sbatch --mem per task (`2G`, `500M`); null: the cluster's default. */
  mem: string | null;
  account: string | null;
  qos: string | null;
  /** Array tasks running at once (sbatch --array=0-N%K); null: as many as the cluster gives. */
  maxParallel: number | null;
  /** More sbatch arguments, one argument each (e.g. `--constraint=avx2`). */
  sbatchArgs: string[];
  /** Shell lines the task runs before training (e.g. `module load nodejs/20`). */
  setup: string[];
  /** Node.js executable on the compute nodes; null: the one that submits. */
  node: string | null;
  /** Seconds between looks at squeue/sacct and the run folders while following. */
  pollSeconds: number;
}

export const DEFAULT_SLURM_OPTIONS: Readonly<SlurmOptions> = {
  partition: null,
  time: null,
  cpusPerTask: 1,
  mem: null,
  account: null,
  qos: null,
  maxParallel: null,
  sbatchArgs: [],
  setup: [],
  node: null,
  pollSeconds: 2,
};

/** What run.json says of the Slurm array task that trains the run (absent for local runs). */
export interface SlurmRecord {
  /** The array job's id (what sbatch printed). */
  arrayJobId: string;
  /** The run's index in the array: its place in experiment.json's `runs`. */
  taskId: number;
  /** `<arrayJobId>_<taskId>`: what squeue, sacct, scancel and scontrol accept. */
  jobId: string;
  /** Absolute path of the task's log (stdout and stderr; every attempt appended). */
  log: string;
  /** Slurm's state when Attention Lab last wrote run.json (PENDING, RUNNING, COMPLETED, TIMEOUT, …). */
  state: string;
  /** Times the task was requeued and started again (SLURM_RESTART_COUNT of the last attempt). */
  restarts: number;
}

/** <experiment>/slurm.json: one submission of the experiment's runs as a job array. */
export interface SlurmSubmission {
  version: 1;
  /** The array job id; null when sbatch refused the job (then `error` says why). */
  arrayJobId: string | null;
  submittedAt: string;
  /** The sbatch command as run (argument list; the script is the last argument). */
  command: string[];
  /** The batch script, relative to the experiment folder. */
  script: string;
  /** The task logs' pattern, relative to the experiment folder (%A = array job id, %a = task id). */
  logs: string;
  options: SlurmOptions;
  /** sbatch's message when it refused the job, else null. */
  error: string | null;
}


/** Slurm job states after which the task will not run again (unless someone requeues it by hand). */
export const SLURM_ENDED_STATES: readonly string[] = [
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
];

/** True when `state` (as squeue or sacct prints it, e.g. `CANCELLED by 0`) is an ended state. */
export function slurmStateEnded(state: string): boolean {
  return SLURM_ENDED_STATES.includes(baseSlurmState(state));
}

/** `CANCELLED by 1000` → `CANCELLED`; `RUNNING` stays. */
export function baseSlurmState(state: string): string {
  return state.trim().split(/\s+/)[0]?.replace(/\+$/, '') ?? '';
}
