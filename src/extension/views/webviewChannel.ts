/**
 * The host end of one webview: sets its options (scripts on, resources limited to the built
 * webview bundles and media), writes its HTML with a fresh nonce, and speaks the one
 * request/reply protocol (src/protocol/views.ts) with it: `endpoint.handle` serves the page's
 * requests (checked by the guards before a handler sees them), `endpoint.emit` pushes data. Pushes
 * are held until the page says `webview/ready` (posts before that would be lost). One per panel,
 * view or editor; disposed with it.
 */
import * as vscode from 'vscode';
import { RpcEndpoint, type Envelope, type RpcTransport } from '../../protocol/rpc';
import { HOST_VIEW_GUARDS, WEBVIEW_GUARDS, type HostViewApi, type WebviewApi } from '../../protocol/views';
import { buildWebviewHtml, makeNonce } from './webviewHtml';

export type WebviewApp = 'dashboard' | 'liveRun' | 'inspector';

/** Roots a webview may load from: the built webview bundles and the media folder only. */
export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: localResourceRoots(extensionUri) };
}

export type ViewEndpoint = RpcEndpoint<HostViewApi, WebviewApi>;

export class WebviewChannel implements vscode.Disposable {
  private ready = false;
  private queue: Envelope[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** Fires on every `webview/ready` (also after the page reloads, e.g. when a hidden view is shown again). */
  readonly onDidBecomeReady = this.readyEmitter.event;
  /** Serve the page's requests with `endpoint.handle`, push data with `endpoint.emit`. */
  readonly endpoint: ViewEndpoint;

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    app: WebviewApp,
    title: string,
    log: (line: string) => void,
    initialData?: unknown,
  ) {
    webview.options = webviewOptions(extensionUri);
    webview.html = buildWebviewHtml({
      title,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${app}.js`)).toString(),
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      initialData: { app, ...(typeof initialData === 'object' && initialData !== null ? initialData : {}) },
    });
    const transport: RpcTransport = {
      post: (m) => {
        if (this.ready) void this.webview.postMessage(m);
        else if (m.inReplyTo === undefined) this.queue.push(m);
      },
      listen: (handler) => {
        const sub = webview.onDidReceiveMessage(handler);
        return () => sub.dispose();
      },
    };
    this.endpoint = new RpcEndpoint<HostViewApi, WebviewApi>(transport, HOST_VIEW_GUARDS, WEBVIEW_GUARDS, (reason) => log(`${app} webview: rejected a message: ${reason}`));
    this.disposables.push(
      this.readyEmitter,
      { dispose: () => this.endpoint.dispose() },
      { dispose: this.endpoint.on('webview/ready', () => this.becomeReady()) },
    );
  }

  private becomeReady(): void {
    this.ready = true;
    const queued = this.queue;
    this.queue = [];
    for (const m of queued) void this.webview.postMessage(m);
    this.readyEmitter.fire();
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The page is being reloaded (hidden view shown again): hold pushes until the next ready. */
  reset(): void {
    this.ready = false;
    this.queue = [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}
