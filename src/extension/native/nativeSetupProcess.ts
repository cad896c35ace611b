/**
 * Runs dist/setup-native.js (src/core/native/main.ts) with the user's Node for the extension's "Set Up
 * Native Backend" command: one JSON event per stdout line becomes progress, stderr lines go to
 * the log, an AbortSignal ends the whole process group (npm, pip, node-gyp, the compiler with it).
 * No vscode import, so it is unit-tested under node:test.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { NativeManifest } from '../../core/native/nativeManifest';
import { findOnPath } from '../../core/native/findTools';
import type { SetupEvent } from '../../core/native/nativeSetup';
import { onStreamLines } from '../streamLines';

/** The oldest Node the backend bundle runs on (package.json's engines). */
const MIN_NODE_MAJOR = 20;

export class NativeSetupError extends Error {
  override name = 'NativeSetupError';
}
export class NativeSetupCancelled extends Error {
  override name = 'NativeSetupCancelled';
  constructor() {
    super('the native backend setup was cancelled');
  }
}

/**
 * The user's Node executable: `attentionLab.nodePath` when set, else `node` on PATH. Checked to
 * run and to be new enough; the error says what to do.
 */
export function findUserNode(nodePathSetting: string, envPath = process.env.PATH ?? ''): { node: string; version: string } {
  const node = nodePathSetting || findOnPath('node', envPath);
  if (!node) throw new NativeSetupError(`Node.js was not found on PATH: install Node.js ${MIN_NODE_MAJOR} or later (with npm), or set attentionLab.nodePath`);
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new NativeSetupError(`${node} does not run (${(r.error?.message ?? r.stderr ?? '').trim().split('\n')[0] || `exit ${r.status}`})`);
  const version = r.stdout.trim();
  const major = Number(version.split('.')[0]);
  if (!(major >= MIN_NODE_MAJOR)) throw new NativeSetupError(`${node} is Node.js ${version}; the native backend needs Node.js ${MIN_NODE_MAJOR} or later`);
  return { node, version };
}

export interface NativeSetupRun {
  /** dist/setup-native.js of the extension. */
  script: string;
  /** The Node executable to run it with (it installs, builds and verifies for this Node). */
  node: string;
  /** The folder to set up (the extension's global storage `native/`). */
  dir: string;
  signal?: AbortSignal;
  onEvent(event: SetupEvent): void;
  log(line: string): void;
  /** Extra environment (tests). */
  env?: NodeJS.ProcessEnv;
}

/** Runs the setup to its end: the verified manifest, or NativeSetupError / NativeSetupCancelled. */
export function runNativeSetup(o: NativeSetupRun): Promise<NativeManifest> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new NativeSetupCancelled());
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    // The backend's module resolution must not leak into npm and node-gyp; Electron's flag must
    // not turn the user's Node into something else.
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    delete env.ELECTRON_RUN_AS_NODE;
    // The global storage folder may not exist yet (and a missing cwd fails the spawn with ENOENT).
    try {
      fs.mkdirSync(o.dir, { recursive: true });
    } catch (err) {
      reject(new NativeSetupError(`cannot create ${o.dir}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    const child = spawn(o.node, [o.script, '--dir', o.dir, '--route', 'auto', '--self-contained', '--manifest', '--json'], {
      cwd: o.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that cancelling ends npm, pip and the compiler too.
      detached: process.platform !== 'win32',
    });
    let manifest: NativeManifest | null = null;
    let error = '';
    let cancelled = false;
    const stderrTail: string[] = [];
    lines(child.stdout, (line) => {
      let event: (SetupEvent | { type: 'error'; message: string }) | undefined;
      try {
        event = JSON.parse(line) as SetupEvent | { type: 'error'; message: string };
      } catch {
        o.log(line);
        return;
      }
      if (event.type === 'error') error = event.message;
      else {
        if (event.type === 'done') manifest = event.manifest;
        o.onEvent(event);
      }
    });
    lines(child.stderr, (line) => {
      o.log(line);
      stderrTail.push(line);
      if (stderrTail.length > 10) stderrTail.shift();
    });
    const kill = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      cancelled = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 3000).unref();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(new NativeSetupError(`could not run ${o.node}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(new NativeSetupCancelled());
      else if (code === 0 && manifest) resolve(manifest);
      else reject(new NativeSetupError(error || `the setup ${sig ? `was killed (${sig})` : `exited with code ${code}`}${stderrTail.length ? `: ${stderrTail.at(-1)}` : ''}`));
    });
  });
}

/** The stream's non-blank lines, without trailing white space. */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  onStreamLines(stream, (raw) => {
    const line = raw.trimEnd();
    if (line.trim()) onLine(line);
  });
}
