/**
 * Reading and writing the run folder (the contract in src/protocol/runFolder.ts and
 * docs/run-folder.md). JSON files are replaced atomically; metrics.jsonl is appended one whole
 * line at a time, and readers skip a torn last line left by a crash. Plain Node fs and no
 * TensorFlow.js, so the extension host reads through it too (newRunFile.ts, which stamps the
 * tfjs version, lives apart for that reason).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { upgradeRunConfig } from '../../protocol/config';
import type { ExperimentFile, MetricsRecord, RunFile } from '../../protocol/runFolder';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite';

export const EXPERIMENT_FILE = 'experiment.json';
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_DIR = 'checkpoints';

export function checkpointName(step: number): string {
  return `step-${step}.safetensors`;
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readRunFile(runDir: string): RunFile {
  const run = readJson<unknown>(path.join(runDir, RUN_FILE), 'run.json');
  if (!isObject(run) || typeof run.id !== 'string' || !isObject(run.config) || typeof run.status !== 'string') {
    throw new RunFolderError(`${path.join(runDir, RUN_FILE)}: not an Attention Lab run file (no id, config or status)`);
  }
  // A run written before a model field existed reads as what it ran (upgradeModelConfig).
  const file = run as unknown as RunFile;
  return { ...file, config: upgradeRunConfig(file.config) };
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

/** Parses metrics.jsonl text; lines that do not parse (a torn last line) or have no kind/step are skipped. */
export function parseMetricsText(text: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as unknown;
      if (isObject(r) && typeof r.kind === 'string' && typeof r.step === 'number') out.push(r as unknown as MetricsRecord);
    } catch {
      // torn or foreign line: skip
    }
  }
  return out;
}

/** Reads metrics.jsonl (see parseMetricsText); no file yet is no records. */
export function readMetrics(runDir: string): MetricsRecord[] {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return [];
  return parseMetricsText(fs.readFileSync(file, 'utf8'));
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
