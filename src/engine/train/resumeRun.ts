/**
 * Resuming a run from its newest valid checkpoint, for gradient and grid-world runs alike: what a
 * killed process left half-written is removed, a damaged checkpoint is skipped with a warning and
 * the next older one is tried.
 */
import * as path from 'node:path';
import type { RunFile } from '../../protocol/runFolder';
import { CHECKPOINT_DIR } from '../../protocol/runFolder';
import type { ModelParam } from '../model/params';
import type { Optimizer } from '../optim/optimizer';
import { removeStaleTemps } from '../../core/io/atomicWrite';
import { listCheckpoints } from '../../core/experiment/runFolder';
import { optimizerStateTensors, restoreInto, type LoadedCheckpoint } from '../checkpoint/checkpoint';
import { loadNewestValidCheckpoint } from '../checkpoint/newestValid';

/**
 * Removes stale temporary files, then loads the newest valid checkpoint through `load` (`retry`:
 * an earlier attempt failed and may have assigned part of its state, so `load` must start from
 * fresh objects) and sets run.json's lastCheckpoint. Returns the checkpoint's step, or null when
 * no checkpoint could be used (training starts again from step 0).
 */
export async function restoreNewest(runDir: string, run: RunFile, warn: (m: string) => void, load: (loaded: LoadedCheckpoint, retry: boolean) => void): Promise<number | null> {
  for (const dir of [runDir, path.join(runDir, CHECKPOINT_DIR)]) {
    for (const name of removeStaleTemps(dir)) warn(`removed the stale temporary file ${path.join(dir, name)}`);
  }
  let attempts = 0;
  const latest = await loadNewestValidCheckpoint(runDir, warn, (loaded) => load(loaded, attempts++ > 0));
  if (latest) {
    run.lastCheckpoint = path.relative(runDir, latest.file);
    return latest.step;
  }
  if (listCheckpoints(runDir).length > 0) warn('no checkpoint could be used: training starts again from step 0');
  run.lastCheckpoint = null;
  return null;
}

/** Assigns a loaded checkpoint's parameters and optimizer state (the optimizer keeps copies). */
export function restoreTrainerState(loaded: LoadedCheckpoint, params: readonly ModelParam[], optimizer: Pick<Optimizer, 'setState'>): void {
  restoreInto(loaded, params);
  const state = optimizerStateTensors(loaded);
  try {
    optimizer.setState(state);
  } finally {
    for (const x of state.values()) x.dispose();
  }
}
