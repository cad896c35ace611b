/**
 * Reading and writing the run folder (the contract in src/protocol/runFolder.ts and
 * docs/run-folder.md). JSON files are replaced atomically (src/core/io/atomicWrite.ts);
 * metrics.jsonl is appended one whole line at a time (a failed append is cut back off), and
 * readers skip a torn last line left by a crash. Every reader checks what it reads: a damaged
 * file is a RunFolderError naming the file and the JSON path, never a crash further on. Plain
 * Node fs and no TensorFlow.js, so the extension host reads through it too (newRunFile.ts,
 * which stamps the tfjs version, lives apart for that reason).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { upgradeRunConfig } from '../../protocol/config';
import type { ExperimentFile, MetricsRecord, RunFile, RunStatus } from '../../protocol/runFolder';
import { CHECKPOINT_DIR, EXPERIMENT_FILE, METRICS_FILE, RUN_FILE, RUN_STATUSES, SLURM_SUBMISSION_FILE } from '../../protocol/runFolder';
import { processStartToken, sameProcess } from '../io/processIdentity';
import { readTextFile, TextFileError } from '../io/readTextFile';
import { processAlive, writeAllSync, writeFileAtomic, writeJsonAtomic, WriteError } from '../io/atomicWrite';


/** Largest run.json / experiment.json read (a real one is a few KB). */
export const MAX_JSON_FILE_BYTES = 16 * 1024 * 1024;

export function checkpointName(step: number): string {
  return `step-${step}.safetensors`;
}

export function writeExperimentFile(dir: string, file: ExperimentFile): void {
  writeJsonAtomic(path.join(dir, EXPERIMENT_FILE), file);
}

/**
 * Writes run.json. The user's tags and note (organise.ts) are taken from the file on disk, not
 * from `file`: a process that read run.json before the user edited them does not undo the edit.
 */
export function writeRunFile(runDir: string, file: RunFile): void {
  const { tags: _t, note: _n, ...rest } = file;
  writeJsonAtomic(path.join(runDir, RUN_FILE), { ...rest, ...annotationsOnDisk(runDir) });
}

/** The problem of run.json's `tags` / `note`, or null (both optional). */
export function annotationsProblem(run: Record<string, unknown>): string | null {
  const tags = run.tags;
  if (tags !== undefined) {
    if (!Array.isArray(tags)) return `$.tags: expected a list of strings, found ${typeof tags}`;
    const i = tags.findIndex((t) => typeof t !== 'string');
    if (i >= 0) return `$.tags[${i}]: expected a string, found ${tags[i] === null ? 'null' : typeof tags[i]}`;
  }
  if (run.note !== undefined && typeof run.note !== 'string') return `$.note: expected a string, found ${run.note === null ? 'null' : typeof run.note}`;
  return null;
}

/** The user's tags and note as run.json holds them now (empty when the file or the fields are missing or unreadable). */
export function annotationsOnDisk(runDir: string): Pick<RunFile, 'tags' | 'note'> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8'));
  } catch {
    return {};
  }
  if (raw === null || typeof raw !== 'object' || annotationsProblem(raw as Record<string, unknown>) !== null) return {};
  const r = raw as Pick<RunFile, 'tags' | 'note'>;
  return { ...(r.tags !== undefined ? { tags: r.tags } : {}), ...(r.note !== undefined ? { note: r.note } : {}) };
}


export class RunFolderError extends Error {}

/** Reads a small text file, refusing anything but a regular file (a FIFO or device would hang or never end). */
export function readSmallTextFile(file: string, what: string, maxBytes = MAX_JSON_FILE_BYTES): string {
  try {
    return readTextFile(file, what, maxBytes, `no ${what} here`);
  } catch (err) {
    throw err instanceof TextFileError ? new RunFolderError(err.message) : err;
  }
}

