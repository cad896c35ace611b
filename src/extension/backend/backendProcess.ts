/**
 * The training backend as seen from the extension host: a child process (dist/backend.js)
 * started on first use, spoken to with RpcEndpoint<HostApi, BackendApi> over Node IPC, and
 * owned by a disposable (like vscode-tensorboard's server process). No vscode import, so it is
 * unit-tested with the real backend bundle under node:test.
 *
 * Start-up waits for the `backend/ready` event, racing a timeout, a cancellation signal and an
 * early exit. When the process dies (crash, out of memory, killed) every pending request fails
 * with a BackendExitError carrying the last lines of its stderr, `onExit` listeners hear about
 * it, and the next request starts a fresh process: the host itself never goes down with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { BACKEND_GUARDS, HOST_GUARDS, NO_NATIVE_ENV, type BackendApi, type HostApi } from '../../protocol/backendMessages';
import { RpcCancelledError, RpcEndpoint, RpcError, type Envelope, type RpcTransport } from '../../protocol/rpc';
import { onStreamLines } from '../streamLines';

export type BackendEndpoint = RpcEndpoint<HostApi, BackendApi>;

export interface BackendProcessOptions {
  /** Absolute path of dist/backend.js. */
  script: string;
  /** Node executable for the backend; the host's own runtime when empty. */
  nodePath?: string;
  /**
   * A folder whose node_modules holds @tensorflow/tfjs-node (or that node_modules folder itself):
   * the backend resolves the native backend from there. Ignored with `noNative`.
   */
  nativeModulesPath?: string;
  /** Forbid @tensorflow/tfjs-node (untrusted workspace): the backend maps `auto` to `wasm`. */
  noNative: boolean;
  /** Working directory of the process (the workspace folder, or the extension's folder). */
  cwd?: string;
  /** One line of the backend's log (its `backend/log` events, stdout and stderr). */
  log: (line: string) => void;
  /** Milliseconds to wait for `backend/ready`; default 20 s (a cold start on a loaded machine). */
  startTimeoutMs?: number;
  /** Heap limit of the backend in MB (`--max-old-space-size`); Node's default when unset. */
  maxOldSpaceMb?: number;
}

export interface BackendExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether we asked it to stop (dispose / restart) rather than it dying on its own. */
  expected: boolean;
  /** The last lines it wrote to stderr (the crash report, "JavaScript heap out of memory", …). */
  stderrTail: string[];
}

/** A request failed because the backend process ended. */
export class BackendExitError extends RpcError {
  override name = 'BackendExitError';
  constructor(readonly exit: BackendExit) {
    super(describeExit(exit));
  }
}

export function describeExit(exit: BackendExit): string {
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const oom = exit.stderrTail.some((l) => /heap out of memory|Allocation failed/i.test(l)) ? ' — it ran out of memory' : '';
  const last = exit.stderrTail.filter((l) => l.trim() !== '').at(-1);
  return `The Attention Lab backend ${how}${oom}${last && !oom ? `: ${last.trim()}` : ''}`;
}

/** RpcTransport over a ChildProcess's IPC channel. */
export function childTransport(child: ChildProcess): RpcTransport {
  return {
    post(message: Envelope): void {
      if (!child.connected) throw new Error('the backend process is not running');
      child.send(message);
    },
    listen(handler: (raw: unknown) => void): () => void {
      child.on('message', handler);
      return () => child.off('message', handler);
    },
  };
}

const STDERR_TAIL = 20;

export class BackendProcess {
  private child: ChildProcess | null = null;
  private endpoint: BackendEndpoint | null = null;
  private starting: Promise<BackendEndpoint> | null = null;
  private readonly exitListeners = new Set<(exit: BackendExit) => void>();
  private readonly endpointListeners = new Set<(endpoint: BackendEndpoint) => void>();
  private disposed = false;
  /** Processes we asked to end, so their exit is not reported as a crash. */
  private readonly stopped = new WeakSet<ChildProcess>();

  private readonly options: () => BackendProcessOptions;

  /** Options may be a function: read at each start, so a restart picks up changed settings. */
  constructor(options: BackendProcessOptions | (() => BackendProcessOptions)) {
    this.options = typeof options === 'function' ? options : () => options;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.endpoint !== null;
  }

