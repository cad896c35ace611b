/**
 * When a runner dies, the runs it had queued stay `pending` with its pid in run.json. Its
 * orphaned training workers (worker.ts) call this as they leave, so those runs end `cancelled`
 * at once rather than waiting for `attention-lab status` to repair them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunFile, writeRunFile } from './runFolder';

/** Marks `cancelled` every `pending` run of the experiment folder owned by `pid` on `host`; returns their ids. */
export function cancelQueuedRuns(experimentDir: string, pid: number, host: string, now: Date = new Date()): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(experimentDir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const runDir = path.join(experimentDir, e.name);
    try {
      const run = readRunFile(runDir);
      if (run.status !== 'pending' || run.pid !== pid || run.host !== host) continue;
      writeRunFile(runDir, { ...run, status: 'cancelled', timings: { ...run.timings, endedAt: now.toISOString() } });
      out.push(run.id);
    } catch {
      // unreadable or unwritable: `attention-lab status` reports it
    }
  }
  return out;
}
