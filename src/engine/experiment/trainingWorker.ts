/**
 * One training worker of the runner's pool, as a child process or as a worker thread: the same
 * bundle (dist/worker.js) and the same messages either way. Processes are the default for every
 * backend: the threads of one process share TensorFlow's runtime and V8's garbage-collection
 * helpers, and N runs in threads scale worse than in processes (2 native runs on 2 cores,
 * `npm run bench`: 1.59× in threads against 1.85× in processes; docs/benchmarks.md). A crash
 * (native abort, out of memory) also takes only its own process down.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Envelope, RpcTransport } from '../../protocol/rpc';

export type WorkerMode = 'thread' | 'process';

export interface TrainingWorker {
  /** The channel to the worker, for an RpcEndpoint (protocol/runner.ts). */
  transport: RpcTransport;
  /** Called once when the worker dies or fails to start, with a reason for the user. */
  onExit(listener: (reason: string) => void): void;
  terminate(): void;
  /** The process id of a worker process (undefined for a thread, or when it failed to start). */
  readonly pid?: number;
}

/** `env`: the environment of a worker process (TensorFlow's thread counts); this process's when undefined. */
export function startTrainingWorker(script: string, mode: WorkerMode, env?: NodeJS.ProcessEnv): TrainingWorker {
  return mode === 'process' ? processWorker(script, env) : threadWorker(script);
}

function threadWorker(script: string): TrainingWorker {
  const w = new Worker(script);
  return {
    transport: {
      post: (m: Envelope) => w.postMessage(m),
      listen: (l) => {
        w.on('message', l);
        return () => void w.off('message', l);
      },
    },
    onExit: (l) => {
      w.on('error', (err) => l(err.message));
      w.on('exit', (code) => l(`exit code ${code}`));
    },
    terminate: () => void w.terminate(),
  };
}

function processWorker(script: string, env: NodeJS.ProcessEnv | undefined): TrainingWorker {
  // The runner's environment (TensorFlow's thread settings) and the terminal for TensorFlow's own logs.
  const child: ChildProcess = fork(script, [], { env: env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    transport: {
      post: (m: Envelope) => {
        // A worker that just died closes the channel: its exit is reported by onExit, not by a throw here.
        if (child.connected) child.send(m, undefined, {}, () => undefined);
      },
      listen: (l) => {
        child.on('message', l);
        return () => void child.off('message', l);
      },
    },
    onExit: (l) => {
      child.on('error', (err) => l(err.message));
      child.on('exit', (code, signal) => l(signal ? `killed by ${signal}` : `exit code ${code}`));
    },
    terminate: () => void child.kill(),
    pid: child.pid,
  };
}
