/**
 * The host end of one webview: sets its options (scripts on, resources limited to the built
 * webview bundles and media), writes its HTML with a fresh nonce, checks every message it sends
 * and holds the host's posts until the page says `webview/ready` (posts before that would be
 * lost). One per panel, view or editor; disposed with it.
 */
import * as vscode from 'vscode';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../protocol/webviewMessages';
import { buildWebviewHtml, makeNonce } from './webviewHtml';

export type WebviewApp = 'dashboard' | 'liveRun' | 'inspector';

/** Roots a webview may load from: the built webview bundles and the media folder only. */
export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: localResourceRoots(extensionUri) };
}

export class WebviewChannel implements vscode.Disposable {
  private ready = false;
  private queue: HostMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** Fires on every `webview/ready` (also after the page reloads, e.g. when a hidden view is shown again). */
  readonly onDidBecomeReady = this.readyEmitter.event;

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    app: WebviewApp,
    title: string,
    onMessage: (message: WebviewMessage) => void | Promise<void>,
    private readonly log: (line: string) => void,
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
    this.disposables.push(
      this.readyEmitter,
      webview.onDidReceiveMessage(async (raw: unknown) => {
        const parsed = parseWebviewMessage(raw);
        if (!parsed.ok) {
          this.log(`${app} webview: rejected a message: ${parsed.error}`);
          return;
        }
        if (parsed.message.type === 'webview/ready') {
          this.ready = true;
          const queued = this.queue;
          this.queue = [];
          for (const m of queued) void this.webview.postMessage(m);
          this.readyEmitter.fire();
          return;
        }
        try {
          await onMessage(parsed.message);
        } catch (err) {
          this.log(`${app} webview: ${parsed.message.type} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Posts now when the page is ready, else when it becomes ready (in order). */
  post(message: HostMessage): void {
    if (this.ready) void this.webview.postMessage(message);
    else this.queue.push(message);
  }

  /** The page is being reloaded (hidden view shown again): hold posts until the next ready. */
  reset(): void {
    this.ready = false;
    this.queue = [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}
