/**
 * The app's link to whatever hosts it: the VS Code webview API (acquireVsCodeApi: postMessage,
 * getState/setState) or, in the static HTML report, a stand-in that keeps state in memory and
 * has nobody to post to. Apps take an AppHost, so tests can inject a fake one.
 */
import type { WebviewMessage } from '../../src/protocol/webviewMessages';

export interface AppHost {
  /** false in the static report: no host to export through, trace or open files. */
  readonly connected: boolean;
  post(message: WebviewMessage): void;
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
  cached = {
    connected: true,
    post: (m) => api.postMessage(m),
    getState: <T>() => (api.getState() ?? undefined) as T | undefined,
    setState: (s) => api.setState(s),
  };
  return cached;
}

/** The static report's host: state in memory, posts dropped. */
export function staticHost(): AppHost {
  let state: unknown;
  return {
    connected: false,
    post: () => undefined,
    getState: <T>() => state as T | undefined,
    setState: (s) => {
      state = s;
    },
  };
}
