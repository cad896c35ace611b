/**
 * The one host-side model of the runs folder (docs/run-folder.md), feeding the tree, the live-run
 * view and the dashboard. It keeps what it read and reads again only what changed: a file is
 * re-read when its size or modification time changed (run.json, experiment.json, analysis.json, grid-world.json,
 * summary.json, the checkpoints folder), and metrics.jsonl is tailed from the last offset (only
 * the appended lines are parsed). Whoever learns that something may have changed says so with
 * `touch(path)` (the file watcher, the backend's progress events) or `sweep()` (a cheap stat of
 * the files of runs still pending or running and of the folder listings, for what no watcher
 * reports: on Linux VS Code's watcher misses files in folders made with `mkdir -p`, which is how
 * runs started from the CLI appear). Changes are pushed to listeners; nothing re-reads the whole
 * folder on a timer. Tolerant by design: a half-written or damaged file becomes a problem line,
 * never an exception. Pure Node fs, no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { upgradeRunConfig } from '../../protocol/config';
import type { ExperimentFile, MetricsRecord, RunFile } from '../../protocol/runFolder';
import { ANALYSIS_FILE, CHECKPOINT_DIR, EXPERIMENT_FILE, GRID_WORLD_FILE, METRICS_FILE, RUN_FILE, SLURM_SUBMISSION_FILE, SUMMARY_FILE } from '../../protocol/runFolder';
import type { ExperimentSnapshot, RunSnapshot } from '../../protocol/viewData';
import { listCheckpoints, readSmallTextFile, runFileProblem } from '../../core/experiment/runFolder';
import { MetricsTail } from './metricsTail';
import { runSummary, type ExperimentSummary, type RunSummary } from './runSummary';

export type RunsChange =
  /** New lines of a run's metrics.jsonl (all of them again with `replace` when the file was rewritten). */
  | { kind: 'metrics'; experiment: string; runDir: string; runId: string; records: MetricsRecord[]; replace: boolean }
  /** A run's run.json changed (status, step, final results). */
  | { kind: 'status'; experiment: string; runDir: string; run: RunFile }
  /** Anything else: an experiment or run came or went, an analysis, a summary or a checkpoint was written. */
  | { kind: 'structure' };

type Sig = string | null;

