/**
 * Reading and writing the run folder (the contract in src/protocol/runFolder.ts and
 * docs/run-folder.md). JSON files are replaced atomically; metrics.jsonl is appended one whole
 * line at a time, and readers skip a torn last line left by a crash.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../../protocol/config';
import type { ExperimentFile, MetricsRecord, RunFile, RunStatus } from '../../protocol/runFolder';
import { RUN_FOLDER_VERSION } from '../../protocol/runFolder';
import { versions } from '../versions';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite';

export const EXPERIMENT_FILE = 'experiment.json';
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_DIR = 'checkpoints';

export function checkpointName(step: number): string {
  return `step-${step}.safetensors`;
}

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

export function writeExperimentFile(dir: string, file: ExperimentFile): void {
  writeJsonAtomic(path.join(dir, EXPERIMENT_FILE), file);
}

export function writeRunFile(runDir: string, file: RunFile): void {
  writeJsonAtomic(path.join(runDir, RUN_FILE), file);
}

export class RunFolderError extends Error {}

function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new RunFolderError(`${file}: no ${what} here (missing or unreadable)`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new RunFolderError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

export function readRunFile(runDir: string): RunFile {
  const run = readJson<RunFile>(path.join(runDir, RUN_FILE), 'run.json');
  if (typeof run !== 'object' || run === null || typeof run.id !== 'string' || typeof run.config !== 'object') {
    throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: not an Attention Lab run file`);
  }
  return run;
}

export function readExperimentFile(dir: string): ExperimentFile {
  return readJson<ExperimentFile>(path.join(dir, EXPERIMENT_FILE), 'experiment.json');
}

/** Appends records as whole lines and flushes them to the disk. */
export class MetricsWriter {
  private fd: number;
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }
  append(record: MetricsRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
  }
  flush(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Reads metrics.jsonl; lines that do not parse (a torn last line after a crash) are skipped. */
export function readMetrics(runDir: string): MetricsRecord[] {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return [];
  const out: MetricsRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // torn or foreign line: skip
    }
  }
  return out;
}

/** Keeps only the records up to `step` (used when resuming from a checkpoint at that step). */
export function truncateMetrics(runDir: string, step: number): void {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return;
  const kept = readMetrics(runDir).filter((r) => r.step <= step);
  writeFileAtomicLines(file, kept);
}

function writeFileAtomicLines(file: string, records: MetricsRecord[]): void {
  writeFileAtomic(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Checkpoints of a run, sorted by step. */
export function listCheckpoints(runDir: string): { step: number; file: string }[] {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => /^step-(\d+)\.safetensors$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}