  /** Called with each exit of the process (expected or not). */
  onExit(listener: (exit: BackendExit) => void): { dispose(): void } {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  /** Called with each new endpoint once its process is ready (to subscribe to its events). */
  onReady(listener: (endpoint: BackendEndpoint) => void): { dispose(): void } {
    this.endpointListeners.add(listener);
    return { dispose: () => this.endpointListeners.delete(listener) };
  }

  /** The ready endpoint, starting the process if needed. */
  ensureStarted(signal?: AbortSignal): Promise<BackendEndpoint> {
    if (this.disposed) return Promise.reject(new RpcError('the backend was disposed'));
    if (this.endpoint) return Promise.resolve(this.endpoint);
    this.starting ??= this.start(signal).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Stops the process: SIGTERM (it cancels its runs, which save checkpoints), SIGKILL after `graceMs`. */
  async stop(graceMs = 12_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopped.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.stop();
  }

  private async start(signal?: AbortSignal): Promise<BackendEndpoint> {
    const options = this.options();
    const { script, nodePath, noNative, cwd, log } = options;
    const env: NodeJS.ProcessEnv = { ...process.env, [NO_NATIVE_ENV]: noNative ? '1' : '0' };
    // NODE_PATH could point module resolution at the workspace; the backend resolves
    // @tensorflow/tfjs-node only from its own installation, or from the folder the user named
    // in attentionLab.nativeModulesPath (never in an untrusted workspace: noNative).
    delete env.NODE_PATH;
    if (noNative) delete env.NODE_OPTIONS;
    else if (options.nativeModulesPath) {
      const p = path.resolve(options.nativeModulesPath);
      env.NODE_PATH = path.basename(p) === 'node_modules' ? p : path.join(p, 'node_modules');
    }
    const execArgv = options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
    const child = fork(script, [], {
      cwd,
      env,
      execArgv,
      ...(nodePath ? { execPath: nodePath } : {}),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    const stderrTail: string[] = [];
    onStreamLines(child.stdout, (l) => log(`[backend] ${l}`));
    onStreamLines(child.stderr, (l) => {
      log(`[backend:stderr] ${l}`);
      stderrTail.push(l);
      if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
    });
    const endpoint: BackendEndpoint = new RpcEndpoint<HostApi, BackendApi>(childTransport(child), HOST_GUARDS, BACKEND_GUARDS, (reason) =>
      log(`[host] rejected a message from the backend: ${reason}`),
    );
    endpoint.on('backend/log', ({ level, message }) => log(`[backend] ${level === 'info' ? '' : level + ': '}${message}`));

    let exitInfo: BackendExit | null = null;
    const exited = new Promise<BackendExit>((resolve) => {
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
        const expected = this.stopped.has(child);
        exitInfo = { code, signal: sig, expected, stderrTail: stderrTail.slice() };
        if (this.child === child) {
          this.child = null;
          this.endpoint = null;
        }
        endpoint.rejectAll(new BackendExitError(exitInfo));
        endpoint.dispose();
        log(`[host] backend process ${child.pid} ended: ${describeExit(exitInfo)}`);
        for (const l of [...this.exitListeners]) l(exitInfo);
        resolve(exitInfo);
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        // spawn failure (bad nodePath): 'exit' may not follow
        log(`[host] backend process error: ${err.message}`);
        stderrTail.push(err.message);
        if (child.exitCode === null && child.pid === undefined) onExit(null, null);
      });
    });

    const timeoutMs = options.startTimeoutMs ?? 20_000;
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onAbort);
    try {
      const ready = await Promise.race([
        endpoint.waitFor('backend/ready', { timeoutMs, signal: abort.signal }),
        exited.then((e) => Promise.reject(new BackendExitError(e))),
      ]);
      log(`[host] backend ready: pid ${ready.pid}, Node ${ready.node}, tfjs-node ${ready.tfjsNode}`);
    } catch (err) {
      abort.abort();
      if (exitInfo === null) {
        this.stopped.add(child);
        child.kill('SIGKILL');
      }
      if (err instanceof RpcCancelledError) throw new RpcCancelledError('starting the backend was cancelled');
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    this.endpoint = endpoint;
    for (const l of [...this.endpointListeners]) l(endpoint);
    return endpoint;
  }
}
