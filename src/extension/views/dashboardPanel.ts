/**
 * The dashboard: one webview panel (createOrShow focuses the existing one), restored after a
 * window reload by a WebviewPanelSerializer (the page keeps its own UI state with setState; the
 * host re-reads the runs folder and posts the data after `webview/ready`). It shows either the
 * experiments of the runs folder or a comparison of selected runs (`DashboardTarget`); the page
 * saves the compared run folders in its state, so the serializer restores the same selection.
 */
import * as vscode from 'vscode';
import { comparedRunDirs, readComparisonSnapshot } from './comparisonSnapshot';
import { optimizerPaths } from './optimizerPaths';
import type { RunsFolder } from '../runs/runsFolder';
import { saveExport } from './saveExport';
import type { ViewServices } from './viewServices';
import { PANELS } from '../ids';
import { WebviewChannel, webviewOptions } from './webviewChannel';


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
  static createOrShow(extensionUri: vscode.Uri, services: ViewServices, store: RunsFolder, target: DashboardTarget | null = null): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (target !== null) existing.setTarget(target);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PANELS.dashboard, 'Attention Lab Dashboard', vscode.ViewColumn.Active, { ...webviewOptions(extensionUri), enableFindWidget: true });
    return new DashboardPanel(panel, extensionUri, services, store, target);
  }

  /** Called by the serializer with the panel VS Code restored after a reload (and the selection it compared, if any). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, services: ViewServices, store: RunsFolder, runDirs: string[] | null): DashboardPanel {
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
    private readonly store: RunsFolder,
    target: DashboardTarget | null,
  ) {
    DashboardPanel.current = this;
    if (target) this.apply(target);
    this.channel = new WebviewChannel(panel.webview, extensionUri, 'dashboard', 'Attention Lab Dashboard', services.log);
    this.serve();
    this.disposables.push(
      this.channel,
      this.channel.onDidBecomeReady(() => this.postAll()),
      store.onDidChange((change) => {
        if (!this.channel.isReady) return;
        if (change.kind === 'metrics') this.channel.endpoint.emit('run/metrics', { experiment: change.experiment, runId: change.runId, records: change.records, replace: change.replace });
        else if (change.kind === 'status') this.channel.endpoint.emit('run/status', { experiment: change.experiment, run: change.run });
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
    const comparison = this.runDirs ? { runDirs: this.runDirs, snapshot: readComparisonSnapshot(this.runDirs, (dir) => this.store.runSnapshot(dir)) } : null;
    this.channel.endpoint.emit('dashboard/data', { experiments: this.store.snapshot(), focus: this.focus, comparison });
  }

  /** The page's requests: exports, optimizer paths, leaving a comparison. */
  private serve(): void {
    const ep = this.channel.endpoint;
    ep.handle('export/save', async (p) => ({ saved: (await saveExport(p.format, p.fileName, p.data)) !== undefined }));
    ep.handle('paths/trace', (p) => optimizerPaths(p.fn, p.steps, p.optimizers, (params) => this.services.traceOptimizer(params)));
    ep.handle('dashboard/open', ({ experiment }) => {
      // The page left a comparison for a whole experiment.
      this.runDirs = null;
      this.focus = experiment;
      this.postAll();
      return {};
    });
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.panel.dispose();
  }
}

/** Restores the dashboard after a reload (registered for PANELS.dashboard; needs an onWebviewPanel activation event). */
export class DashboardSerializer implements vscode.WebviewPanelSerializer {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ViewServices,
    private readonly store: RunsFolder,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    DashboardPanel.revive(panel, this.extensionUri, this.services, this.store, comparedRunDirs(state));
  }
}
