/**
 * The analysis written at the end of every completed run (runTraining): analysis.json in the
 * run folder, from the model in memory and the run's metrics.
 */
import * as path from 'node:path';
import { readMetrics } from '../../core/experiment/runFolder';
import type { Trainer } from '../train/trainer';
import { analyzeModel, defaultAnalysisSettings, writeAnalysisFile } from './analyzeModel';
import { ANALYSIS_FILE } from '../../protocol/runFolder';

export function writeRunAnalysis(runDir: string, experiment: string, trainer: Trainer, checkpoint: string | null): string {
  const { config, task, model } = trainer;
  const analysis = analyzeModel(
    { config, task, model },
    {
      runId: config.id,
      experiment,
      source: { kind: 'run', checkpoint, step: trainer.step },
      settings: defaultAnalysisSettings(config),
      metrics: readMetrics(runDir),
    },
  );
  const file = path.join(runDir, ANALYSIS_FILE);
  writeAnalysisFile(file, analysis);
  return file;
}
