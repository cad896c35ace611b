/**
 * The dashboard: one webview panel (createOrShow focuses the existing one), restored after a
 * window reload by a WebviewPanelSerializer (the page keeps its own UI state with setState; the
 * host re-reads the runs folder and posts the data after `webview/ready`). It shows either the
 * experiments of the runs folder or a comparison of selected runs (`DashboardTarget`); the page
 * saves the compared run folders in its state, so the serializer restores the same selection.
 */
import * as vscode from 'vscode';
import type { WebviewMessage } from '../../protocol/webviewMessages';
import { comparedRunDirs, readComparisonSnapshot } from './comparisonSnapshot';
import { optimizerPaths } from './optimizerPaths';
import type { RunsStore } from './runsStore';
import { saveExport } from './saveExport';
import type { ViewServices } from './viewServices';
import { WebviewChannel, webviewOptions } from './webviewChannel';

export const DASHBOARD_VIEW_TYPE = 'attentionLab.dashboard';

/** What the dashboard opens on: an experiment (its folder name) or selected run folders. */
export type DashboardTarget = { experiment: string } | { runDirs: string[] };

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly channel: WebviewChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private focus: string | null = null;
  /** The compared run folders, or null when the dashboard shows whole experiments. */
  private runDirs: string[] | null = null;

  /** Opens the dashboard (or brings it to the front), optionally on an experiment or selected runs. */
  static createOrShow(extensionUri: vscode.Uri, services: ViewServices, store: RunsStore, target: DashboardTarget | null = null): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (target !== null) existing.setTarget(target);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Attention Lab Dashboard', vscode.ViewColumn.Active, { ...webviewOptions(extensionUri), enableFindWidget: true });
    return new DashboardPanel(panel, extensionUri, services, store, target);
  }

  /** Called by the serializer with the panel VS Code restored after a reload (and the selection it compared, if any). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, services: ViewServices, store: RunsStore, runDirs: string[] | null): DashboardPanel {
    DashboardPanel.current?.dispose();
    return new DashboardPanel(panel, extensionUri, services, store, runDirs ? { runDirs } : null);
  }

  static get instance(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly services: ViewServices,
    private readonly store: RunsStore,
    target: DashboardTarget | null,
  ) {
    DashboardPanel.current = this;
    if (target) this.apply(target);
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

  setTarget(target: DashboardTarget): void {
    this.apply(target);
    this.postAll();
  }

  private apply(target: DashboardTarget): void {
    if ('runDirs' in target) {
      this.runDirs = [...target.runDirs];
      this.focus = null;
    } else {
      this.runDirs = null;
      this.focus = target.experiment;
    }
  }

  private postAll(): void {
    const comparison = this.runDirs ? { runDirs: this.runDirs, snapshot: readComparisonSnapshot(this.runDirs) } : null;
    this.channel.post({ type: 'dashboard/data', experiments: this.store.snapshot(), focus: this.focus, comparison });
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
      case 'dashboard/open':
        // The page left a comparison for a whole experiment.
        this.runDirs = null;
        this.focus = m.experiment;
        this.postAll();
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

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    DashboardPanel.revive(panel, this.extensionUri, this.services, this.store, comparedRunDirs(state));
  }
}
