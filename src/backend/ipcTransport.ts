/**
 * The RpcTransport of a forked child process: envelopes travel over Node's IPC channel
 * (`process.send` / `process.on('message')`). The host side's transport is in
 * src/extension/backend/backendProcess.ts.
 */
import type { Envelope, RpcTransport } from '../protocol/rpc';

export function parentTransport(proc: NodeJS.Process = process): RpcTransport {
  return {
    post(message: Envelope): void {
      // The host may be gone (its window closed, it crashed): the message has no reader left, and
      // the backend shuts down on 'disconnect' (main.ts). Dropping it is right; throwing would
      // crash the backend before its runs are saved. The callback swallows a race with the close.
      if (!proc.send || !proc.connected) return;
      proc.send(message, undefined, {}, () => undefined);
    },
    listen(handler: (raw: unknown) => void): () => void {
      proc.on('message', handler);
      return () => proc.off('message', handler);
    },
  };
}
