/**
 * The runs folder as the dashboard and the live-run view see it: full snapshots on demand, and
 * change events from a file watcher and from the backend's progress events (`noteActivity`): new
 * metrics lines of a run (only the appended lines, via MetricsTail), a rewritten run.json, or
 * anything else (an analysis or summary written, a new experiment) which asks the views to
 * reload. Bursts are debounced per file, so a file both sources report is read once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MetricsRecord, RunFile } from '../../protocol/runFolder';
import type { ExperimentSnapshot } from '../../protocol/viewData';
import type { RunsActivity } from './viewServices';
import { readRunFile } from '../../core/experiment/runFolder';
import { listExperimentDirs, readExperimentSnapshot } from '../../core/report/readExperiments';
import { MetricsTail } from './metricsTail';

export type RunsChange =
  | { kind: 'metrics'; experiment: string; runId: string; records: MetricsRecord[]; replace: boolean }
  | { kind: 'status'; experiment: string; run: RunFile }
  | { kind: 'reload' };

const DEBOUNCE_MS = 200;

export class RunsStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsChange>();
  readonly onDidChange = this.emitter.event;
  private readonly tails = new Map<string, MetricsTail>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private watcher: vscode.FileSystemWatcher | null = null;
  private watchedRoot: string | null = null;

  constructor(private readonly root: () => string | null) {}

  /** Reads every experiment of the runs folder. */
  snapshot(): ExperimentSnapshot[] {
    const root = this.root();
    this.watch(root);
    if (root === null) return [];
    const experiments = listExperimentDirs(root).map(readExperimentSnapshot);
    // Tails of known runs keep their place (other views rely on them for increments; a view
    // drops records it already has by step). New runs' tails start at the current end.
    for (const e of experiments) {
      for (const r of e.runs) {
        if (this.tails.has(r.dir)) continue;
        const tail = new MetricsTail(path.join(r.dir, 'metrics.jsonl'));
        tail.read();
        this.tails.set(r.dir, tail);
      }
    }
    return experiments;
  }

  private watch(root: string | null): void {
    if (root === this.watchedRoot) return;
    this.watcher?.dispose();
    this.watcher = null;
    this.watchedRoot = root;
    if (root === null) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*.{json,jsonl}'));
    const on = (uri: vscode.Uri): void => this.schedule(uri.fsPath);
    w.onDidChange(on);
    w.onDidCreate(on);
    w.onDidDelete(on);
    this.watcher = w;
  }

  /**
   * The backend reported progress: re-read the job's runs as if the watcher had seen their
   * metrics.jsonl and run.json change (it misses runs in freshly created folders on Linux, see
   * ViewServices.onRunsActivity), and reload once the job is over (summary, analyses).
   */
  noteActivity(activity: RunsActivity): void {
    for (const dir of activity.runDirs) {
      this.schedule(path.join(dir, 'metrics.jsonl'));
      this.schedule(path.join(dir, 'run.json'));
    }
    if (activity.ended && activity.experimentDir !== null) this.schedule(path.join(activity.experimentDir, 'summary.json'));
  }

  private schedule(file: string): void {
    const old = this.timers.get(file);
    if (old !== undefined) clearTimeout(old);
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        this.changed(file);
      }, DEBOUNCE_MS),
    );
  }

  private changed(file: string): void {
    const base = path.basename(file);
    const runDir = path.dirname(file);
    const experiment = path.basename(path.dirname(runDir));
    try {
      if (base === 'metrics.jsonl') {
        const tail = this.tails.get(runDir);
        if (tail === undefined) {
          // A run that started after the last snapshot: the views reload to learn about it.
          this.emitter.fire({ kind: 'reload' });
          return;
        }
        const { records, replace } = tail.read();
        if (records.length > 0 || replace) this.emitter.fire({ kind: 'metrics', experiment, runId: path.basename(runDir), records, replace });
        return;
      }
      if (base === 'run.json' && this.tails.has(runDir)) {
        this.emitter.fire({ kind: 'status', experiment, run: readRunFile(runDir) });
        return;
      }
      if (base.startsWith('.')) return; // atomic-write temporaries
      this.emitter.fire({ kind: 'reload' });
    } catch {
      // A file caught mid-replace: the next event reads it whole.
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.watcher?.dispose();
    this.emitter.dispose();
  }
}
