/**
 * Slurm's own commands, run as child processes (no shell): sbatch, squeue, sacct, scancel, sinfo.
 * Every failure is a SlurmError with one line: the command and Slurm's own message. Queries read
 * squeue first (the controller's live view: pending, running, and ended jobs for MinJobAge) and
 * sacct for the tasks squeue no longer knows (clusters with an accounting database).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export class SlurmError extends Error {}

/** A Slurm command is missing here (not on PATH). */
export class SlurmMissingError extends SlurmError {}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** The full path of `command` on PATH, or null. */
export function findOnPath(command: string, pathVar: string = process.env.PATH ?? ''): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Throws a SlurmMissingError naming the commands Attention Lab needs that are not on PATH. */
export function requireSlurmCommands(commands: readonly string[] = ['sbatch', 'squeue', 'scancel']): void {
  const missing = commands.filter((c) => findOnPath(c) === null);
  if (missing.length > 0) {
    throw new SlurmMissingError(
      `--on slurm: ${missing.join(', ')} not found on PATH: run on a login node of a Slurm cluster (or load its module); nothing was submitted`,
    );
  }
}

/** The first meaningful line of a command's error output (Slurm prefixes its own `sbatch: error:`). */
export function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '';
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs `command args`, with `input` on stdin; resolves with its output and exit code. */
export function runCommand(command: string, args: readonly string[], input?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new SlurmMissingError(`${command}: not found on PATH (is this a Slurm login node?)`));
      else reject(new SlurmError(`${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (signal) reject(new SlurmError(`${command}: ${signal === 'SIGTERM' ? `no answer within ${timeoutMs / 1000} s` : `killed by ${signal}`}`));
      else resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Submits a batch script; returns the job id sbatch printed (`--parsable` prints `id` or `id;cluster`). */
export async function sbatch(args: readonly string[], stdin?: string): Promise<string> {
  const out = await runCommand('sbatch', ['--parsable', ...args], stdin);
  if (out.code !== 0) throw new SlurmError(`sbatch refused the job: ${firstLine(out.stderr || out.stdout) || `exit code ${out.code}`}`);
  const id = out.stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed no job id: ${JSON.stringify(out.stdout.trim().slice(0, 200))}`);
  return id;
}

/**
 * Asks sbatch whether it would take the job, without submitting it (`--test-only`): a refusal
 * (an unknown partition or account, a time limit above the partition's, …) throws with
 * sbatch's message.
 */
export async function sbatchTestOnly(args: readonly string[], script: string): Promise<void> {
  const out = await runCommand('sbatch', ['--test-only', ...args], script);
  // --test-only prints its estimate on stderr and exits 0 when the job would be accepted.
  if (out.code !== 0) throw new SlurmError(`sbatch refused the job: ${firstLine(out.stderr || out.stdout) || `exit code ${out.code}`}`);
}

/** Cancels a job, an array (`<id>`) or one task (`<id>_<i>`): its tasks get SIGTERM, then SIGKILL after KillWait. */
export async function scancel(jobId: string): Promise<void> {
  const out = await runCommand('scancel', [jobId]);
  if (out.code !== 0) throw new SlurmError(`scancel ${jobId}: ${firstLine(out.stderr || out.stdout) || `exit code ${out.code}`}`);
}

export interface TaskState {
  /** Slurm's state, e.g. PENDING, RUNNING, COMPLETING, COMPLETED, CANCELLED, TIMEOUT. */
  state: string;
  /** squeue's reason (Resources, Priority, BeginTime, …) or sacct's exit code; null when none. */
  reason: string | null;
}

/** Expands an array index list as Slurm prints it: `3`, `[4-7]`, `[0,2,5-6%2]`. */
export function expandIndices(text: string): number[] {
  const body = text.replace(/^\[/, '').replace(/\]$/, '').replace(/%\d+$/, '');
  const out: number[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    const stepBy = m[3] !== undefined ? Math.max(1, Number(m[3])) : 1;
    for (let i = from; i <= to && out.length < 1_000_000; i += stepBy) out.push(i);
  }
  return out;
}

/** Parses `squeue -h -r --states=all -o %i|%T|%r` lines of one array job into states by task index. */
export function parseSqueue(text: string, arrayJobId: string): Map<number, TaskState> {
  const out = new Map<number, TaskState>();
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state) continue;
    const m = /^(\d+)_(.+)$/.exec(id);
    if (!m || m[1] !== arrayJobId) continue;
    const r = reason && reason !== 'None' && reason !== '(null)' ? reason : null;
    for (const i of expandIndices(m[2] as string)) out.set(i, { state: state.trim(), reason: r });
  }
  return out;
}

/** Parses `sacct -n -P -X -o JobID,State,ExitCode` lines of one array job into states by task index. */
export function parseSacct(text: string, arrayJobId: string): Map<number, TaskState> {
  const out = new Map<number, TaskState>();
  for (const line of text.split('\n')) {
    const [id, state, exit] = line.trim().split('|');
    if (!id || !state) continue;
    const m = /^(\d+)_(.+)$/.exec(id);
    if (!m || m[1] !== arrayJobId) continue;
    const base = state.trim().split(/\s+/)[0] as string;
    for (const i of expandIndices(m[2] as string)) out.set(i, { state: base, reason: exit && exit !== '0:0' ? `exit code ${exit}` : null });
  }
  return out;
}

/**
 * The state of every task of an array job Slurm still knows: squeue for the live ones, sacct for
 * those squeue has forgotten (when the cluster keeps accounting). `complete` is true when the
 * answers were conclusive — a task absent then is unknown to Slurm (purged, no accounting) —
 * and false when a query failed for another reason (then absence means nothing).
 */
export async function queryArray(arrayJobId: string, runs: number): Promise<{ tasks: Map<number, TaskState>; complete: boolean }> {
  const q = await runCommand('squeue', ['-h', '-r', '--states=all', '-j', arrayJobId, '-o', '%i|%T|%r']);
  let tasks = new Map<number, TaskState>();
  let complete = true;
  if (q.code === 0) tasks = parseSqueue(q.stdout, arrayJobId);
  else if (!/invalid job id/i.test(q.stderr)) throw new SlurmError(`squeue: ${firstLine(q.stderr) || `exit code ${q.code}`}`);
  if (tasks.size < runs && findOnPath('sacct') !== null) {
    const a = await runCommand('sacct', ['-n', '-P', '-X', '-j', arrayJobId, '-o', 'JobID,State,ExitCode']);
    if (a.code === 0) {
      for (const [i, t] of parseSacct(a.stdout, arrayJobId)) if (!tasks.has(i)) tasks.set(i, t);
    } else if (!/accounting storage is disabled|not running a supported accounting_storage/i.test(a.stderr)) {
      complete = false;
    }
  }
  return { tasks, complete };
}

/** Host names of the cluster's nodes (sinfo), or null when sinfo cannot tell. */
export async function clusterNodes(): Promise<string[] | null> {
  try {
    const out = await runCommand('sinfo', ['-h', '-N', '-o', '%N'], undefined, 15_000);
    if (out.code !== 0) return null;
    return [...new Set(out.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
  } catch {
    return null;
  }
}
