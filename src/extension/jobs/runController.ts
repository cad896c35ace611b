/**
 * Starts experiments in the backend and shows them: a progress notification with Cancel, the
 * status bar item, the output channel. A backend crash or out-of-memory ends the job with an
 * error message offering "Open Log"; the runs it was training are marked failed on disk and keep
 * what they wrote. The extension host itself only waits on messages, so it stays responsive.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentOutcomeSummary, SpecSource } from '../../protocol/backendMessages';
import { RpcCancelledError } from '../../protocol/rpc';
import { BackendExitError, type BackendProcess } from '../backend/backendProcess';
import type { Log } from '../log/logChannel';
import { COMMANDS, CONTEXT_KEYS, STATUS_BAR_ID } from '../ids';
import { markInterruptedRuns } from '../runs/markInterruptedRuns';
import type { Settings } from '../settings';
import { jobMessage, jobProgress, type Job, type JobTracker } from './jobTracker';

export interface RunRequest {
  source: SpecSource;
  /** Shown in the notification, e.g. `preset quick`. */
  label: string;
}

export class RunController implements vscode.Disposable {
  private readonly statusBar: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly cancels = new Map<string, () => void>();

  constructor(
    private readonly backend: BackendProcess,
    private readonly jobs: JobTracker,
    private readonly settings: () => Settings,
    private readonly output: Log,
    /** Called as a run or resume starts (the one-time offer of the native backend). */
    private readonly beforeStart: () => void = () => undefined,
  ) {
    this.statusBar = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Attention Lab';
    // Clicking reveals the progress (the convention); stopping stays an explicit command.
    this.statusBar.command = COMMANDS.showLiveRun;
    this.disposables.push(this.statusBar, jobs.onChange(() => this.updateStatusBar()));
  }

  /** Where a run started now would train, in words for a title: "on this machine", "on Slurm (partition gpu)". */
  where(): string {
    const s = this.settings();
    if (s.runOn !== 'slurm') return 'on this machine';
    return `on Slurm${s.slurm.partition !== null ? ` (partition ${s.slurm.partition})` : ''}`;
  }

  /** Runs an experiment to its end (resolves with the outcome, or undefined when it failed to start or crashed). */
  async run(request: RunRequest): Promise<ExperimentOutcomeSummary | undefined> {
    const s = this.settings();
    const jobId = `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    return this.track(jobId, request.label, (endpoint) =>
      endpoint.request('experiment/run', {
        jobId,
        outDir: s.runsFolder,
        backend: s.backend,
        parallel: s.parallelRuns,
        source: request.source,
        steps: null,
        on: s.runOn,
        slurm: s.runOn === 'slurm' ? s.slurm : null,
      }),
    );
  }

  /** Resumes one run from its last checkpoint. */
  async resume(runDir: string, label: string): Promise<ExperimentOutcomeSummary | undefined> {
    const s = this.settings();
    const jobId = `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    return this.track(jobId, label, (endpoint) => endpoint.request('run/resume', { jobId, backend: s.backend, runDir }));
  }

  /** Asks the backend to stop one job (or all): runs save a checkpoint and end cancelled. */
  stop(jobId?: string): void {
    for (const [id, cancel] of this.cancels) if (jobId === undefined || id === jobId) cancel();
  }

  private async track(
    jobId: string,
    label: string,
    send: (endpoint: Awaited<ReturnType<BackendProcess['ensureStarted']>>) => Promise<ExperimentOutcomeSummary>,
  ): Promise<ExperimentOutcomeSummary | undefined> {
    const job = this.jobs.begin(jobId, label);
    this.beforeStart();
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, true);
    this.output.appendLine(`[host] ${label}: starting (job ${jobId})`);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Attention Lab: ${label}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          let stopRequested = false;
          const cancel = (): void => {
            if (stopRequested) return;
            stopRequested = true;
            abort.abort();
            progress.report({ message: 'stopping: saving checkpoints…' });
            const endpoint = this.backend.running ? this.backend.ensureStarted() : null;
            void endpoint?.then((e) => e.request('experiment/cancel', { jobId }, { timeoutMs: 10_000 })).catch(() => undefined);
          };
          this.cancels.set(jobId, cancel);
          token.onCancellationRequested(cancel);
          progress.report({ message: 'starting the backend…' });
          const endpoint = await this.backend.ensureStarted(abort.signal);
          let reported = 0;
          const sub = this.jobs.onChange((changed) => {
            if (changed.id !== jobId || stopRequested) return;
            const p = jobProgress(changed);
            const pct = Math.floor(p.fraction * 100);
            progress.report({ increment: pct - reported, message: jobMessage(changed) });
            reported = pct;
          });
          try {
            const outcome = await send(endpoint);
            this.report(label, outcome);
            return outcome;
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (err) {
      this.fail(label, job, err);
      return undefined;
    } finally {
      this.cancels.delete(jobId);
      this.jobs.end(jobId);
      if (this.jobs.active().length === 0) void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, false);
    }
  }

  private report(label: string, outcome: ExperimentOutcomeSummary): void {
    const count = (s: string): number => outcome.runs.filter((r) => r.status === s).length;
    const line = `${outcome.name}: ${count('completed')} completed, ${count('failed')} failed, ${count('cancelled')} cancelled (backend ${outcome.backends.join(', ') || 'none'})`;
    this.output.appendLine(`[host] ${label}: ${line}`);
    for (const r of outcome.runs) if (r.error) this.output.appendLine(`[host]   ${r.id}: ${r.error}`);
    const failed = count('failed');
    const show = failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(`Attention Lab: ${line}`, 'Open Dashboard', ...(failed > 0 ? ['Open Log'] : [])).then((pick) => {
      // The experiment that just ended, whatever the dashboard showed before.
      if (pick === 'Open Dashboard') void vscode.commands.executeCommand(COMMANDS.openDashboard, path.basename(outcome.dir));
      if (pick === 'Open Log') this.output.show(true);
    });
  }

  private fail(label: string, job: Job, err: unknown): void {
    if (err instanceof RpcCancelledError) {
      this.output.appendLine(`[host] ${label}: cancelled before it started`);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    this.output.appendLine(`[host] ${label}: ${message}`);
    if (err instanceof BackendExitError && job.progress.dir) {
      const marked = markInterruptedRuns(job.progress.dir, message);
      if (marked.length > 0) this.output.appendLine(`[host] marked failed (running) or cancelled (queued), what they wrote is kept: ${marked.join(', ')}`);
    }
    void vscode.window.showErrorMessage(`Attention Lab: ${label}: ${message}`, 'Open Log').then((pick) => {
      if (pick === 'Open Log') this.output.show(true);
    });
  }

  private updateStatusBar(): void {
    const active = this.jobs.active();
    if (active.length === 0) {
      this.statusBar.hide();
      return;
    }
    let done = 0;
    let total = 0;
    let fraction = 0;
    for (const j of active) {
      const p = jobProgress(j);
      done += p.done;
      total += p.total;
      fraction += p.fraction / active.length;
    }
    this.statusBar.text = `$(sync~spin) Attention Lab ${done}/${total} runs · ${Math.floor(fraction * 100)}%`;
    const nars = [...this.jobs.narPretraining().values()];
    this.statusBar.tooltip = [`${active.map((j) => j.label).join(', ')}: click to show the live run (stop with Attention Lab: Stop Run)`, ...nars].join('\n');
    this.statusBar.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
