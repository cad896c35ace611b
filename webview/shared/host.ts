/**
 * The app's link to whatever hosts it: the VS Code webview API (acquireVsCodeApi: postMessage,
 * getState/setState) speaking the one request/reply protocol (src/protocol/views.ts), or, in the
 * static HTML report, a stand-in that keeps state in memory and has nobody to ask. Apps take an
 * AppHost, so tests can inject a fake one.
 */
import { RpcEndpoint, RpcError, type RequestOptions, type RpcTransport } from '../../src/protocol/rpc';
import { HOST_VIEW_GUARDS, WEBVIEW_GUARDS, type HostViewApi, type WebviewApi } from '../../src/protocol/views';

type Requests = HostViewApi['requests'];
type Events = HostViewApi['events'];

export interface AppHost {
  /** false in the static report: no host to export through, trace or open files. */
  readonly connected: boolean;
  /** Asks the host; rejects with the host's error (or at once when not connected). */
  request<K extends keyof Requests & string>(type: K, params: Requests[K]['params'], options?: RequestOptions): Promise<Requests[K]['result']>;
  /** Listens to data the host pushes (checked by the guards first); returns an unsubscribe. */
  on<K extends keyof Events & string>(type: K, listener: (payload: Events[K]) => void): () => void;
  /** Tells the host the page is ready for its data (once the listeners are set up). */
  ready(): void;
  getState<T>(): T | undefined;
  setState<T>(state: T): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

let cached: AppHost | null = null;

/** The VS Code host (acquireVsCodeApi may be called once per page, so the result is cached). */
export function vscodeHost(): AppHost {
  if (cached) return cached;
  if (typeof acquireVsCodeApi !== 'function') throw new Error('not running in a VS Code webview (acquireVsCodeApi is missing)');
  const api = acquireVsCodeApi();
  const transport: RpcTransport = {
    post: (m) => api.postMessage(m),
    listen: (handler) => {
      const onMessage = (ev: MessageEvent): void => handler(ev.data);
      window.addEventListener('message', onMessage);
      return () => window.removeEventListener('message', onMessage);
    },
  };
  const endpoint = new RpcEndpoint<WebviewApi, HostViewApi>(transport, WEBVIEW_GUARDS, HOST_VIEW_GUARDS, (reason) =>
    console.warn(`Attention Lab: ignored a message from the host: ${reason}`),
  );
  cached = {
    connected: true,
    request: (type, params, options) => endpoint.request(type, params, options),
    on: (type, listener) => endpoint.on(type, listener),
    ready: () => endpoint.emit('webview/ready', {}),
    getState: <T>() => (api.getState() ?? undefined) as T | undefined,
    setState: (s) => api.setState(s),
  };
  return cached;
}

/** The static report's host: state in memory, nobody to ask. */
export function staticHost(): AppHost {
  let state: unknown;
  return {
    connected: false,
    request: (type) => Promise.reject(new RpcError(`${type}: the static report has no host`)),
    on: () => () => undefined,
    ready: () => undefined,
    getState: <T>() => state as T | undefined,
    setState: (s) => {
      state = s;
    },
  };
}
