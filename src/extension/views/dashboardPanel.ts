/**
 * The dashboard: one webview panel (createOrShow focuses the existing one), restored after a
 * window reload by a WebviewPanelSerializer (the page keeps its own UI state with setState; the
 * host re-reads the runs folder and posts the data after `webview/ready`).
 */
import * as vscode from 'vscode';
import type { WebviewMessage } from '../../protocol/webviewMessages';
import { optimizerPaths } from './optimizerPaths';
import type { RunsStore } from './runsStore';
import { saveExport } from './saveExport';
import type { ViewServices } from './viewServices';
import { WebviewChannel, webviewOptions } from './webviewChannel';

export const DASHBOARD_VIEW_TYPE = 'attentionLab.dashboard';

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly channel: WebviewChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private focus: string | null;

  /** Opens the dashboard (or brings it to the front), optionally on one experiment (its folder name). */
  static createOrShow(extensionUri: vscode.Uri, services: ViewServices, store: RunsStore, focus: string | null = null): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (focus !== null) existing.setFocus(focus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Attention Lab Dashboard', vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new DashboardPanel(panel, extensionUri, services, store, focus);
  }

  /** Called by the serializer with the panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, services: ViewServices, store: RunsStore): DashboardPanel {
    DashboardPanel.current?.dispose();
    return new DashboardPanel(panel, extensionUri, services, store, null);
  }

  static get instance(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly services: ViewServices,
    private readonly store: RunsStore,
    focus: string | null,
  ) {
    DashboardPanel.current = this;
    this.focus = focus;
    this.channel = new WebviewChannel(panel.webview, extensionUri, 'dashboard', 'Attention Lab Dashboard', (m) => this.onMessage(m), services.log);
    this.disposables.push(
      this.channel,
      this.channel.onDidBecomeReady(() => this.postAll()),
      store.onDidChange((change) => {
        if (!this.channel.isReady) return;
        if (change.kind === 'metrics') this.channel.post({ type: 'run/metrics', experiment: change.experiment, runId: change.runId, records: change.records, replace: change.replace });
        else if (change.kind === 'status') this.channel.post({ type: 'run/status', experiment: change.experiment, run: change.run });
        else this.postAll();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  setFocus(experiment: string): void {
    this.focus = experiment;
    this.postAll();
  }

  private postAll(): void {
    this.channel.post({ type: 'dashboard/data', experiments: this.store.snapshot(), focus: this.focus });
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'export/save':
        await saveExport(m.format, m.fileName, m.data);
        return;
      case 'trace/request':
        try {
          const paths = await optimizerPaths(m.fn, m.steps, m.optimizers, (p) => this.services.traceOptimizer(p));
          this.channel.post({ type: 'trace/result', requestId: m.requestId, paths });
        } catch (err) {
          this.channel.post({ type: 'trace/error', requestId: m.requestId, message: err instanceof Error ? err.message : String(err) });
        }
        return;
      case 'checkpoint/open':
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(m.path), 'attentionLab.checkpointInspector');
        return;
      default:
        this.services.log(`dashboard: ignored ${m.type}`);
    }
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.panel.dispose();
  }
}

/** Restores the dashboard after a reload (registered for DASHBOARD_VIEW_TYPE; needs an onWebviewPanel activation event). */
export class DashboardSerializer implements vscode.WebviewPanelSerializer {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ViewServices,
    private readonly store: RunsStore,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    DashboardPanel.revive(panel, this.extensionUri, this.services, this.store);
  }
}
