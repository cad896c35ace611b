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
import { RpcEndpoint, type Envelope, type RpcTransport } from '../../protocol/rpc';
import { RUNNER_GUARDS, WORKER_GUARDS, wireLoss, type NarEnd, type NarPretrainParams, type RunEnd, type RunStartParams, type RunnerApi, type WorkerApi } from '../../protocol/runner';
import { runTraining } from '../train/runTraining';
import { cancelQueuedRuns } from '../../core/experiment/cancelQueuedRuns';
import { pretrainNar } from '../nar/pretrainNar';
import type { Logger } from '../../core/log';

/** The runner's end of the channel: the thread's port, or the process's IPC channel. */
function runnerTransport(): RpcTransport {
  if (parentPort) {
    const port = parentPort;
    return {
      post: (m: Envelope) => port.postMessage(m),
      listen: (h) => {
        port.on('message', h);
        return () => port.off('message', h);
      },
    };
  }
  if (!process.send) throw new Error('worker.js runs as a worker thread or a forked child process');
  return {
    post: (m: Envelope) => {
      // After the runner died the channel is closed: drop the message (the callback swallows a race).
      if (process.connected) process.send?.(m, undefined, {}, () => undefined);
    },
    listen: (h) => {
      process.on('message', h);
      return () => process.off('message', h);
    },
  };
}

const endpoint = new RpcEndpoint<WorkerApi, RunnerApi>(runnerTransport(), WORKER_GUARDS, RUNNER_GUARDS, (reason) =>
  endpoint.emit('worker/log', { level: 'warn', message: `the worker rejected a message from its runner: ${reason}` }),
);
/** The engine's warnings travel to the runner, which logs them where its front end logs. */
const logger: Logger = { log: (level, message) => endpoint.emit('worker/log', { level, message }) };

let cancelled = false;
let busy = false;
/** Exit once the run in progress has ended (a signal, or the runner is gone). */
let exitWhenIdle = false;
let orphaned = false;
/** The runner that started this worker, to cancel its queued runs if it dies. */
const runnerPid = process.ppid;
const experimentDirs = new Set<string>();

if (!parentPort) {
  // Ctrl-C reaches the whole process group: the runner turns it into run/cancel requests, so
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

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function leave(): void {
  if (orphaned) {
    for (const dir of experimentDirs) cancelQueuedRuns(dir, runnerPid, os.hostname());
  }
  process.exit(0);
}

async function start(p: RunStartParams): Promise<RunEnd> {
  busy = true;
  cancelled = exitWhenIdle;
  experimentDirs.add(path.dirname(p.runDir));
  try {
    if (!backend) {
      backend = await initBackend(p.backend);
      endpoint.emit('worker/ready', { backend: backend.name, reason: backend.reason });
    }
    return await runTraining({
      runDir: p.runDir,
      experiment: p.experiment,
      config: p.config,
      backend: backend.name,
      resume: p.resume,
      isCancelled: () => cancelled,
      onEvent: ({ type, ...event }) => endpoint.emit(type, event as never),
      log: logger,
      yieldToEventLoop,
      populationProcesses: p.populationProcesses,
    });
  } catch (err) {
    return { runId: p.config.id, status: 'failed', error: err instanceof Error ? err.message : String(err), final: null };
  } finally {
    busy = false;
    if (exitWhenIdle && !parentPort) setImmediate(leave);
  }
}

/** Pretrains a NAR (TransNAR's first phase) and writes its checkpoint; the reply is how it ended. */
async function pretrain(p: NarPretrainParams): Promise<NarEnd> {
  busy = true;
  cancelled = exitWhenIdle;
  try {
    if (!backend) {
      backend = await initBackend(p.backend);
      endpoint.emit('worker/ready', { backend: backend.name, reason: backend.reason });
    }
    let last = 0;
    const evaluation = await pretrainNar(p.algorithm, p.train, p.file, {
      isCancelled: () => cancelled,
      onProgress: (e) => {
        const now = performance.now();
        if (now - last < 200 && e.step < e.steps) return;
        last = now;
        endpoint.emit('nar/progress', { id: p.id, step: e.step, steps: e.steps, loss: wireLoss(e.loss) });
      },
    });
    return evaluation ? { id: p.id, status: 'completed', error: null, eval: evaluation } : { id: p.id, status: 'cancelled', error: null, eval: null };
  } catch (err) {
    return { id: p.id, status: 'failed', error: err instanceof Error ? err.message : String(err), eval: null };
  } finally {
    busy = false;
    if (exitWhenIdle && !parentPort) setImmediate(leave);
  }
}

// A start the worker cannot use is answered with an error (the runner fails that run), never left waiting.
endpoint.handle('run/start', (p) => {
  if (busy) throw new Error(`the worker is already training a run; ${p.config.id} was not started`);
  return start(p);
});
endpoint.handle('nar/pretrain', (p) => {
  if (busy) throw new Error(`the worker is already busy; the NAR ${p.id} was not pretrained`);
  return pretrain(p);
});
endpoint.handle('run/cancel', () => {
  const was = busy && !cancelled;
  cancelled = true;
  return { cancelled: was };
});
