/**
 * <experiment>/slurm.json (SlurmSubmission in src/protocol/slurm.ts): written once when the job
 * array is submitted — or refused, with sbatch's message — and read by whoever follows, cancels
 * or shows the experiment. The task of run `i` (experiment.json's `runs[i]`) is `<arrayJobId>_<i>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SLURM_SUBMISSION_FILE } from '../../protocol/runFolder';
import type { SlurmRecord, SlurmSubmission } from '../../protocol/slurm';
import { writeJsonAtomic } from '../io/atomicWrite';
import { RunFolderError, readSmallTextFile } from '../experiment/runFolder';
import { taskLogPath } from './slurmJob';

export function writeSubmission(experimentDir: string, submission: SlurmSubmission): void {
  writeJsonAtomic(path.join(experimentDir, SLURM_SUBMISSION_FILE), submission);
}

/** True when the experiment folder has a slurm.json (its runs belong to a Slurm job array). */
export function isSlurmExperiment(experimentDir: string): boolean {
  return fs.existsSync(path.join(experimentDir, SLURM_SUBMISSION_FILE));
}

/** Reads and checks slurm.json; a damaged one is a RunFolderError naming the file and JSON path. */
export function readSubmission(experimentDir: string): SlurmSubmission {
  const file = path.join(experimentDir, SLURM_SUBMISSION_FILE);
  const text = readSmallTextFile(file, SLURM_SUBMISSION_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RunFolderError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const o = raw as Partial<SlurmSubmission> | null;
  const bad = (p: string, what: string): RunFolderError => new RunFolderError(`${file}: ${p}: expected ${what}`);
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('$', 'the Slurm submission object');
  if (o.arrayJobId !== null && (typeof o.arrayJobId !== 'string' || !/^\d+$/.test(o.arrayJobId))) throw bad('$.arrayJobId', 'a job id (digits) or null');
  if (o.error !== null && typeof o.error !== 'string') throw bad('$.error', 'a string or null');
  if (typeof o.submittedAt !== 'string') throw bad('$.submittedAt', 'a date string');
  if (!Array.isArray(o.command) || o.command.some((a) => typeof a !== 'string')) throw bad('$.command', 'a list of strings');
  if (typeof o.options !== 'object' || o.options === null) throw bad('$.options', 'the Slurm options object');
  return o as SlurmSubmission;
}

/** The Slurm record of run `taskId` of a submitted array, as the submitter knows it (state PENDING). */
export function taskRecord(experimentDir: string, arrayJobId: string, taskId: number): SlurmRecord {
  return { arrayJobId, taskId, jobId: `${arrayJobId}_${taskId}`, log: taskLogPath(experimentDir, arrayJobId, taskId), state: 'PENDING', restarts: 0 };
}
