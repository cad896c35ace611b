/**
 * One-off reads of a runs folder for the tests, through the extension's one reader
 * (src/extension/runs/runsFolderModel.ts), as the tree sees it.
 */
import * as path from 'node:path';
import { EXPERIMENT_FILE } from '../../src/protocol/runFolder';
import { RunsFolderModel } from '../../src/extension/runs/runsFolderModel';
import type { ExperimentSummary } from '../../src/extension/runs/runSummary';

/** Every experiment of a runs folder, newest first. */
export function readRunsFolder(root: string): ExperimentSummary[] {
  return new RunsFolderModel(root).summaries();
}

/** One experiment folder. */
export function readExperiment(dir: string): ExperimentSummary {
  const summary = new RunsFolderModel(path.dirname(dir)).summaries().find((e) => e.dir === dir);
  if (!summary) return { name: path.basename(dir), dir, createdAt: null, runs: [], problems: [`${path.join(dir, EXPERIMENT_FILE)}: not found`] };
  return summary;
}
