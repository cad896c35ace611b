/**
 * The sidebar's "Runs" tree (experiments → runs → checkpoints): vscode glue over the pure
 * runsTreeModel. Re-reads the runs folder when files in it change (a watcher on run.json,
 * experiment.json and checkpoints, debounced) and shows the backend's live step and loss for
 * running runs between run.json writes.
 */
import * as vscode from 'vscode';
import type { JobTracker } from '../jobs/jobTracker';
import { readRunsFolder, type ExperimentSummary } from '../runs/readRunsFolder';
import { childNodes, nodeView, rootNodes, type LiveRunState, type TreeNode } from './runsTreeModel';

const DEBOUNCE_MS = 250;

export class RunsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private experiments: ExperimentSummary[] = [];
  private watcher: vscode.Disposable | null = null;
  private watchedRoot: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly hasRunsListeners = new Set<(has: boolean) => void>();

  constructor(
    private readonly runsRoot: () => string | null,
    private readonly jobs: JobTracker,
  ) {
    this.disposables.push(this.emitter, jobs.onChange(() => this.scheduleRefresh()));
  }

  /** Called with whether there are experiments, after every refresh (for the welcome view). */
  onHasRuns(listener: (has: boolean) => void): vscode.Disposable {
    this.hasRunsListeners.add(listener);
    return new vscode.Disposable(() => this.hasRunsListeners.delete(listener));
  }

  /** The experiments as last read. */
  current(): readonly ExperimentSummary[] {
    return this.experiments;
  }

  refresh(): void {
    const root = this.runsRoot();
    this.watch(root);
    this.experiments = root ? readRunsFolder(root) : [];
    for (const l of this.hasRunsListeners) l(this.experiments.length > 0);
    this.emitter.fire(undefined);
  }

  scheduleRefresh(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, DEBOUNCE_MS);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const v = nodeView(node);
    const collapsible =
      v.collapsible === 'none' ? vscode.TreeItemCollapsibleState.None : v.collapsible === 'expanded' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(v.label, collapsible);
    item.id = node.key;
    item.description = v.description;
    item.tooltip = v.tooltip;
    item.contextValue = v.contextValue;
    item.iconPath = new vscode.ThemeIcon(v.icon, v.iconColor ? new vscode.ThemeColor(v.iconColor) : undefined);
    if (node.kind === 'checkpoint') {
      item.resourceUri = vscode.Uri.file(node.checkpoint.file);
      item.command = { command: 'attentionLab.openCheckpoint', title: 'Open Checkpoint', arguments: [node] };
    }
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      if (this.watchedRoot === null && this.experiments.length === 0) this.refresh();
      return rootNodes(this.experiments);
    }
    const live = new Map<string, LiveRunState>();
    for (const [dir, r] of this.jobs.liveRuns()) if (r.loss !== null || r.queue !== null) live.set(dir, { step: r.step, totalSteps: r.totalSteps, loss: r.loss, queue: r.queue });
    return childNodes(node, live);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'experiment') return undefined;
    const e = this.experiments.find((x) => x.runs.some((r) => r.dir === node.run.dir));
    if (!e) return undefined;
    if (node.kind === 'run') return { kind: 'experiment', key: e.dir, experiment: e };
    return { kind: 'run', key: node.run.dir, run: node.run, live: undefined };
  }

  private watch(root: string | null): void {
    if (root === this.watchedRoot) return;
    this.watcher?.dispose();
    this.watcher = null;
    this.watchedRoot = root;
    if (root === null) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/{experiment.json,run.json,*.safetensors}'));
    const onChange = (): void => this.scheduleRefresh();
    this.watcher = vscode.Disposable.from(w, w.onDidCreate(onChange), w.onDidChange(onChange), w.onDidDelete(onChange));
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
