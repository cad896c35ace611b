/**
 * The runs folder in the extension host: the one RunsFolderModel (runsFolderModel.ts) kept up to
 * date by the one file watcher, the backend's progress events (`touch`) and a cheap sweep of stats
 * (every SWEEP_ACTIVE_MS while a run is pending or running, every SWEEP_IDLE_MS otherwise, for the
 * runs no watcher reports, such as those the CLI starts in a new folder). The tree, the live-run
 * view and the dashboard all read it and listen to `onDidChange`.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ExperimentSnapshot, RunSnapshot } from '../../protocol/viewData';
import { readRunSnapshot } from '../../core/report/readExperiments';
import { RunsFolderModel, type RunsChange } from './runsFolderModel';
import type { ExperimentSummary } from './runSummary';

/** How often the files of pending and running runs are stat'ed (bounds the live views' latency when the watcher misses). */
export const SWEEP_ACTIVE_MS = 250;
/** How often the folder listings are stat'ed when nothing runs (a run started from the CLI shows within this). */
export const SWEEP_IDLE_MS = 1000;

export class RunsFolder implements vscode.Disposable {
  private readonly model: RunsFolderModel;
  private watcher: vscode.Disposable | null = null;
  private watchedRoot: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  readonly onDidChange: (listener: (change: RunsChange) => void) => vscode.Disposable;

  constructor(private readonly root: () => string | null) {
    this.model = new RunsFolderModel(root());
    this.onDidChange = (listener) => {
      const sub = this.model.onDidChange(listener);
      return new vscode.Disposable(() => sub.dispose());
    };
    this.watch(this.model.folder);
    this.schedule();
  }

  /** Experiments for the tree (newest first). */
  summaries(): ExperimentSummary[] {
    this.follow();
    return this.model.summaries();
  }

  /** Experiments with their runs' metrics and analyses, for the dashboard and the live view. */
  snapshot(): ExperimentSnapshot[] {
    this.follow();
    return this.model.snapshot();
  }

  /** One run folder's snapshot: from the model when it holds it, else read from disk (a run outside the runs folder). */
  runSnapshot(runDir: string): RunSnapshot {
    this.follow();
    return this.model.runSnapshot(path.resolve(runDir)) ?? readRunSnapshot(runDir);
  }

  /** Paths that may have changed (the backend reported progress in these run folders). */
  touch(paths: readonly string[]): void {
    for (const p of paths) this.model.touch(p);
  }

  /** Reads the folder again from scratch (the Refresh command, a changed setting). */
  refresh(): void {
    if (!this.follow()) this.model.reload();
  }

  /** Follows the runs-folder setting; true when it moved (and was read anew). */
  private follow(): boolean {
    const root = this.root();
    if (root === this.model.folder) return false;
    this.model.setRoot(root);
    this.watch(root);
    return true;
  }

  private watch(root: string | null): void {
    if (root === this.watchedRoot) return;
    this.watcher?.dispose();
    this.watcher = null;
    this.watchedRoot = root;
    if (root === null) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*'));
    const on = (uri: vscode.Uri): void => this.model.touch(uri.fsPath);
    this.watcher = vscode.Disposable.from(w, w.onDidCreate(on), w.onDidChange(on), w.onDidDelete(on));
  }

  private schedule(): void {
    if (this.disposed) return;
    this.timer = setTimeout(
      () => {
        this.model.sweep();
        this.schedule();
      },
      this.model.hasActiveRuns() ? SWEEP_ACTIVE_MS : SWEEP_IDLE_MS,
    );
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher?.dispose();
  }
}
