/**
 * The dashboard's "Compare Selected Runs" data: an experiment-shaped snapshot holding exactly the
 * selected run folders, which may come from different experiments. Shaped like one experiment so
 * every dashboard chart (seed groups, comparison table, length grid) works on it unchanged.
 * Runs come from the runs-folder model when it holds them (runs/runsFolder.ts), else from disk.
 */
import * as path from 'node:path';
import type { ExperimentSnapshot, RunSnapshot } from '../../protocol/viewData';
import { readRunSnapshot } from '../../core/report/readExperiments';

/** Most run folders one comparison reads (a multi-selection of the runs tree). */
export const MAX_COMPARED_RUNS = 200;

/**
 * Reads the run folders `runDirs` (duplicates dropped, order kept). When they span more than one
 * experiment, each run's id becomes `<experiment>/<run id>`: two experiments often hold runs with
 * the same id (a preset run twice), and the dashboard groups runs across seeds by id, so the
 * qualified id keeps different experiments' runs apart while runs of one experiment that differ
 * only in seed still share a group. A folder that cannot be read becomes a problem line.
 */
export function readComparisonSnapshot(runDirs: readonly string[], read: (runDir: string) => RunSnapshot = readRunSnapshot): ExperimentSnapshot {
  const dirs = [...new Set(runDirs.map((d) => path.resolve(d)))].slice(0, MAX_COMPARED_RUNS);
  const experiments = new Set(dirs.map((d) => path.basename(path.dirname(d))));
  const qualify = experiments.size > 1;
  const problems: string[] = [];
  if (runDirs.length > MAX_COMPARED_RUNS) problems.push(`only the first ${MAX_COMPARED_RUNS} of ${runDirs.length} selected runs are compared`);
  const runs: RunSnapshot[] = [];
  for (const dir of dirs) {
    try {
      const snap = read(dir);
      runs.push(qualify ? { ...snap, run: { ...snap.run, id: `${path.basename(path.dirname(dir))}/${snap.run.id}` } } : snap);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return {
    name: comparisonTitle(runs.length),
    dir: commonParent(dirs),
    spec: null,
    runs,
    summary: null,
    problems,
  };
}

/**
 * The compared run folders in a restored dashboard page's saved state (its `compare` field), or
 * null. The state comes back from the webview, so it is checked, never trusted.
 */
export function comparedRunDirs(state: unknown): string[] | null {
  if (typeof state !== 'object' || state === null) return null;
  const dirs = (state as { compare?: unknown }).compare;
  if (!Array.isArray(dirs) || dirs.length === 0 || !dirs.every((d): d is string => typeof d === 'string' && d.length > 0)) return null;
  return dirs;
}

export function comparisonTitle(runs: number): string {
  return `Comparison of ${runs} selected run${runs === 1 ? '' : 's'}`;
}

/** The deepest folder holding every run folder (the runs folder when they span experiments). */
function commonParent(dirs: readonly string[]): string {
  if (dirs.length === 0) return '';
  let parts = path.dirname(dirs[0] as string).split(path.sep);
  for (const d of dirs.slice(1)) {
    const other = path.dirname(d).split(path.sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(path.sep) || path.sep;
}
