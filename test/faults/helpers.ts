/**
 * Helpers of the fault-injection suite: the CLI and the backend as real processes, run folders
 * compared record by record. ATTENTION_LAB_TEST_CLI / ATTENTION_LAB_TEST_DIST point the suite at
 * another build (how the before/after results of docs/run-folder.md were taken).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentSpec } from '../../src/protocol/spec';
import type { MetricsRecord, RunFile } from '../../src/protocol/runFolder';
import { parseMetricsText } from '../../src/core/experiment/runFolder';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { CLI as BUILT_CLI, tempDir, tinySpec } from '../integration/helpers';

export { tempDir, tinySpec };

export const CLI = process.env.ATTENTION_LAB_TEST_CLI ?? BUILT_CLI;

// Every temporary folder registers an exit hook; the damage catalogue makes a few dozen.
process.setMaxListeners(200);
export const DIST = process.env.ATTENTION_LAB_TEST_DIST ?? path.resolve(path.dirname(BUILT_CLI), '..', 'dist');

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (or kills it after `timeoutMs`: a hang fails the test, never the suite). */
export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A user error: status 2, one line on stderr matching `pattern`, no stack trace, no "internal error". */
export function assertUserError(r: Result, pattern: RegExp, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${String(r.signal)} (a hang?)\n${r.stderr}`);
  assert.equal(r.status, 2, `${what}: exit ${String(r.status)}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: expected one line, got:\n${r.stderr}`);
  assert.match(lines[0] as string, pattern, what);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, what);
}

/** Starts the CLI in a process group of its own (so a signal can reach the runner and its workers). */
export function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export function exited(child: ChildProcess, timeoutMs = 90_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms (a hang)`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Polls until `cond` holds (or fails after `timeoutMs`). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function writeSpec(dir: string, spec: ExperimentSpec, name = 'spec.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

export function readRun(runDir: string): RunFile {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunFile;
}

export function runDirs(experimentDir: string): string[] {
  return fs
    .readdirSync(experimentDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(experimentDir, e.name))
    .sort();
}

/** metrics.jsonl with the wall-clock times zeroed: what must be identical between two histories. */
export function history(runDir: string): MetricsRecord[] {
  const file = path.join(runDir, 'metrics.jsonl');
  return parseMetricsText(fs.readFileSync(file, 'utf8')).map((r) => ('wallTime' in r ? { ...r, wallTime: 0 } : r));
}

/** analysis.json without its timestamps and durations. */
export function analysisOf(runDir: string): unknown {
  const a = JSON.parse(fs.readFileSync(path.join(runDir, 'analysis.json'), 'utf8')) as Record<string, unknown>;
  return { ...a, createdAt: null, seconds: null };
}

export async function tensorBytes(file: string): Promise<Map<string, Buffer>> {
  const f = await openSafetensors(file);
  const out = new Map<string, Buffer>();
  for (const t of f.tensors) out.set(t.name, Buffer.from(await f.readBytes(t.name)));
  await f.close();
  return out;
}

/** Asserts two checkpoints hold the same tensors, byte for byte. */
export async function assertSameWeights(a: string, b: string): Promise<void> {
  const x = await tensorBytes(a);
  const y = await tensorBytes(b);
  assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort(), 'same tensors');
  for (const [name, bytes] of x) assert.ok(bytes.equals(y.get(name) as Buffer), `${name} differs`);
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Mounts a tmpfs of `kib` KiB at a fresh folder (root only); returns it and an unmount function, or why it cannot. */
export function mountTmpfs(kib: number, options = ''): { dir: string; unmount: () => void } | { skip: string } {
  if (!isRoot()) return { skip: 'needs root to mount a small tmpfs' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k${options ? `,${options}` : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return { skip: `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}` };
  }
  let mounted = true;
  const unmount = (): void => {
    if (!mounted) return;
    mounted = false;
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', unmount);
  return { dir, unmount };
}
