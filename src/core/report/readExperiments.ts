/**
 * Reads experiment folders into the snapshots the dashboard and the HTML report show, through
 * the run folder's own readers (src/core/experiment/runFolder.ts; free of tfjs, so the
 * extension host imports this). A file that cannot be read becomes a problem line in the
 * snapshot, never a throw: a half-written experiment (training still going) must still show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentFile } from '../../protocol/runFolder';
import type { ExperimentSnapshot, RunSnapshot } from '../../protocol/viewData';
import { readMetrics, readRunFile } from '../experiment/runFolder';
import { ANALYSIS_FILE, EXPERIMENT_FILE, GRID_WORLD_FILE, RUN_FILE, SUMMARY_FILE } from '../../protocol/runFolder';


function readJsonFile(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One run folder: run.json, metrics and analysis.json (null when not written yet). */
export function readRunSnapshot(runDir: string): RunSnapshot {
  const run = readRunFile(runDir);
  let analysis: unknown = null;
  const analysisFile = path.join(runDir, ANALYSIS_FILE);
  if (fs.existsSync(analysisFile)) {
    try {
      analysis = readJsonFile(analysisFile);
    } catch {
      analysis = null;
    }
  }
  let gridWorld: unknown = null;
  const gridFile = path.join(runDir, GRID_WORLD_FILE);
  if (fs.existsSync(gridFile)) {
    try {
      gridWorld = readJsonFile(gridFile);
    } catch {
      gridWorld = null;
    }
  }
  return { dir: runDir, run, metrics: readMetrics(runDir), analysis, gridWorld };
}

/**
 * One experiment folder: experiment.json, each listed run (in grid order; runs not started yet
 * are still listed when their run.json exists) and summary.json.
 */
export function readExperimentSnapshot(dir: string): ExperimentSnapshot {
  const problems: string[] = [];
  let spec: ExperimentFile['spec'] | null = null;
  let runIds: string[] = [];
  // The folder name, not experiment.json's name: unique in the runs folder (quick, quick-2, …).
  const name = path.basename(dir);
  const expFile = path.join(dir, EXPERIMENT_FILE);
  try {
    const exp = readJsonFile(expFile);
    if (!isObject(exp) || !Array.isArray(exp.runs)) throw new Error('not an experiment file (no runs list)');
    runIds = exp.runs.filter((r): r is string => typeof r === 'string');
    spec = isObject(exp.spec) ? (exp.spec as unknown as ExperimentFile['spec']) : null;
  } catch (err) {
    problems.push(`${expFile}: ${err instanceof Error ? err.message : String(err)}`);
    // Fall back to every sub-folder with a run.json.
    runIds = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, RUN_FILE))).sort()
      : [];
  }
  const runs: RunSnapshot[] = [];
  for (const id of runIds) {
    const runDir = path.join(dir, id);
    if (!fs.existsSync(path.join(runDir, RUN_FILE))) continue;
    try {
      runs.push(readRunSnapshot(runDir));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  let summary: unknown = null;
  const summaryFile = path.join(dir, SUMMARY_FILE);
  if (fs.existsSync(summaryFile)) {
    try {
      summary = readJsonFile(summaryFile);
    } catch (err) {
      problems.push(`${summaryFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { name, dir, spec, runs, summary, problems };
}

