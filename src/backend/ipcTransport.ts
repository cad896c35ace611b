/**
 * The RpcTransport of a forked child process: envelopes travel over Node's IPC channel
 * (`process.send` / `process.on('message')`). The host side's transport is in
 * src/extension/backend/backendProcess.ts.
 */
import type { Envelope, RpcTransport } from '../protocol/rpc';

export function parentTransport(proc: NodeJS.Process = process): RpcTransport {
  return {
    post(message: Envelope): void {
      if (!proc.send || !proc.connected) throw new Error('the backend has no IPC channel to its parent');
      proc.send(message);
    },
    listen(handler: (raw: unknown) => void): () => void {
      proc.on('message', handler);
      return () => proc.off('message', handler);
    },
  };
}
