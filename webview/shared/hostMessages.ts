/** Receives the host's messages, checked with parseHostMessage; anything else is logged and dropped. */
import { parseHostMessage, type HostMessage } from '../../src/protocol/webviewMessages';

export function listenToHost(handler: (message: HostMessage) => void): () => void {
  const onMessage = (ev: MessageEvent): void => {
    const parsed = parseHostMessage(ev.data);
    if (!parsed.ok) {
      console.warn(`Attention Lab: ignored a message from the host: ${parsed.error}`);
      return;
    }
    handler(parsed.message);
  };
  window.addEventListener('message', onMessage);
  return () => window.removeEventListener('message', onMessage);
}
