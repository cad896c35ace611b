/**
 * When Slurm says a task has ended, its run.json must say what happened. A task that ended well
 * wrote `completed` itself; a cancelled one wrote `cancelled` after its last checkpoint (SIGTERM),
 * or nothing when it never started. What the task cannot know is Slurm's reason — its time limit,
 * its memory, a failed node — nor can it write anything after SIGKILL. So once Slurm reports the
 * end, run.json gets Slurm's state and, for a run that did not complete, the status it deserves:
 * CANCELLED → `cancelled` (checkpoints kept); TIMEOUT, OUT_OF_MEMORY, FAILED, NODE_FAIL, … →
 * `failed` with Slurm's state and the path of the task's log in `error`.
 */
import { readTail } from '../io/fileTail';
import type { RunFile } from '../../protocol/runFolder';
import { baseSlurmState, type SlurmRecord } from '../../protocol/slurm';
import { readRunFile, writeRunFile } from '../experiment/runFolder';
import type { TaskState } from './slurmCommands';

/** What each ended state means for a run that did not complete. */
const MEANING: Readonly<Record<string, string>> = {
  TIMEOUT: 'the task reached its time limit',
  OUT_OF_MEMORY: 'the task ran out of memory (ask for more with --mem)',
  FAILED: 'the task exited with an error',
  NODE_FAIL: 'the node running the task failed',
  BOOT_FAIL: 'the node could not boot for the task',
  DEADLINE: 'the task reached its deadline',
  PREEMPTED: 'the task was preempted and not requeued',
  REVOKED: 'the job was revoked (federation)',
  COMPLETED: 'the task ended before the run finished',
  UNKNOWN: 'Slurm no longer knows the task (purged, and no accounting database to ask) and the run had not ended',
};

/** The last non-empty line of a log (at most the last 64 KB read), shortened to 200 characters. */
export function lastLogLine(file: string): string | null {
  const tail = readTail(file, 64 * 1024);
  const line = tail?.text.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop();
  return line === undefined ? null : line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The error run.json gets when Slurm ended a run that did not complete. */
export function slurmEndError(state: string, run: RunFile, record: SlurmRecord, exitReason: string | null): string {
  const meaning = MEANING[state] ?? `Slurm ended the task (${state})`;
  const parts = [`Slurm ${state}: ${meaning}${exitReason ? ` (${exitReason})` : ''}`];
  if (run.status === 'failed' && run.error && state === 'FAILED') parts[0] = `${run.error} (Slurm FAILED)`;
  if (run.lastCheckpoint) parts.push(`resume continues from ${run.lastCheckpoint}`);
  // Slurm's own last word (slurmstepd's "Exceeded job memory limit", a shell's "not found") says why.
  if (state !== 'TIMEOUT' && state !== 'CANCELLED') {
    const last = lastLogLine(record.log);
    if (last) parts.push(`last log line: ${last}`);
  }
  parts.push(`log: ${record.log}`);
  return parts.join('; ');
}

/**
 * Brings run.json in line with an ended task (`task` null: Slurm does not know it any more).
 * Returns the run as it is now; writes run.json only when something changed.
 */
export function reconcileEndedTask(runDir: string, record: SlurmRecord, task: TaskState | null, now: Date = new Date()): RunFile {
  const run = readRunFile(runDir);
  const state = task ? baseSlurmState(task.state) : 'UNKNOWN';
  // Reconciled before with this state: nothing new (and an error is never extended twice).
  if (run.slurm?.state === state && run.status !== 'pending' && run.status !== 'running') return run;
  const slurm: SlurmRecord = { ...record, ...run.slurm, log: run.slurm?.log ?? record.log, state };
  let status = run.status;
  let error = run.error;
  if (run.status !== 'completed') {
    if (state === 'CANCELLED') {
      if (run.status === 'pending' || run.status === 'running') {
        status = 'cancelled';
        error = null;
      }
    } else if (!(state === 'COMPLETED' && run.status !== 'pending' && run.status !== 'running')) {
      status = 'failed';
      // squeue's reason of an ended task repeats its state (TimeLimit, NonZeroExitCode); sacct's exit code does not.
      const exit = task?.reason?.startsWith('exit code') ? task.reason : null;
      error = slurmEndError(state, run, slurm, exit);
    }
  }
  const same = status === run.status && error === run.error && JSON.stringify(slurm) === JSON.stringify(run.slurm);
  if (same) return run;
  const updated: RunFile = {
    ...run,
    status,
    error,
    slurm,
    timings: { ...run.timings, endedAt: status !== run.status || run.timings.endedAt === null ? now.toISOString() : run.timings.endedAt },
  };
  writeRunFile(runDir, updated);
  return updated;
}
