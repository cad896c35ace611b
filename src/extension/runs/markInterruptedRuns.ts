/**
 * After the backend process died, the runs it was training still say `running` (or `pending`)
 * in their run.json. Marks them `failed` with the reason, keeping everything else they wrote
 * (metrics, checkpoints), so the tree and `attention-lab resume` see the truth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../engine/io/atomicWrite';

/** Returns the ids of the runs it marked. */
export function markInterruptedRuns(experimentDir: string, reason: string, now: Date = new Date()): string[] {
  const marked: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(experimentDir, { withFileTypes: true });
  } catch {
    return marked;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const file = path.join(experimentDir, e.name, 'run.json');
    let run: Record<string, unknown>;
    try {
      run = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (run.status !== 'running' && run.status !== 'pending') continue;
    const timings = typeof run.timings === 'object' && run.timings !== null ? run.timings : {};
    writeJsonAtomic(file, { ...run, status: 'failed', error: reason, timings: { ...timings, endedAt: now.toISOString() } });
    marked.push(e.name);
  }
  return marked;
}
