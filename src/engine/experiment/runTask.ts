/**
 * One task of a scheduler's array (`attention-lab task <experiment-dir>`): trains exactly the run
 * at `index` of experiment.json's `runs` into its folder, in one training worker of the local
 * pool (so signals, checkpoints and statuses behave as in a local run). A run that has started
 * before — the task was requeued, preempted, or its node failed — resumes from its newest valid
 * checkpoint, which ends bit-identical to an uninterrupted run. Under Slurm the task records its
 * job id, log and restart count in run.json. When it ends the last run of the experiment, it
 * writes summary.json.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../protocol/backend';
import { CHECKPOINT_DIR, RUN_FILE, type RunFile } from '../../protocol/runFolder';
import type { SlurmRecord } from '../../protocol/slurm';
import { applyNativeThreadSettings } from '../nativeBackend';
import { stepFlops } from '../../core/experiment/stepFlops';
import { taskLogPath } from '../../core/slurm/slurmJob';
import type { RunOutcome, RunnerEvent } from '../../core/experiment/executor';
import { runJobs, writeSummaryQuietly, type PoolOptions } from './runner';
import { checkpointName, listCheckpoints, readExperimentFile, readRunFile, RunFolderError, writeRunFile } from '../../core/experiment/runFolder';
import { runConfigProblem } from '../../core/experiment/validateRunConfig';

export interface TaskOptions {
  backend: BackendChoice;
  signal?: AbortSignal;
  onEvent?: (event: RunnerEvent) => void;
  workerScript?: PoolOptions['workerScript'];
  env?: NodeJS.ProcessEnv;
  /** One line for the task's log before training starts (which run, which attempt, from where). */
  log?: (line: string) => void;
}

/** The task's index: --index, else Slurm's SLURM_ARRAY_TASK_ID, else Kubernetes' JOB_COMPLETION_INDEX. */
export function taskIndexFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SLURM_ARRAY_TASK_ID ?? env.JOB_COMPLETION_INDEX;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** run.json's Slurm record from the task's environment, or undefined outside Slurm. */
export function slurmRecordFromEnv(experimentDir: string, index: number, previous: SlurmRecord | undefined, env: NodeJS.ProcessEnv = process.env): SlurmRecord | undefined {
  const arrayJobId = env.SLURM_ARRAY_JOB_ID;
  if (!arrayJobId) return undefined;
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0);
  return {
    arrayJobId,
    taskId: index,
    jobId: `${arrayJobId}_${index}`,
    log: previous?.log ?? taskLogPath(experimentDir, arrayJobId, index),
    state: 'RUNNING',
    restarts: Number.isSafeInteger(restarts) && restarts >= 0 ? restarts : 0,
  };
}

function ended(run: RunFile): boolean {
  return run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
}

export async function runTask(experimentDir: string, index: number, options: TaskOptions): Promise<RunOutcome> {
  const env = options.env ?? process.env;
  const experiment = readExperimentFile(experimentDir);
  const id = experiment.runs[index];
  if (id === undefined) throw new RunFolderError(`${experimentDir}: task index ${index} is out of range: experiment.json lists ${experiment.runs.length} run(s)`);
  const runDir = path.join(experimentDir, id);
  const run = readRunFile(runDir);
  const problem = runConfigProblem(run.config);
  if (problem) throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: config ${problem.replace(/^\$/, '$.config')}`);
  if (run.config.id !== id) throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: $.config.id "${run.config.id}" differs from experiment.json's runs[${index}] "${id}"`);
  const slurm = slurmRecordFromEnv(experimentDir, index, run.slurm, env);
  if (slurm) writeRunFile(runDir, { ...run, slurm });
  // A run that has started before continues from its newest checkpoint (a requeued task).
  const checkpoints = listCheckpoints(runDir);
  const resume = run.status !== 'pending' || checkpoints.length > 0;
  const attempt = slurm ? `, attempt ${slurm.restarts + 1}` : '';
  const from = resume ? (checkpoints.length > 0 ? `resuming from ${CHECKPOINT_DIR}/${checkpointName((checkpoints.at(-1) as { step: number }).step)} (or the newest valid one)` : 'starting again from step 0 (no checkpoint)') : 'from the start';
  options.log?.(`task ${slurm?.jobId ?? index} on ${os.hostname()}${attempt}: run ${id}, ${from}`);
  // The native backend gets the task's CPUs, not the node's.
  const cpus = Number(env.SLURM_CPUS_PER_TASK ?? 1);
  applyNativeThreadSettings(1, Number.isSafeInteger(cpus) && cpus > 0 ? cpus : 1, stepFlops(run.config));
  options.onEvent?.({ type: 'experiment/start', dir: experimentDir, name: experiment.name, runs: [run.config] });
  // A TransNAR run copies the NAR file it names into the experiment's nar/ folder first (runner.ts).
  const { outcomes } = await runJobs(experimentDir, [{ runDir, experiment: experiment.name, config: run.config, resume }], {
    parallel: 1,
    backend: options.backend,
    signal: options.signal,
    onEvent: options.onEvent,
    workerScript: options.workerScript,
  });
  const outcome = outcomes[0] as RunOutcome;
  // The last run to end writes the experiment's summary.
  const all = experiment.runs.map((r) => {
    try {
      return readRunFile(path.join(experimentDir, r));
    } catch {
      return null;
    }
  });
  if (all.every((r) => r !== null && ended(r))) writeSummaryQuietly(experimentDir);
  return outcome;
}
