/**
 * What each task of a scheduler's array runs: `attention-lab task <experiment-dir> [--index N]
 * [--backend b]`, and the same arguments to dist/task.js (taskMain.ts), the small bundle Slurm
 * tasks run (docs/scale-out.md). Trains the run at the task's index of experiment.json into its
 * folder (runTask.ts); progress lines go to stderr (the task's log). Exit status: 0 the run
 * completed, 1 it failed, 143 stopped by SIGTERM/SIGINT (a checkpoint saved, the run cancelled),
 * 2 a usage error (exitStatus.ts).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runTask, taskIndexFromEnv } from '../engine/experiment/runTask';
import { parseBackend } from './backendFlag';
import { checkInDir } from './checkPaths';
import { ProgressDisplay } from './progress';
import { cancelOnSignals } from './signals';
import { UsageError } from './usageError';

/** The run index: --index, else SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX. */
function taskIndex(flag: string | undefined): number {
  if (flag !== undefined) {
    const n = Number(flag);
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--index: expected an integer ≥ 0, got "${flag}"`);
    return n;
  }
  const index = taskIndexFromEnv();
  if (index === undefined) throw new UsageError('task: no task index: give --index N, or run it as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes indexed pod (JOB_COMPLETION_INDEX)');
  return index;
}

export async function taskCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { index: { type: 'string' }, backend: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('task: give one experiment folder');
  const dir = checkInDir(positionals[0] as string, 'task', 'an experiment folder');
  const index = taskIndex(values.index);
  const backend = parseBackend(values.backend);
  const display = new ProgressDisplay(process.stderr, false);
  const { signal, dispose } = cancelOnSignals(display);
  try {
    const outcome = await runTask(path.resolve(dir), index, {
      backend,
      signal,
      onEvent: (e) => display.handle(e),
      log: (line) => process.stderr.write(`attention-lab ${line}\n`),
    });
    return outcome.status === 'completed' ? 0 : signal.aborted ? 143 : 1;
  } finally {
    dispose();
  }
}
