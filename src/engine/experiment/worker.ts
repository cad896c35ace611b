/**
 * Training worker (a worker thread of the runner). Initialises its own backend once, then runs
 * the runs it is sent one at a time. Each worker has its own wasm instance: one core each.
 */
import { parentPort } from 'node:worker_threads';
import type { BackendInfo } from '../backend';
import { initBackend } from '../backend';
import type { RunnerMessage, WorkerMessage } from '../../protocol/messages';
import { isRunnerMessage } from '../../protocol/messages';
import { runTraining } from '../train/runTraining';

if (!parentPort) throw new Error('worker.js must run as a worker thread');
const port = parentPort;
let backend: BackendInfo | null = null;
let cancelled = false;
let busy = false;

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
  }
}

port.on('message', (raw: unknown) => {
  if (!isRunnerMessage(raw)) return; // not ours: ignore rather than crash
  if (raw.type === 'run/cancel') cancelled = true;
  else if (!busy) void start(raw);
});