/** size and modification time, or null when the path does not exist. */
function sig(p: string): Sig {
  try {
    const s = fs.statSync(p);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function readJson(file: string, what: string): unknown {
  return JSON.parse(readSmallTextFile(file, what)) as unknown;
}

interface RunEntry {
  id: string;
  dir: string;
  /** undefined until first read. */
  runSig: Sig | undefined;
  /** run.json as parsed (for the tree's tolerant summary), and why it could not be read. */
  raw: unknown;
  rawProblem: string | null;
  /** run.json when usable; null when missing or damaged (`problem` says why). */
  run: RunFile | null;
  problem: string | null;
  summary: RunSummary;
  /** Tailed once a view asked for metrics. */
  tail: MetricsTail | null;
  metrics: MetricsRecord[];
  analysisSig: Sig;
  analysis: unknown;
  /** grid-world.json of a finished grid-world run (its explorations in the dashboard). */
  gridWorldSig: Sig;
  gridWorld: unknown;
  checkpointsSig: Sig | undefined;
}

interface ExperimentEntry {
  dir: string;
  /** The folder name: unique in the runs folder (quick, quick-2, …); the dashboard's key. */
  folder: string;
  expSig: Sig;
  /** experiment.json's own name (the tree's label), created time and spec. */
  name: string;
  createdAt: string | null;
  spec: ExperimentFile['spec'] | null;
  /** Run ids from experiment.json, in grid order (the run folders present when it cannot be read: `listed` false). */
  runIds: string[];
  listed: boolean;
  listingSig: Sig;
  runs: Map<string, RunEntry>;
  summarySig: Sig;
  summary: unknown;
  /** The array job id from slurm.json (experiments submitted to Slurm), else null. */
  slurmSig: Sig;
  arrayJobId: string | null;
  problems: string[];
}

export class RunsFolderModel {
  private experiments = new Map<string, ExperimentEntry>();
  private rootSig: Sig = null;
  /**
   * Folders of the runs folder without an experiment.json (yet): the runner makes the folder, then
   * writes the file inside it, which leaves the runs folder's own size and mtime as they were; so
   * these are looked at again on every check until they hold one.
   */
  private unfinished = new Set<string>();
  private metricsWanted = false;
  private readonly listeners = new Set<(change: RunsChange) => void>();

  constructor(private root: string | null) {
    this.rescan();
  }

  get folder(): string | null {
    return this.root;
  }

  onDidChange(listener: (change: RunsChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Points the model at another runs folder (the setting changed) and reads it. */
  setRoot(root: string | null): void {
    if (root === this.root) return;
    this.root = root;
    this.experiments.clear();
    this.rootSig = null;
    this.unfinished.clear();
    this.rescan();
    this.fire({ kind: 'structure' });
  }

  /** Reads everything again from scratch (the Refresh command). */
  reload(): void {
    this.experiments.clear();
    this.rootSig = null;
    this.unfinished.clear();
    this.rescan();
    this.fire({ kind: 'structure' });
  }

  /** Whether any run is pending or running (then sweeps are worth their stats). */
  hasActiveRuns(): boolean {
    for (const e of this.experiments.values()) for (const r of e.runs.values()) if (r.summary.status === 'pending' || r.summary.status === 'running') return true;
    return false;
  }

  /**
   * Something under `file` may have changed (a watcher event, a progress event). Checks the
   * experiment or run it belongs to; unchanged files are only stat'ed.
   */
  touch(file: string): void {
    if (this.root === null) return;
    const rel = path.relative(this.root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return;
    const parts = rel.split(path.sep).filter((p) => p !== '');
    if (parts.length === 0) return this.checkRoot();
    const [folder, runId] = parts;
    if (parts[parts.length - 1]?.startsWith('.')) return; // atomic-write temporaries
    const exp = this.experiments.get(path.join(this.root, folder as string));
    if (!exp) return this.checkRoot();
    // A run folder (or a file in it) of a run the model knows and that is still there: just that run.
    const run = runId === undefined ? undefined : exp.runs.get(runId);
    if (run && fs.existsSync(run.dir)) this.checkRun(exp, run);
    // The experiment folder itself, one of its files, a run folder appearing or going.
    else this.checkExperiment(exp);
  }

  /** Stats what no watcher may report: the folder listings and the files of runs still pending or running. */
  sweep(): void {
    if (this.root === null) return;
    this.checkRoot();
    for (const exp of this.experiments.values()) {
      this.checkExperiment(exp);
      for (const run of exp.runs.values()) if (run.summary.status === 'pending' || run.summary.status === 'running') this.checkRun(exp, run);
    }
  }

  /** The tree's view: experiments newest first, runs in grid order. No I/O. */
  summaries(): ExperimentSummary[] {
    const out = [...this.experiments.values()].map((e) => ({
      name: e.name,
      dir: e.dir,
      createdAt: e.createdAt,
      runs: [...e.runs.values()].map((r) => r.summary),
      problems: e.problems,
    }));
    return out.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.name.localeCompare(b.name));
  }

  /**
   * The dashboard's and live view's view: every experiment by folder name, each run with its
   * metrics and analysis. Metrics are read on the first call and tailed from then on.
   */
  snapshot(): ExperimentSnapshot[] {
    if (!this.metricsWanted) {
      this.metricsWanted = true;
      for (const e of this.experiments.values()) for (const r of e.runs.values()) this.tailMetrics(e, r, false);
    }
    return [...this.experiments.values()].sort((a, b) => a.folder.localeCompare(b.folder)).map((e) => this.experimentSnapshot(e));
  }

  /** One run with its metrics and analysis, when the model holds it and its run.json is usable. */
  runSnapshot(runDir: string): RunSnapshot | null {
    const exp = this.experiments.get(path.dirname(runDir));
    const run = exp?.runs.get(path.basename(runDir));
    if (!exp || !run?.run) return null;
    if (!this.metricsWanted) this.snapshot();
    return { dir: run.dir, run: run.run, metrics: run.metrics, analysis: run.analysis, gridWorld: run.gridWorld };
  }

  private experimentSnapshot(e: ExperimentEntry): ExperimentSnapshot {
    const runs: RunSnapshot[] = [];
    const problems = [...e.problems];
    for (const r of e.runs.values()) {
      if (r.run) runs.push({ dir: r.dir, run: r.run, metrics: r.metrics, analysis: r.analysis, gridWorld: r.gridWorld });
      else if (r.problem) problems.push(r.problem);
    }
    return { name: e.folder, dir: e.dir, spec: e.spec, runs, summary: e.summary, problems };
  }

  private fire(change: RunsChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  private rescan(): void {
    this.checkRoot();
  }

  /** The runs folder's listing: experiments that appeared or went. */
  private checkRoot(): void {
    if (this.root === null) return;
    const s = sig(this.root);
    const finished = [...this.unfinished].some((dir) => fs.existsSync(path.join(dir, EXPERIMENT_FILE)));
    if (s === this.rootSig && s !== null && !finished) return;
    this.rootSig = s;
    const names: string[] = [];
    this.unfinished.clear();
    try {
      for (const d of fs.readdirSync(this.root, { withFileTypes: true })) {
        if (!d.isDirectory()) continue;
        if (fs.existsSync(path.join(this.root, d.name, EXPERIMENT_FILE))) names.push(d.name);
        else this.unfinished.add(path.join(this.root, d.name));
      }
    } catch {
      // no runs folder (yet)
    }
    const present = new Set(names.map((n) => path.join(this.root as string, n)));
    let changed = false;
    for (const dir of [...this.experiments.keys()]) {
      if (!present.has(dir)) {
        this.experiments.delete(dir);
        changed = true;
      }
    }
    for (const dir of present) {
      if (this.experiments.has(dir)) continue;
      const exp: ExperimentEntry = { dir, folder: path.basename(dir), expSig: null, name: path.basename(dir), createdAt: null, spec: null, runIds: [], listed: false, listingSig: null, runs: new Map(), summarySig: null, summary: null, slurmSig: null, arrayJobId: null, problems: [] };
      this.experiments.set(dir, exp);
      this.checkExperiment(exp, false);
      changed = true;
    }
    if (changed) this.fire({ kind: 'structure' });
  }

  /** experiment.json, summary.json and the run folders present. */
  private checkExperiment(exp: ExperimentEntry, notify = true): void {
    let changed = false;
    const expFile = path.join(exp.dir, EXPERIMENT_FILE);
    const es = sig(expFile);
    const listing = sig(exp.dir);
    if (es !== exp.expSig || listing !== exp.listingSig) {
      exp.expSig = es;
      exp.listingSig = listing;
      this.readExperimentFile(exp, expFile);
      this.syncRuns(exp);
      changed = true;
    }
    const summaryFile = path.join(exp.dir, SUMMARY_FILE);
    const ss = sig(summaryFile);
    if (ss !== exp.summarySig) {
      exp.summarySig = ss;
      exp.problems = exp.problems.filter((p) => !p.startsWith(summaryFile));
      exp.summary = null;
      if (ss !== null) {
        try {
          exp.summary = readJson(summaryFile, SUMMARY_FILE);
        } catch (err) {
          exp.problems.push(`${summaryFile}: ${message(err)}`);
        }
      }
      changed = true;
    }
    const slurmFile = path.join(exp.dir, SLURM_SUBMISSION_FILE);
    const sl = sig(slurmFile);
    if (sl !== exp.slurmSig) {
      exp.slurmSig = sl;
      exp.arrayJobId = null;
      try {
        const raw = sl === null ? null : readJson(slurmFile, SLURM_SUBMISSION_FILE);
        if (isObject(raw) && typeof raw.arrayJobId === 'string') exp.arrayJobId = raw.arrayJobId;
      } catch {
        // being written, or not a submission: the runs' own run.json still say their task
      }
      for (const run of exp.runs.values()) run.summary = this.withTask(exp, run.summary);
      changed = true;
    }
    if (changed && notify) this.fire({ kind: 'structure' });
  }

  /** Runs of a Slurm array that have not started yet know their task from slurm.json: task i is runs[i] of experiment.json. */
  private withTask(exp: ExperimentEntry, summary: RunSummary): RunSummary {
    if (summary.slurm !== null || exp.arrayJobId === null || !exp.listed) return summary;
    const index = exp.runIds.indexOf(summary.id);
    return index < 0 ? summary : { ...summary, slurm: { jobId: `${exp.arrayJobId}_${index}`, state: null, log: null } };
  }

  private readExperimentFile(exp: ExperimentEntry, file: string): void {
    exp.problems = exp.problems.filter((p) => !p.startsWith(file));
    try {
      const raw = readJson(file, EXPERIMENT_FILE);
      if (!isObject(raw) || !Array.isArray(raw.runs)) throw new Error('not an experiment file (no runs list)');
      exp.name = typeof raw.name === 'string' ? raw.name : exp.folder;
      exp.createdAt = typeof raw.createdAt === 'string' ? raw.createdAt : null;
      exp.spec = isObject(raw.spec) ? (raw.spec as unknown as ExperimentFile['spec']) : null;
      exp.runIds = raw.runs.filter((r): r is string => typeof r === 'string' && r !== '' && !r.includes('/') && !r.includes('\\') && r !== '..' && r !== '.');
      exp.listed = true;
    } catch (err) {
      exp.listed = false;
      exp.problems.push(`${file}: ${message(err)}`);
      // Fall back to every sub-folder with a run.json.
      try {
        exp.runIds = fs
          .readdirSync(exp.dir)
          .filter((n) => fs.existsSync(path.join(exp.dir, n, RUN_FILE)))
          .sort();
      } catch {
        exp.runIds = [];
      }
    }
  }

  /** Runs listed and present on disk, in grid order (a deleted run is still listed in experiment.json). */
  private syncRuns(exp: ExperimentEntry): boolean {
    const ids = exp.runIds.filter((id) => fs.existsSync(path.join(exp.dir, id, RUN_FILE)) || exp.runs.has(id) || fs.existsSync(path.join(exp.dir, id)));
    let changed = ids.length !== exp.runs.size || ids.some((id, i) => [...exp.runs.keys()][i] !== id);
    const next = new Map<string, RunEntry>();
    for (const id of ids) {
      const dir = path.join(exp.dir, id);
      if (!fs.existsSync(dir)) {
        changed = true;
        continue;
      }
      const run = exp.runs.get(id) ?? this.newRun(exp, id, dir);
      next.set(id, run);
    }
    exp.runs = next;
    for (const run of next.values()) changed = this.checkRun(exp, run, false) || changed;
    return changed;
  }

  private newRun(exp: ExperimentEntry, id: string, dir: string): RunEntry {
    return {
      id,
      dir,
      runSig: undefined,
      raw: undefined,
      rawProblem: null,
      run: null,
      problem: null,
      summary: runSummary(undefined, dir, exp.name, []),
      tail: null,
      metrics: [],
      analysisSig: null,
      analysis: null,
      gridWorldSig: null,
      gridWorld: null,
      checkpointsSig: undefined,
    };
  }

  /** run.json, metrics.jsonl, analysis.json and the checkpoints of one run; returns whether anything changed. */
  private checkRun(exp: ExperimentEntry, run: RunEntry, notify = true): boolean {
    let structure = false;
    const runFile = path.join(run.dir, RUN_FILE);
    const rs = sig(runFile);
    const ckDir = path.join(run.dir, CHECKPOINT_DIR);
    const cs = sig(ckDir);
    const runChanged = rs !== run.runSig;
    const checkpointsChanged = cs !== run.checkpointsSig;
    if (runChanged || checkpointsChanged) {
      const statusBefore = run.summary.status;
      const hadRun = run.run !== null;
      run.runSig = rs;
      run.checkpointsSig = cs;
      if (runChanged) this.readRunFile(run, runFile);
      run.summary = this.withTask(exp, runSummary(run.raw, run.dir, exp.name, listCheckpoints(run.dir), run.rawProblem));
      // What the tree and the dashboard's run list show changed; a new step alone is a status update.
      structure = checkpointsChanged || run.summary.status !== statusBefore || hadRun !== (run.run !== null) || (runChanged && run.run === null);
      if (runChanged && run.run && notify) this.fire({ kind: 'status', experiment: exp.folder, runDir: run.dir, run: run.run });
    }
    const as = sig(path.join(run.dir, ANALYSIS_FILE));
    if (as !== run.analysisSig) {
      run.analysisSig = as;
      run.analysis = null;
      if (as !== null) {
        try {
          run.analysis = readJson(path.join(run.dir, ANALYSIS_FILE), ANALYSIS_FILE);
        } catch {
          run.analysis = null;
        }
      }
      structure = true;
    }
    const gs = sig(path.join(run.dir, GRID_WORLD_FILE));
    if (gs !== run.gridWorldSig) {
      run.gridWorldSig = gs;
      run.gridWorld = null;
      if (gs !== null) {
        try {
          run.gridWorld = readJson(path.join(run.dir, GRID_WORLD_FILE), GRID_WORLD_FILE);
        } catch {
          run.gridWorld = null;
        }
      }
      structure = true;
    }
    if (this.metricsWanted) this.tailMetrics(exp, run, notify);
    if (structure && notify) this.fire({ kind: 'structure' });
    return structure;
  }

  private readRunFile(run: RunEntry, file: string): void {
    run.raw = undefined;
    run.rawProblem = null;
    run.run = null;
    run.problem = null;
    let raw: unknown;
    try {
      raw = readJson(file, RUN_FILE);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      run.rawProblem = code === 'ENOENT' ? null : `run.json: ${message(err)}`;
      run.problem = code === 'ENOENT' ? null : `${file}: ${message(err)}`;
      return;
    }
    run.raw = raw;
    const problem = runFileProblem(raw);
    if (problem) {
      run.problem = `${file}: not a usable Attention Lab run file: ${problem}`;
      return;
    }
    const checked = raw as RunFile;
    run.run = { ...checked, config: upgradeRunConfig(checked.config) };
  }

  private tailMetrics(exp: ExperimentEntry, run: RunEntry, notify: boolean): void {
    run.tail ??= new MetricsTail(path.join(run.dir, METRICS_FILE));
    let read: { records: MetricsRecord[]; replace: boolean };
    try {
      read = run.tail.read();
    } catch {
      return; // caught mid-replace: the next check reads it whole
    }
    if (read.records.length === 0 && !read.replace) return;
    run.metrics = read.replace ? read.records : run.metrics.concat(read.records);
    if (notify) this.fire({ kind: 'metrics', experiment: exp.folder, runDir: run.dir, runId: run.run?.id ?? run.id, records: read.records, replace: read.replace });
  }
}
