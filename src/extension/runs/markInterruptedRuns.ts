/**
 * After the backend process died, the runs it was training still say `running` (or `pending`)
 * in their run.json. Marks a `running` one `failed` with the reason and a `pending` one
 * `cancelled` (it never started), keeping everything else they wrote (metrics, checkpoints), so
 * the tree and `attention-lab resume` see the truth. A run whose training worker is still alive
 * on this machine (orphaned by the backend's death, it is saving a checkpoint and will mark the
 * run `cancelled` itself) is left to it, and so are the runs of a Slurm job array (their tasks
 * live on the cluster, whatever happens to the backend).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../core/io/atomicWrite';
import { ownerAlive } from '../../core/experiment/runFolder';
import { RUN_FILE, SLURM_SUBMISSION_FILE } from '../../protocol/runFolder';

/** Returns the ids of the runs it marked. */
export function markInterruptedRuns(experimentDir: string, reason: string, now: Date = new Date()): string[] {
  const marked: string[] = [];
  if (fs.existsSync(path.join(experimentDir, SLURM_SUBMISSION_FILE))) return marked;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(experimentDir, { withFileTypes: true });
  } catch {
    return marked;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const file = path.join(experimentDir, e.name, RUN_FILE);
    let run: Record<string, unknown>;
    try {
      run = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (run.status !== 'running' && run.status !== 'pending') continue;
    if (run.status === 'running' && ownerAlive(run)) continue;
    const timings = typeof run.timings === 'object' && run.timings !== null ? run.timings : {};
    const end = run.status === 'running' ? { status: 'failed', error: reason } : { status: 'cancelled', error: null };
    writeJsonAtomic(file, { ...run, ...end, timings: { ...timings, endedAt: now.toISOString() } });
    marked.push(e.name);
  }
  return marked;
}
