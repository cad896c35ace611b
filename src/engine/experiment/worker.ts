/**
 * Training worker of the runner: a child process (the default) or a worker thread
 * (trainingWorker.ts). Initialises its own backend once, then runs the runs it is sent one at a
 * time. Each worker has its own wasm instance or TensorFlow runtime: one core each.
 */
import { parentPort } from 'node:worker_threads';
import type { BackendInfo } from '../backend';
import { initBackend } from '../backend';
import type { RunnerMessage, WorkerMessage } from '../../protocol/messages';
import { isRunnerMessage } from '../../protocol/messages';
import { runTraining } from '../train/runTraining';

/** The runner's end of the channel: the thread's port, or the process's IPC channel. */
const port: { postMessage(m: WorkerMessage): void; on(event: 'message', l: (raw: unknown) => void): void } = parentPort
  ? parentPort
  : process.send
    ? {
        postMessage: (m) => void process.send?.(m),
        on: (_event, l) => void process.on('message', l),
      }
    : (() => {
        throw new Error('worker.js runs as a worker thread or a forked child process');
      })();
let cancelled = false;
let busy = false;
let orphaned = false;
if (!parentPort) {
  // Ctrl-C reaches the whole process group: the runner turns it into run/cancel messages, so
  // the run can save its checkpoint instead of dying mid-step.
  process.on('SIGINT', () => undefined);
  // A process worker ends with its runner: cancel the run in progress (it checkpoints), then exit.
  process.on('disconnect', () => {
    orphaned = true;
    cancelled = true;
    if (!busy) process.exit(0);
  });
}
let backend: BackendInfo | null = null;

const post = (m: WorkerMessage): void => port.postMessage(m);
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function start(msg: Extract<RunnerMessage, { type: 'run/start' }>): Promise<void> {
  busy = true;
  cancelled = false;
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
    if (orphaned) process.exit(0);
  }
}

port.on('message', (raw: unknown) => {
  if (!isRunnerMessage(raw)) return; // not ours: ignore rather than crash
  if (raw.type === 'run/cancel') cancelled = true;
  else if (!busy) void start(raw);
});
