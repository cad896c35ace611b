/**
 * Helpers of the scale-out suite, which runs against the real single-node Slurm cluster that
 * scripts/ensure-slurm.sh starts (npm run setup:test; .ci/run). Without a cluster the suite is
 * skipped locally and fails on CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../integration/helpers';

/** Why the suite cannot run, or undefined. On CI a missing cluster is an error, not a skip. */
export function clusterUnavailable(): string | undefined {
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 15_000 });
  if (ping.status === 0 && /is UP/.test(ping.stdout)) return undefined;
  const why = `no Slurm cluster answers here (${ping.error ? ping.error.message : (ping.stdout + ping.stderr).trim() || `scontrol exit ${ping.status}`}); run: bash scripts/ensure-slurm.sh`;
  if (process.env.CI) throw new Error(`${why}; on CI, npm run setup:test must start it before npm test`);
  return why;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; resolves with its exit code and output. */
export function cli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs a Slurm command; throws with its output when it fails. */
export function slurm(command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.error?.message ?? (r.stderr || r.stdout)}`);
  return r.stdout;
}

/** The task's Slurm state as squeue sees it. */
export function taskState(jobId: string): string {
  const arrayId = jobId.split('_')[0] as string;
  const out = spawnSync('squeue', ['-h', '-r', '--states=all', '-j', arrayId, '-o', '%i|%T'], { encoding: 'utf8' }).stdout;
  const line = out.split('\n').find((l) => l.startsWith(`${jobId}|`));
  return line?.split('|')[1] ?? 'UNKNOWN';
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A run.json, or undefined while it cannot be read. */
export function runJson(runDir: string): Record<string, unknown> & { status: string; step: number; error: string | null; lastCheckpoint: string | null; slurm?: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as ReturnType<typeof runJson>;
}

/** slurm.json of an experiment folder. */
export function submissionOf(dir: string): { arrayJobId: string | null; error: string | null } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'slurm.json'), 'utf8')) as { arrayJobId: string | null; error: string | null };
}
