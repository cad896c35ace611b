/**
 * Training worker of the runner: a child process (the default) or a worker thread
 * (trainingWorker.ts). Initialises its own backend once, then runs the runs it is sent one at a
 * time. Each worker has its own wasm instance or TensorFlow runtime: one core each.
 *
 * Shutdown from every direction ends the run in progress cleanly (checkpoint, `cancelled`):
 * a run/cancel from the runner; SIGTERM or SIGHUP (sent to the whole process group by `timeout`,
 * `kill -- -PGID` or a closed terminal); or the runner's death (IPC disconnect) — then the worker
 * also marks the runs its runner had queued as `cancelled`, since nobody else is left to. A
 * message that cannot be sent (the channel closed) is dropped, never a crash.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { BackendInfo } from '../backend';
import { initBackend } from '../backend';
import type { RunnerMessage, WorkerMessage } from '../../protocol/messages';
import { isRunnerMessage } from '../../protocol/messages';
import { runTraining } from '../train/runTraining';
import { cancelQueuedRuns } from '../../core/experiment/cancelQueuedRuns';

/** The runner's end of the channel: the thread's port, or the process's IPC channel. */
const port: { postMessage(m: WorkerMessage): void; on(event: 'message', l: (raw: unknown) => void): void } = parentPort
  ? parentPort
  : process.send
    ? {
        postMessage: (m) => {
          // After the runner died the channel is closed: drop the message (the callback swallows a race).
          if (process.connected) process.send?.(m, undefined, {}, () => undefined);
        },
        on: (_event, l) => void process.on('message', l),
      }
    : (() => {
        throw new Error('worker.js runs as a worker thread or a forked child process');
      })();
let cancelled = false;
let busy = false;
/** Exit once the run in progress has ended (a signal, or the runner is gone). */
let exitWhenIdle = false;
let orphaned = false;
/** The runner that started this worker, to cancel its queued runs if it dies. */
const runnerPid = process.ppid;
const experimentDirs = new Set<string>();

if (!parentPort) {
  // Ctrl-C reaches the whole process group: the runner turns it into run/cancel messages, so
  // the run can save its checkpoint instead of dying mid-step.
  process.on('SIGINT', () => undefined);
  // SIGTERM / SIGHUP (to the group, or from the runner ending an idle worker): stop cleanly.
  const stop = (): void => {
    cancelled = true;
    exitWhenIdle = true;
    if (!busy) process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // A process worker ends with its runner: cancel the run in progress (it checkpoints), then exit.
  process.on('disconnect', () => {
    orphaned = true;
    stop();
  });
  // A closed terminal makes writes to it fail (EIO, EPIPE): that must not end a run.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
}
let backend: BackendInfo | null = null;

const post = (m: WorkerMessage): void => port.postMessage(m);
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function leave(): void {
  if (orphaned) {
    for (const dir of experimentDirs) cancelQueuedRuns(dir, runnerPid, os.hostname());
  }
  process.exit(0);
}

async function start(msg: Extract<RunnerMessage, { type: 'run/start' }>): Promise<void> {
  busy = true;
  cancelled = exitWhenIdle;
  experimentDirs.add(path.dirname(msg.runDir));
  try {
    if (!backend) {
      backend = await initBackend(msg.backend);
      post({ type: 'worker/ready', backend: backend.name, reason: backend.reason });
    }
    await runTraining({
      runDir: msg.runDir,
      experiment: msg.experiment,
      config: msg.config,
      backend: backend.name,
      resume: msg.resume,
      isCancelled: () => cancelled,
      onEvent: post,
      yieldToEventLoop,
    });
  } catch (err) {
    post({ type: 'run/end', runId: msg.config.id, status: 'failed', error: err instanceof Error ? err.message : String(err), final: null });
  } finally {
    busy = false;
    if (exitWhenIdle && !parentPort) leave();
  }
}

port.on('message', (raw: unknown) => {
  if (!isRunnerMessage(raw)) {
    // A start the worker cannot use must still end, or the runner would wait for it forever.
    const r = raw as { type?: unknown; config?: { id?: unknown } } | null;
    if (r !== null && typeof r === 'object' && r.type === 'run/start' && !busy) {
      const runId = typeof r.config?.id === 'string' ? r.config.id : 'unknown';
      post({ type: 'run/end', runId, status: 'failed', error: 'the worker was sent a malformed run/start message', final: null });
    }
    return;
  }
  if (raw.type === 'run/cancel') cancelled = true;
  else if (!busy) void start(raw);
});
