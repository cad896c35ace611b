/**
 * The training backend process (dist/backend.js), forked by the extension host on first use.
 * It speaks BackendApi over Node IPC, says `backend/ready` once it can take requests, and ends
 * cleanly when the host asks (SIGTERM) or disappears (IPC disconnect): running runs are
 * cancelled first, so each saves a checkpoint and is marked `cancelled` in its run.json. Slurm
 * experiments are only no longer followed: their tasks live on the cluster and go on.
 */
import { BACKEND_GUARDS, HOST_GUARDS, NO_NATIVE_ENV, type BackendApi, type HostApi } from '../protocol/backendMessages';
import { RpcEndpoint } from '../protocol/rpc';
import { BackendService } from './backendService';
import { parentTransport } from './ipcTransport';

if (!process.send) {
  process.stderr.write('backend.js is started by the Attention Lab extension (child_process.fork); use `attention-lab` on the command line\n');
  process.exit(2);
}

const noNative = process.env[NO_NATIVE_ENV] === '1';
const endpoint = new RpcEndpoint<BackendApi, HostApi>(parentTransport(), BACKEND_GUARDS, HOST_GUARDS, (reason) =>
  endpoint.emit('backend/log', { level: 'warn', message: `rejected a message from the host: ${reason}` }),
);
const service = new BackendService(endpoint, { noNative });

let stopping = false;
async function stop(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (process.connected) endpoint.emit('backend/log', { level: 'info', message: `stopping (${why}); ${service.activeJobs} experiment(s) running` });
  // Cancel lets running runs write a checkpoint; a stuck run must not keep the process alive forever.
  const deadline = setTimeout(() => process.exit(1), 10_000);
  deadline.unref();
  await service.cancelAll();
  endpoint.dispose();
  process.exit(0);
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGHUP', () => void stop('SIGHUP'));
// Ctrl-C in a terminal that started the host reaches this process group too: the host decides.
process.on('SIGINT', () => undefined);
// With the host gone, its pipes are closed: a write error there must not crash the shutdown.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
process.on('disconnect', () => void stop('the extension host went away'));
process.on('uncaughtException', (err) => {
  // stderr reaches the host's output channel even when IPC is gone; the host then reports the crash.
  process.stderr.write(`attention-lab backend: uncaught error: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

endpoint.emit('backend/ready', { pid: process.pid, node: process.version, tfjsNode: noNative ? 'forbidden' : 'allowed' });
