/**
 * `attention-lab status <experiment-dir|run-dir>`: each run's status, step and owner, after
 * repairing the runs whose process is gone (runFolder.repairRunStatus): a run left `running` by a
 * killed process becomes `failed` (resume continues it), a queued one `cancelled`. The runs of a
 * Slurm job array show their task's job id and Slurm state instead of a process; ended tasks are
 * reconciled with run.json first (a time limit, out of memory, a cancel), and summary.json is
 * written once every run has ended.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunFile } from '../protocol/runFolder';
import { readExperimentFile, readRunFile, repairRunStatus, type StatusRepair } from '../core/experiment/runFolder';
import { summarizeExperiment } from '../core/analysis/summarizeExperiment';
import { isSlurmExperiment } from '../core/slurm/submission';
import { slurmStates } from '../core/slurm/slurmExecutor';
import { checkInDir } from './checkPaths';
import { formatTable, terminalWidth } from './table';
import { UsageError } from './usageError';
import { parseCommandArgs } from './usage';
import { EXPERIMENT_FILE, RUN_FILE, SUMMARY_FILE } from '../protocol/runFolder';

/** Run folders of an experiment folder (its experiment.json's runs when readable, else every folder with a run.json). */
export function runDirsOf(dir: string): string[] {
  if (fs.existsSync(path.join(dir, RUN_FILE))) return [dir];
  let ids: string[];
  try {
    ids = readExperimentFile(dir).runs;
  } catch {
    ids = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, RUN_FILE)))
      .map((e) => e.name)
      .sort();
  }
  return ids.map((id) => path.join(dir, id));
}

/** Repairs the statuses of the runs under `dir` and reports each repair on stderr. */
export function repairStatuses(dir: string): StatusRepair[] {
  const repairs: StatusRepair[] = [];
  for (const runDir of runDirsOf(dir)) {
    const r = repairRunStatus(runDir);
    if (r) {
      repairs.push(r);
      process.stderr.write(`attention-lab: ${r.id}: ${r.from} → ${r.to} (${r.reason})\n`);
    }
  }
  return repairs;
}

type SlurmState = { jobId: string; state: string; reason: string | null };

/** Slurm's view of an experiment's tasks (reconciling the ended ones), or null for a local experiment. */
async function slurmView(experimentDir: string): Promise<Map<string, SlurmState> | null> {
  if (!isSlurmExperiment(experimentDir)) return null;
  try {
    return await slurmStates(experimentDir);
  } catch (err) {
    process.stderr.write(`attention-lab: warning: Slurm's states not read: ${(err as Error).message}\n`);
    return new Map();
  }
}

/** summary.json once every run has ended, when it is missing or older than a run.json. */
function summarizeWhenEnded(experimentDir: string, runs: readonly (RunFile | null)[]): void {
  if (!runs.every((r) => r !== null && (r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled'))) return;
  const mtime = (f: string): number => {
    try {
      return fs.statSync(f).mtimeMs;
    } catch {
      return -1;
    }
  };
  const summary = mtime(path.join(experimentDir, SUMMARY_FILE));
  const newest = Math.max(...runDirsOf(experimentDir).map((d) => mtime(path.join(d, RUN_FILE))));
  if (summary >= newest) return;
  try {
    summarizeExperiment(experimentDir);
  } catch (err) {
    process.stderr.write(`attention-lab: summary.json not written: ${(err as Error).message}\n`);
  }
}

export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('status: give one experiment folder or run folder (see: attention-lab status --help)');
  const dir = checkInDir(positionals[0] as string, 'status', 'an experiment folder or a run folder');
  const isRun = fs.existsSync(path.join(dir, RUN_FILE));
  if (!isRun && !fs.existsSync(path.join(dir, EXPERIMENT_FILE))) throw new UsageError(`status: ${dir} has neither run.json nor experiment.json`);
  const experimentDir = isRun ? path.dirname(path.resolve(dir)) : path.resolve(dir);
  const slurm = await slurmView(experimentDir);
  repairStatuses(dir);
  const rows: { id: string; run: RunFile | null; problem: string | null }[] = runDirsOf(dir).map((runDir) => {
    try {
      return { id: path.basename(runDir), run: readRunFile(runDir), problem: null };
    } catch (err) {
      return { id: path.basename(runDir), run: null, problem: (err as Error).message };
    }
  });
  if (slurm && !isRun) summarizeWhenEnded(experimentDir, rows.map((r) => r.run));
  const owner = (r: RunFile, id: string): string => {
    if (slurm) {
      const s = slurm.get(id);
      return s ? `${s.jobId} ${s.state}${s.reason ? ` (${s.reason})` : ''}` : '';
    }
    return r.pid ? `${r.pid}@${r.host ?? '?'}` : '';
  };
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        rows.map((r) =>
          r.run
            ? {
                id: r.id,
                status: r.run.status,
                step: r.run.step,
                steps: r.run.config.train?.steps ?? null,
                lastCheckpoint: r.run.lastCheckpoint,
                error: r.run.error,
                pid: r.run.pid ?? null,
                host: r.run.host ?? null,
                ...(slurm ? { slurm: slurm.get(r.id) ?? null } : {}),
              }
            : { id: r.id, status: 'unreadable', error: r.problem },
        ),
        null,
        2,
      ) + '\n',
    );
  } else {
    const table = rows.map((r) =>
      r.run
        ? [r.id, r.run.status, `${r.run.step}/${String(r.run.config.train?.steps ?? '?')}`, r.run.lastCheckpoint ?? '', owner(r.run, r.id), r.run.error ?? '']
        : [r.id, 'unreadable', '', '', '', r.problem ?? ''],
    );
    process.stdout.write(formatTable(['run', 'status', 'steps', 'checkpoint', slurm ? 'slurm job · state' : 'process', 'error'], table, { width: terminalWidth() }) + '\n');
  }
  return rows.every((r) => r.run !== null) ? 0 : 2;
}