function readJson(file: string, what: string): unknown {
  const text = readSmallTextFile(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RunFolderError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function found(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return String(v);
}


const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
/** A float the writer may have stored as null (JSON has no NaN or Infinity). */
const isNumOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const isStep = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/** The first problem of an EvalResult, as `(path, expected)`, or null. */
function evalResultProblem(r: unknown, at: string): string | null {
  if (!isObject(r)) return `${at}: expected an evaluation result object, found ${found(r)}`;
  if (!isStep(r.length) || !isStep(r.tokens)) return `${at}.length: expected task size and tokens as integers, found ${found(r.length)}`;
  for (const k of ['loss', 'exact', 'tokenAccuracy', 'shape', 'parse', 'clrs']) {
    if (!isNumOrNull(r[k])) return `${at}.${k}: expected a number, found ${found(r[k])}`;
  }
  return null;
}

/** The first problem of a parsed run.json (JSON path and what was expected), or null when it is usable. */
export function runFileProblem(run: unknown): string | null {
  if (!isObject(run)) return `$: expected a run object, found ${found(run)}`;
  if (typeof run.id !== 'string' || run.id === '') return `$.id: expected the run id (a string), found ${found(run.id)}`;
  if (typeof run.experiment !== 'string') return `$.experiment: expected a string, found ${found(run.experiment)}`;
  if (!isObject(run.config)) return `$.config: expected the run's configuration object, found ${found(run.config)}`;
  if (typeof run.status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(run.status)) {
    return `$.status: expected one of ${RUN_STATUSES.join(', ')}, found ${found(run.status)}`;
  }
  if (!isStrOrNull(run.backend)) return `$.backend: expected a string or null, found ${found(run.backend)}`;
  for (const k of ['parameters', 'optimizerStateBytes']) if (!isNum(run[k])) return `$.${k}: expected a number, found ${found(run[k])}`;
  if (!isStep(run.step)) return `$.step: expected an integer ≥ 0, found ${found(run.step)}`;
  const t = run.timings;
  if (!isObject(t)) return `$.timings: expected an object, found ${found(t)}`;
  if (typeof t.createdAt !== 'string') return `$.timings.createdAt: expected a date string, found ${found(t.createdAt)}`;
  for (const k of ['startedAt', 'endedAt']) if (!isStrOrNull(t[k])) return `$.timings.${k}: expected a date string or null, found ${found(t[k])}`;
  for (const k of ['trainSeconds', 'evalSeconds']) if (!isNum(t[k]) || (t[k] as number) < 0) return `$.timings.${k}: expected a number ≥ 0, found ${found(t[k])}`;
  if (!isStrOrNull(run.lastCheckpoint)) return `$.lastCheckpoint: expected a path or null, found ${found(run.lastCheckpoint)}`;
  if (!isStrOrNull(run.error)) return `$.error: expected a string or null, found ${found(run.error)}`;
  if (run.final !== null) {
    if (!Array.isArray(run.final)) return `$.final: expected a list of evaluation results or null, found ${found(run.final)}`;
    for (let i = 0; i < run.final.length; i++) {
      const p = evalResultProblem(run.final[i], `$.final[${i}]`);
      if (p) return p;
    }
  }
  if (run.versions !== undefined && !isObject(run.versions)) return `$.versions: expected an object, found ${found(run.versions)}`;
  if (run.pid !== undefined && run.pid !== null && !isStep(run.pid)) return `$.pid: expected a process id or null, found ${found(run.pid)}`;
  if (run.host !== undefined && !isStrOrNull(run.host)) return `$.host: expected a host name or null, found ${found(run.host)}`;
  if (run.pidStart !== undefined && !isStrOrNull(run.pidStart)) return `$.pidStart: expected the process's start token or null, found ${found(run.pidStart)}`;
  if (run.slurm !== undefined) return slurmRecordProblem(run.slurm);
  return annotationsProblem(run);
}

/** The first problem of run.json's `slurm` record, or null. */
function slurmRecordProblem(s: unknown): string | null {
  if (!isObject(s)) return `$.slurm: expected the Slurm task's record (an object), found ${found(s)}`;
  for (const k of ['arrayJobId', 'jobId', 'log', 'state']) if (typeof s[k] !== 'string') return `$.slurm.${k}: expected a string, found ${found(s[k])}`;
  if (!isStep(s.taskId)) return `$.slurm.taskId: expected the array index (an integer ≥ 0), found ${found(s.taskId)}`;
  if (!isStep(s.restarts)) return `$.slurm.restarts: expected an integer ≥ 0, found ${found(s.restarts)}`;
  return null;
}

/** run.json checked but as it is on disk (no upgrade of older configs): for rewriting a field or two. */
export function readRawRunFile(runDir: string): RunFile {
  const file = path.join(runDir, RUN_FILE);
  const run = readJson(file, 'run.json');
  const problem = runFileProblem(run);
  if (problem) throw new RunFolderError(`${file}: not a usable Attention Lab run file: ${problem}`);
  return run as unknown as RunFile;
}

export function readRunFile(runDir: string): RunFile {
  const file = path.join(runDir, RUN_FILE);
  const run = readJson(file, RUN_FILE);
  const problem = runFileProblem(run);
  if (problem) throw new RunFolderError(`${file}: not a usable Attention Lab run file: ${problem}`);
  // A run written before a model field existed reads as what it ran (upgradeModelConfig).
  const checked = run as unknown as RunFile;
  return { ...checked, config: upgradeRunConfig(checked.config) };
}

/** The first problem of a parsed experiment.json, or null. */
export function experimentFileProblem(exp: unknown): string | null {
  if (!isObject(exp)) return `$: expected an experiment object, found ${found(exp)}`;
  if (typeof exp.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(exp.name)) {
    return `$.name: expected the experiment's file-name safe name, found ${found(exp.name)}`;
  }
  if (!isObject(exp.spec)) return `$.spec: expected the experiment spec object, found ${found(exp.spec)}`;
  if (!Array.isArray(exp.runs) || exp.runs.some((r) => typeof r !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(r))) {
    return `$.runs: expected a list of run ids (file-name safe strings), found ${found(exp.runs)}`;
  }
  return null;
}

export function readExperimentFile(dir: string): ExperimentFile {
  const file = path.join(dir, EXPERIMENT_FILE);
  const exp = readJson(file, EXPERIMENT_FILE);
  const problem = experimentFileProblem(exp);
  if (problem) throw new RunFolderError(`${file}: not a usable Attention Lab experiment file: ${problem}`);
  return exp as ExperimentFile;
}

/**
 * Creates the experiment folder exclusively: `name`, else `name-2`, `name-3`, … — the first one
 * that this call itself created (mkdir fails with EEXIST when another process got there first,
 * even at the same moment), so two runs never share a folder. Any other failure is reported
 * with its real reason.
 */
export function createExperimentDir(outDir: string, name: string): string {
  try {
    fs.mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw pathError(outDir, err, 'cannot create the output folder');
  }
  for (let i = 1; i <= 100_000; i++) {
    const dir = path.join(outDir, i === 1 ? name : `${name}-${i}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw pathError(dir, err, 'cannot create the experiment folder');
    }
  }
  throw new RunFolderError(`${outDir}: every name from ${name} to ${name}-100000 is taken`);
}

/** A file-system error as a RunFolderError with the path and the real reason (EROFS, ENOTDIR, …). */
export function pathError(file: string, err: unknown, what: string): RunFolderError {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'a folder on the way does not exist or cannot hold files (ENOENT)',
    ENOTDIR: 'a part of the path is a file, not a folder (ENOTDIR)',
    EISDIR: 'is a folder (EISDIR)',
    EROFS: 'the file system is read-only (EROFS)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'operation not permitted (EPERM)',
    ENOSPC: 'no space left on the device (ENOSPC)',
    EDQUOT: 'disk quota exceeded (EDQUOT)',
    ELOOP: 'a symbolic link loop (ELOOP)',
    ENAMETOOLONG: 'the name is too long (ENAMETOOLONG)',
  };
  const reason = (code && reasons[code]) ?? (err instanceof Error ? err.message : String(err));
  return new RunFolderError(`${what}: ${file}: ${reason}`);
}

/** Appends records as whole lines and flushes them to the disk. */
export class MetricsWriter {
  private fd: number;
  /** Bytes of whole lines in the file: a failed append is cut back to here. */
  private size: number;
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }
  append(record: MetricsRecord): void {
    const bytes = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    try {
      writeAllSync(this.fd, bytes);
      this.size += bytes.length;
    } catch (err) {
      // Never leave half a line for the next record to be glued to.
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // the reader skips a torn line anyway
      }
      throw new WriteError(this.file, (err as NodeJS.ErrnoException).code, `appending a ${record.kind} record failed: ${(err as Error).message}`);
    }
  }
  flush(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

/** The first problem of a parsed metrics record, or null when it is a usable record. */
export function metricsRecordProblem(r: unknown): string | null {
  if (!isObject(r)) return `expected a record object, found ${found(r)}`;
  if (!isStep(r.step)) return `step: expected an integer ≥ 0, found ${found(r.step)}`;
  switch (r.kind) {
    case 'train':
      // loss is what every reader plots; the other numbers may be missing in hand-written files, never of another type.
      if (!isNumOrNull(r.loss)) return `loss: expected a number, found ${found(r.loss)}`;
      for (const k of ['accuracy', 'gradNorm', 'updateNorm', 'lr', 'nanEvents', 'wallTime', 'length']) {
        if (r[k] !== undefined && !isNumOrNull(r[k])) return `${k}: expected a number, found ${found(r[k])}`;
      }
      return null;
    case 'eval': {
      if (r.wallTime !== undefined && !isNumOrNull(r.wallTime)) return `wallTime: expected a number, found ${found(r.wallTime)}`;
      if (!Array.isArray(r.results)) return `results: expected a list, found ${found(r.results)}`;
      for (let i = 0; i < r.results.length; i++) {
        const p = evalResultProblem(r.results[i], `results[${i}]`);
        if (p) return p;
      }
      return null;
    }
    case 'entropy':
      if (!isStep(r.length) || !isStep(r.tokens)) return `length: expected integers, found ${found(r.length)}`;
      if (!Array.isArray(r.heads) || r.heads.some((h) => typeof h !== 'string')) return `heads: expected a list of head names, found ${found(r.heads)}`;
      for (const k of ['meanNormalized', 'meanEntropy']) {
        const v = r[k];
        if (!Array.isArray(v) || v.length !== r.heads.length || v.some((x) => !isNumOrNull(x))) return `${k}: expected one number per head, found ${found(v)}`;
      }
      return null;
    case 'optim':
      if (!isNumOrNull(r.updateRms)) return `updateRms: expected a number, found ${found(r.updateRms)}`;
      for (const k of ['lr', 'nanEvents', 'stateBytes']) if (r[k] !== undefined && !isNumOrNull(r[k])) return `${k}: expected a number, found ${found(r[k])}`;
      if (!isNumOrNull(r.signAgreement)) return `signAgreement: expected a number or null, found ${found(r.signAgreement)}`;
      if (!Array.isArray(r.tensors) || r.tensors.some((t) => !isObject(t) || typeof t.name !== 'string' || !isNumOrNull(t.updateRms))) {
        return `tensors: expected a list of {name, updateRms, effectiveStep}, found ${found(r.tensors)}`;
      }
      return null;
    default:
      return `kind: expected "train", "eval", "entropy" or "optim", found ${found(r.kind)}`;
  }
}

/**
 * Parses metrics.jsonl text. A torn last line (a crash mid-append) is skipped silently; any other
 * line that does not parse or has the wrong shape is skipped and reported to `warn` with its
 * line number.
 */
export function parseMetricsText(text: string, warn?: (message: string) => void): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  const lines = text.split('\n');
  const tornLast = !text.endsWith('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: unknown;
    try {
      r = JSON.parse(line) as unknown;
    } catch {
      if (!(tornLast && i === lines.length - 1)) warn?.(`line ${i + 1}: not valid JSON; skipped`);
      return;
    }
    const problem = metricsRecordProblem(r);
    if (problem) warn?.(`line ${i + 1}: ${problem}; skipped`);
    else out.push(r as MetricsRecord);
  });
  return out;
}

/** Largest metrics.jsonl read (a long run's is a few MB). */
export const MAX_METRICS_BYTES = 512 * 1024 * 1024;

/** Reads metrics.jsonl (see parseMetricsText); no file yet is no records. `warn` hears of skipped lines. */
export function readMetrics(runDir: string, warn?: (message: string) => void): MetricsRecord[] {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return [];
  const text = readSmallTextFile(file, METRICS_FILE, MAX_METRICS_BYTES);
  return parseMetricsText(text, warn && ((m) => warn(`${file}: ${m}`)));
}

/**
 * Whether a record belongs to the history up to a checkpoint after `step` completed steps: train
 * and optim records carry the 0-based index of the step they describe (kept when < step), eval
 * and entropy records the number of steps completed when measured (kept when ≤ step) — so the
 * evaluation and entropy measured at the checkpoint's own step stay.
 */
export function recordBeforeCheckpoint(r: MetricsRecord, step: number): boolean {
  return r.kind === 'train' || r.kind === 'optim' ? r.step < step : r.step <= step;
}

/** Keeps only the records of the history up to a checkpoint at `step` (used when resuming from it). */
export function truncateMetrics(runDir: string, step: number): void {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return;
  const kept = readMetrics(runDir).filter((r) => recordBeforeCheckpoint(r, step));
  writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
}

/**
 * Checkpoints of a run, sorted by step: the regular files named `step-<N>.safetensors` (a folder,
 * FIFO, device or dangling link under such a name is left out and reported to `warn`).
 */
export function listCheckpoints(runDir: string, warn?: (message: string) => void): { step: number; file: string }[] {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: { step: number; file: string }[] = [];
  for (const name of names) {
    const m = /^step-(\d+)\.safetensors$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (err) {
      warn?.(`${file}: skipped: ${(err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link loop' : (err as Error).message}`);
      continue;
    }
    if (!stat.isFile()) {
      warn?.(`${file}: skipped: not a regular file`);
      continue;
    }
    out.push({ step: Number(m[1]), file });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The owner fields of run.json for this process. */
export function ownerHere(): RunOwner {
  return { pid: process.pid, host: os.hostname(), pidStart: processStartToken(process.pid) };
}

/** run.json's owner fields: the process that owns the run now (docs/run-folder.md). */
export interface RunOwner {
  pid: number;
  host: string;
  pidStart: string | null;
}

/**
 * Whether the process that run.json names as its owner still runs on this machine: the host is
 * this one, the pid is alive, and (where the record has it) the process under that pid is the
 * one that wrote it, not a later process given the same id.
 */
export function ownerAlive(run: { pid?: unknown; host?: unknown; pidStart?: unknown }): boolean {
  if (typeof run.pid !== 'number' || run.host !== os.hostname()) return false;
  return processAlive(run.pid) && sameProcess(run.pid, typeof run.pidStart === 'string' ? run.pidStart : null);
}

export interface StatusRepair {
  runDir: string;
  id: string;
  from: RunStatus;
  to: RunStatus;
  reason: string;
}

/**
 * A run left `pending` or `running` by a process that is gone (killed, machine restarted) is
 * marked for what it is: `running` → `failed` (with the reason; resume continues from its newest
 * checkpoint), `pending` → `cancelled` (it never started). Runs owned by a live process, by
 * another host, without an owner (older folders), or by a Slurm job array are left alone.
 * Returns the repair made.
 */
export function repairRunStatus(runDir: string, now: Date = new Date()): StatusRepair | null {
  let run: RunFile;
  try {
    run = readRunFile(runDir);
  } catch {
    return null;
  }
  if (run.status !== 'running' && run.status !== 'pending') return null;
  // A run of a Slurm job array is Slurm's to tell (a requeued task is not gone): `status` asks it.
  if (run.slurm !== undefined || fs.existsSync(path.join(path.dirname(runDir), SLURM_SUBMISSION_FILE))) return null;
  if (typeof run.pid !== 'number' || typeof run.host !== 'string') return null;
  if (run.host !== os.hostname() || ownerAlive(run)) return null;
  const to: RunStatus = run.status === 'running' ? 'failed' : 'cancelled';
  const reason =
    run.status === 'running'
      ? `interrupted: the process that trained it (pid ${run.pid}) ended without finishing; resume continues from the newest checkpoint`
      : `cancelled: the runner that queued it (pid ${run.pid}) ended before it started`;
  try {
    writeRunFile(runDir, { ...run, status: to, error: run.status === 'running' ? reason : null, timings: { ...run.timings, endedAt: now.toISOString() } });
  } catch {
    return null;
  }
  return { runDir, id: run.id, from: run.status, to, reason };
}

