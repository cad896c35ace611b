/**
 * The sidebar's "Runs" tree (experiments → runs → checkpoints): vscode glue over the pure
 * runsTreeModel, reading the one runs-folder model (runs/runsFolder.ts) when it reports a change
 * (debounced), and showing the backend's live step and loss for running runs between run.json
 * writes, and on an experiment the step and loss of the NAR it is pretraining (TransNAR).
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../ids';
import type { JobTracker } from '../jobs/jobTracker';
import type { RunsFolder } from '../runs/runsFolder';
import type { ExperimentSummary } from '../runs/runSummary';
import { childNodes, nodeView, rootNodes, type LiveExperimentState, type LiveRunState, type TreeNode } from './runsTreeModel';

const DEBOUNCE_MS = 250;

export class RunsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private experiments: ExperimentSummary[] | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly runsFolder: RunsFolder,
    private readonly jobs: JobTracker,
  ) {
    this.disposables.push(
      this.emitter,
      jobs.onChange(() => this.scheduleRefresh()),
      runsFolder.onDidChange((change) => {
        if (change.kind !== 'metrics') this.scheduleRefresh();
      }),
    );
  }

  /** The experiments as last shown. */
  current(): readonly ExperimentSummary[] {
    return this.experiments ?? this.update();
  }

  /** Reads the runs folder again from scratch (the Refresh command, a changed setting). */
  refresh(): void {
    this.runsFolder.refresh();
    this.update();
  }

  private update(): ExperimentSummary[] {
    const experiments = this.runsFolder.summaries();
    this.experiments = experiments;
    this.emitter.fire(undefined);
    return experiments;
  }

  scheduleRefresh(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
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
      item.command = { command: COMMANDS.openCheckpoint, title: 'Open Checkpoint', arguments: [node] };
    }
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const live = new Map<string, LiveExperimentState>();
      for (const [dir, nar] of this.jobs.narPretraining()) live.set(dir, { nar });
      return rootNodes(this.experiments ?? this.update(), live);
    }
    const live = new Map<string, LiveRunState>();
    for (const [dir, r] of this.jobs.liveRuns()) if (r.loss !== null || r.queue !== null) live.set(dir, { step: r.step, totalSteps: r.totalSteps, loss: r.loss, queue: r.queue });
    return childNodes(node, live);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'experiment') return undefined;
    const e = this.current().find((x) => x.runs.some((r) => r.dir === node.run.dir));
    if (!e) return undefined;
    if (node.kind === 'run') return { kind: 'experiment', key: e.dir, experiment: e, live: undefined };
    return { kind: 'run', key: node.run.dir, run: node.run, live: undefined };
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
