/**
 * The live-run webview view in the Attention Lab sidebar: loss per run, progress, and the newest
 * attention entropy, updated from the runs folder as training writes it.
 */
import * as vscode from 'vscode';
import { liveRunEntries } from './liveRunEntries';
import type { RunsFolder } from '../runs/runsFolder';
import type { ViewServices } from './viewServices';
import { WebviewChannel } from './webviewChannel';
import { COMMANDS } from '../ids';

/** Changes arriving within this many milliseconds are posted together. */
const LIVE_POST_MS = 100;

export class LiveRunViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private channel: WebviewChannel | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ViewServices,
    private readonly store: RunsFolder,
  ) {
    this.disposables.push(store.onDidChange(() => this.schedulePost()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.channel?.dispose();
    const channel = new WebviewChannel(view.webview, this.extensionUri, 'liveRun', 'Live run', this.services.log);
    channel.endpoint.handle('dashboard/open', async ({ experiment }) => {
      await vscode.commands.executeCommand(COMMANDS.openDashboard, experiment ?? undefined);
      return {};
    });
    this.channel = channel;
    const ready = channel.onDidBecomeReady(() => this.post());
    // Hidden views lose their page; it sends webview/ready again when shown.
    const visibility = view.onDidChangeVisibility(() => {
      if (!view.visible) channel.reset();
    });
    view.onDidDispose(() => {
      ready.dispose();
      visibility.dispose();
      channel.dispose();
      if (this.channel === channel) this.channel = null;
    });
  }

  /** Posts coalesced: training runs write metrics many times a second (LIVE_POST_MS bounds the added latency). */
  private schedulePost(): void {
    if (this.pending !== null) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.post();
    }, LIVE_POST_MS);
  }

  private post(): void {
    if (!this.channel?.isReady) return;
    this.channel.endpoint.emit('liveRun/state', { runs: liveRunEntries(this.store.snapshot()) });
  }


  dispose(): void {
    if (this.pending !== null) clearTimeout(this.pending);
    this.channel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
