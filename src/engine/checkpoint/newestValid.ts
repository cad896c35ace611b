/**
 * The newest checkpoint of a run that can actually be used: a file that a crash, a full disk or
 * hand damage left truncated, corrupt or foreign is skipped (and reported), and the next older one
 * is tried. Readers (analyze, the views) and resume use it instead of trusting the newest name.
 */
import { listCheckpoints } from '../../core/experiment/runFolder';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint';

/** Loads checkpoints newest first; returns the first that loads whole with the step its name says, or null. */
export async function loadNewestValidCheckpoint(
  runDir: string,
  warn: (message: string) => void,
  accept: (loaded: LoadedCheckpoint) => void = () => undefined,
): Promise<{ step: number; file: string; loaded: LoadedCheckpoint } | null> {
  const all = listCheckpoints(runDir, warn);
  for (let i = all.length - 1; i >= 0; i--) {
    const { step, file } = all[i] as { step: number; file: string };
    try {
      const loaded = await loadCheckpoint(file);
      if (loaded.metadata.step !== step) throw new Error(`its metadata says step ${loaded.metadata.step}, its name step ${step}`);
      accept(loaded);
      return { step, file, loaded };
    } catch (err) {
      warn(`${file}: skipped, not a usable checkpoint: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return null;
}
