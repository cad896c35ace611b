/**
 * run.json from a run's start to its end, for gradient and grid-world runs alike: the file a run
 * starts from (a fresh one, or the one a resumed run left), the space set aside so that a run that
 * fills the disk can still record why it stopped, and the end (status, error, final results).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalResult, RunFile } from '../../protocol/runFolder';
import { CHECKPOINT_DIR, RUN_FILE } from '../../protocol/runFolder';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { ownerHere, readRunFile, writeRunFile } from '../../core/experiment/runFolder';
import { newRunFile } from '../experiment/newRunFile';
import { versions } from '../versions';
import type { RunEnd, RunTrainingOptions } from './runOptions';

/** Space set aside in the run folder while it trains (removed at the end, and on resume if a kill left it). */
export const SPACE_RESERVE_FILE = '.space-reserve';
const SPACE_RESERVE_BYTES = 64 * 1024;

/** Makes the checkpoint folder and reads the run.json a earlier attempt left (null: none). Throws what it cannot read. */
export function openRunFolder(runDir: string): RunFile | null {
  fs.mkdirSync(path.join(runDir, CHECKPOINT_DIR), { recursive: true });
  return fs.existsSync(path.join(runDir, RUN_FILE)) ? readRunFile(runDir) : null;
}

/** run.json of a run that starts (or resumes) in this process: status running, this backend, versions and owner. */
export function runningRunFile(opts: RunTrainingOptions, original: RunFile | null): RunFile {
  const run: RunFile = { ...(structuredClone(original) ?? newRunFile(opts.experiment, opts.config, 'running')), status: 'running', backend: opts.backend, error: null, versions: versions(), ...ownerHere() };
  run.timings.startedAt ??= new Date().toISOString();
  return run;
}

/** A run's end as runTraining returns it (protocol/runner.ts: the end is a result, not an event). */
export function runEnd(opts: RunTrainingOptions, status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd {
  return { runId: opts.config.id, status, error, final };
}

/** Sets aside a little space in the run folder; returns the file to remove at the end (endRun, releaseSpace). */
export function reserveSpace(runDir: string): string {
  const reserve = path.join(runDir, SPACE_RESERVE_FILE);
  try {
    writeFileAtomic(reserve, new Uint8Array(SPACE_RESERVE_BYTES));
  } catch {
    // no room even for that: the run will say so when it fails
  }
  return reserve;
}

export function releaseSpace(reserve: string): void {
  fs.rmSync(reserve, { force: true });
}

/**
 * Writes the run's end into run.json (using the space reserve when the disk is full) and returns
 * it; `final` null keeps the results run.json has. A run.json that cannot be written is reported
 * in the error, never thrown.
 */
export function endRun(opts: RunTrainingOptions, run: RunFile, reserve: string, status: RunEnd['status'], error: string | null, final: EvalResult[] | null): RunEnd {
  run.status = status;
  run.error = error;
  run.final = final ?? run.final;
  run.timings.endedAt = new Date().toISOString();
  try {
    try {
      writeRunFile(opts.runDir, run);
    } catch {
      // A full disk: the reserve kept at the start makes room for the last word.
      releaseSpace(reserve);
      writeRunFile(opts.runDir, run);
    }
  } catch (err) {
    error = `${error ? `${error}; ` : ''}run.json not updated: ${err instanceof Error ? err.message : String(err)}`;
  }
  releaseSpace(reserve);
  return runEnd(opts, status, error, final);
}
