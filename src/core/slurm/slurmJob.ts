/**
 * The job array of an experiment: the sbatch arguments (one task per run, requeueable, logs in
 * the experiment folder, appended across attempts) and the batch script every task runs —
 * `node dist/task.js <experiment-dir>` (the same as `attention-lab task <experiment-dir>`), which
 * trains the run at index SLURM_ARRAY_TASK_ID of experiment.json's `runs` into its folder.
 */
import * as path from 'node:path';
import type { BackendChoice } from '../../protocol/backend';
import { SLURM_DIR } from '../../protocol/runFolder';
import type { SlurmOptions } from '../../protocol/slurm';

/** Log pattern of the tasks, relative to the experiment folder (%A array job id, %a task index). */
export const LOG_PATTERN = `${SLURM_DIR}/%A_%a.out`;
export const SCRIPT_FILE = `${SLURM_DIR}/job.sh`;

/** The log file of one task. */
export function taskLogPath(experimentDir: string, arrayJobId: string, taskId: number): string {
  return path.join(experimentDir, SLURM_DIR, `${arrayJobId}_${taskId}.out`);
}

/** A job name Slurm shows in squeue: `al-<experiment>`, letters, digits and `._-` only. */
export function jobName(experiment: string): string {
  return `al-${experiment}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
}

/**
 * sbatch's arguments for the experiment's array, without the script. `experimentDir` absolute;
 * `logDir` false leaves out --output (sbatch --test-only before the folder exists).
 */
export function sbatchArguments(o: SlurmOptions, experimentDir: string, name: string, runs: number, withOutput = true): string[] {
  const args = [`--job-name=${jobName(name)}`, `--array=0-${runs - 1}${o.maxParallel !== null ? `%${o.maxParallel}` : ''}`];
  if (withOutput) args.push(`--output=${path.join(experimentDir, LOG_PATTERN)}`, '--open-mode=append');
  // Requeued (preempted, node failure, scontrol requeue) tasks start again and resume their run.
  args.push('--requeue', `--cpus-per-task=${o.cpusPerTask}`, '--ntasks=1');
  if (o.partition !== null) args.push(`--partition=${o.partition}`);
  if (o.time !== null) args.push(`--time=${o.time}`);
  if (o.mem !== null) args.push(`--mem=${o.mem}`);
  if (o.account !== null) args.push(`--account=${o.account}`);
  if (o.qos !== null) args.push(`--qos=${o.qos}`);
  args.push(...o.sbatchArgs);
  return args;
}

/** A word for /bin/sh: single-quoted, with `'` as `'\''`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptInput {
  experimentDir: string;
  name: string;
  runs: number;
  /** Node.js executable on the compute nodes. */
  node: string;
  /** dist/task.js (the task entry's bundle) as the compute nodes see it. */
  taskScript: string;
  backend: BackendChoice;
  setup: readonly string[];
  /** The sbatch arguments, recorded in a comment. */
  sbatchArgs: readonly string[];
}

/** The batch script each array task runs. */
export function batchScript(s: ScriptInput): string {
  return [
    '#!/bin/sh',
    `# Attention Lab: experiment ${s.name}, ${s.runs} run(s), one array task per run (docs/scale-out.md).`,
    `# Submitted as: sbatch ${s.sbatchArgs.map(shellQuote).join(' ')} ${SCRIPT_FILE}`,
    '# Each task trains the run at index $SLURM_ARRAY_TASK_ID of experiment.json into its folder,',
    '# resuming from its newest checkpoint when the task was requeued.',
    ...s.setup,
    // The Node of an Electron-based host (VS Code) runs as plain Node with this; plain Node ignores it.
    'export ELECTRON_RUN_AS_NODE=1',
    `exec ${shellQuote(s.node)} ${shellQuote(s.taskScript)} ${shellQuote(s.experimentDir)} --backend ${shellQuote(s.backend)}`,
    '',
  ].join('\n');
}
