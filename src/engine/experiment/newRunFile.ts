import type { RunConfig } from '../../protocol/config';
import type { RunFile, RunStatus } from '../../protocol/runFolder';
import { RUN_FOLDER_VERSION } from '../../protocol/runFolder';
import { versions } from '../versions';

/** A run.json for a run that has not trained yet. */
export function newRunFile(experiment: string, config: RunConfig, status: RunStatus): RunFile {
  return {
    version: RUN_FOLDER_VERSION,
    id: config.id,
    experiment,
    config,
    status,
    backend: null,
    parameters: 0,
    optimizerStateBytes: 0,
    step: 0,
    timings: { createdAt: new Date().toISOString(), startedAt: null, endedAt: null, trainSeconds: 0, evalSeconds: 0 },
    lastCheckpoint: null,
    error: null,
    final: null,
    versions: versions(),
  };
}
