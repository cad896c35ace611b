/**
 * Organising runs and experiments (docs/run-folder.md): tags and a note per run, kept in its
 * run.json, and renaming an experiment folder. Tags and the note are the user's: writeRunFile
 * keeps the ones on disk, so a training process writing run.json at a checkpoint never undoes an
 * edit made while it trained (runFolder.ts). Plain Node fs and no TensorFlow.js (the extension host uses it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunFile } from '../../protocol/runFolder';
import { EXPERIMENT_FILE, RUN_FILE } from '../../protocol/runFolder';
import { RunFolderError, pathError, readExperimentFile, readRawRunFile, writeExperimentFile } from './runFolder';
import { writeJsonAtomic } from '../io/atomicWrite';

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
export const MAX_NOTE_LENGTH = 4000;

/** The same rule as the spec's `name` (schemas/experiment.schema.json, fileSafeName). */
const FILE_SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Tags from what the user typed: split at commas, trimmed, empty ones dropped, duplicates
 * (case-insensitive) kept once in first-seen order. A tag with a line break, more than
 * MAX_TAG_LENGTH characters or more than MAX_TAGS tags is an error saying which.
 */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag === '') continue;
    if (/[\r\n]/.test(tag)) throw new RunFolderError(`tag "${tag.replace(/[\r\n]+/g, ' ')}": one line, please`);
    if (tag.length > MAX_TAG_LENGTH) throw new RunFolderError(`tag "${tag.slice(0, 20)}…": at most ${MAX_TAG_LENGTH} characters, got ${tag.length}`);
    const key = tag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  if (out.length > MAX_TAGS) throw new RunFolderError(`at most ${MAX_TAGS} tags per run, got ${out.length}`);
  return out;
}

/**
 * Sets a run's tags and/or note (a field left undefined is kept; an empty list or note removes
 * it) and returns the run as written. run.json is read and checked first and replaced atomically.
 */
export function writeRunAnnotations(runDir: string, change: { tags?: readonly string[]; note?: string }): RunFile {
  // The file as it is (not upgraded): only the two fields change.
  const next = readRawRunFile(runDir);
  if (change.tags !== undefined) {
    if (change.tags.length === 0) delete next.tags;
    else next.tags = parseTags(change.tags.join(','));
  }
  if (change.note !== undefined) {
    const note = change.note.trim();
    if (note.length > MAX_NOTE_LENGTH) throw new RunFolderError(`note: at most ${MAX_NOTE_LENGTH} characters, got ${note.length}`);
    if (note === '') delete next.note;
    else next.note = note;
  }
  // Straight to disk: writeRunFile would keep the tags and note that are there now.
  writeJsonAtomic(path.join(runDir, RUN_FILE), next);
  return next;
}

/** Why `name` cannot be an experiment's new name in `parent` (or null when it can). */
export function renameProblem(parent: string, from: string, name: string): string | null {
  if (!FILE_SAFE_NAME.test(name)) return `"${name}": letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters`;
  if (name === path.basename(from)) return null;
  if (fs.existsSync(path.join(parent, name))) return `${path.join(parent, name)} already exists`;
  return null;
}

/**
 * Renames an experiment: its folder, experiment.json's `name` and each run.json's `experiment`.
 * The folder moves first (one rename, atomic on one file system); the JSON files are then
 * rewritten atomically one by one — a run.json that cannot be read is left as it is and named in
 * the result. The caller makes sure nothing is training in it.
 */
export function renameExperiment(dir: string, name: string): { dir: string; skipped: string[] } {
  const parent = path.dirname(dir);
  const problem = renameProblem(parent, dir, name);
  if (problem) throw new RunFolderError(`cannot rename ${dir}: ${problem}`);
  if (!fs.existsSync(path.join(dir, EXPERIMENT_FILE))) throw new RunFolderError(`cannot rename ${dir}: it has no ${EXPERIMENT_FILE}`);
  const target = path.join(parent, name);
  if (target !== dir) {
    try {
      fs.renameSync(dir, target);
    } catch (err) {
      throw pathError(target, err, 'cannot rename the experiment folder');
    }
  }
  const exp = readExperimentFile(target);
  writeExperimentFile(target, { ...exp, name });
  const skipped: string[] = [];
  for (const id of exp.runs) {
    const runDir = path.join(target, id);
    if (!fs.existsSync(path.join(runDir, RUN_FILE))) continue;
    try {
      writeJsonAtomic(path.join(runDir, RUN_FILE), { ...readRawRunFile(runDir), experiment: name });
    } catch (err) {
      skipped.push(`${id}: ${(err as Error).message}`);
    }
  }
  return { dir: target, skipped };
}
