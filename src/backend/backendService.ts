/**
 * What the backend process serves (BackendApi in src/protocol/backendMessages.ts): presets,
 * spec checks, running and resuming experiments with the engine's worker-pool runner,
 * cancelling them, and optimizer traces. The engine (and so TensorFlow.js) only ever loads in
 * this process and in the runner's training workers, never in the extension host.
 */
import * as path from 'node:path';
import type { BackendApi, ExperimentOutcomeSummary, HostApi, PresetSummary } from '../protocol/backendMessages';
import type { BackendChoice } from '../protocol/backend';
import type { RpcEndpoint } from '../protocol/rpc';
import { expandGrid, gridSize } from '../core/experiment/grid';
import { allowLargeFromEnv, checkGridSize } from '../core/experiment/budget';
import { PRESETS } from '../core/experiment/presets';
import { resumeRun, runExperiment, writeSummaryQuietly, type ExperimentOutcome } from '../engine/experiment/runner';
import { parseSpecFile } from '../core/experiment/validateSpec';
import { resolveSpec } from '../core/experiment/resolveSpec';
import type { Logger } from '../core/log';
import { checkSlurmOptions, mergeSlurmOptions } from '../core/slurm/slurmConfig';
import { followArray, slurmExecutor } from '../core/slurm/slurmExecutor';
import { isSlurmExperiment, readSubmission } from '../core/slurm/submission';
import type { Executor } from '../core/experiment/executor';
import type { SlurmOptions } from '../protocol/slurm';

export interface BackendServiceOptions {
  /** true when @tensorflow/tfjs-node must not load (untrusted workspace): `auto` becomes `wasm`. */
  noNative: boolean;
  /** dist/worker.js; found next to the backend bundle by default. */
  workerScript?: string;
  /** dist/task.js, which Slurm tasks run; found next to the backend bundle by default. */
  taskScript?: string;
}

interface RunningJob {
  /** Aborting cancels the job's runs. */
  cancel: AbortController;
  /** Slurm jobs: aborting stops following them, and their tasks go on (the backend is shutting down). */
  detach: AbortController | null;
}

export class BackendService {
  private readonly jobs = new Map<string, RunningJob>();
  /** The engine's warnings, as lines of the host's output channel. */
  private readonly log: Logger;

  constructor(
    private readonly endpoint: RpcEndpoint<BackendApi, HostApi>,
    private readonly options: BackendServiceOptions,
  ) {
    this.log = { log: (level, message) => endpoint.emit('backend/log', { level, message }) };
    endpoint.handle('presets/list', () => ({ presets: listPresets() }));
    endpoint.handle('spec/check', ({ path: file }) => {
      const spec = parseSpecFile(file);
      // Counted without expanding: a grid of a million runs must not fill this process's memory.
      const runs = gridSize(spec);
      if (!allowLargeFromEnv()) checkGridSize(runs);
      return { name: spec.name, runs };
    });
    endpoint.handle('experiment/run', async (p) => {
      const spec = resolveSpec(p.source, { steps: p.steps });
      const backend = this.backendFor(p.backend);
      const detach = p.on === 'slurm' ? new AbortController() : null;
      const executor = p.on === 'slurm' ? this.slurm(p.slurm ?? {}, backend, (detach as AbortController).signal, p.parallel) : undefined;
      return this.job(
        p.jobId,
        (signal) =>
          runExperiment(spec, path.resolve(p.outDir), {
            backend,
            parallel: p.parallel > 0 ? p.parallel : spec.parallel,
            signal,
            workerScript: this.options.workerScript,
            executor,
            onEvent: (event) => endpoint.emit('job/event', { jobId: p.jobId, event }),
            log: this.log,
          }),
        detach,
      );
    });
    endpoint.handle('run/resume', (p) =>
      this.job(p.jobId, (signal) =>
        resumeRun(path.resolve(p.runDir), {
          backend: this.backendFor(p.backend),
          signal,
          workerScript: this.options.workerScript,
          onEvent: (event) => endpoint.emit('job/event', { jobId: p.jobId, event }),
          log: this.log,
        }),
      ),
    );
    endpoint.handle('experiment/cancel', ({ jobId }) => {
      const job = this.jobs.get(jobId);
      job?.cancel.abort();
      return { cancelled: job !== undefined };
    });
    endpoint.handle('slurm/cancel', async ({ dir }) => {
      const experimentDir = path.resolve(dir);
      if (!isSlurmExperiment(experimentDir)) throw new Error(`${experimentDir} is not a Slurm experiment (no slurm.json)`);
      const submission = readSubmission(experimentDir);
      if (submission.arrayJobId === null) throw new Error(`${experimentDir}: the job array was never submitted (${submission.error ?? 'no job id'})`);
      const cancel = new AbortController();
      cancel.abort();
      const { outcomes } = await followArray(experimentDir, {
        slurm: submission.options,
        backend: 'auto',
        signal: cancel.signal,
        log: this.log,
      });
      writeSummaryQuietly(experimentDir, this.log);
      const count = (status: string): number => outcomes.filter((o) => o.status === status).length;
      return { cancelled: count('cancelled'), completed: count('completed'), failed: count('failed') };
    });
    endpoint.handle('trace/run', async (p) => {
      // Loaded on first use: the only request that runs tfjs in this process itself.
      const { runTrace } = await import('./runTrace');
      return runTrace(p);
    });
    endpoint.handle('attention/probe', async (p) => {
      const { probeAttention } = await import('./handlers/probeAttention');
      return probeAttention(p);
    });
  }

  /** Number of experiments running now. */
  get activeJobs(): number {
    return this.jobs.size;
  }

  /**
   * Cancels every local job and resolves when all have ended (runs saved and marked cancelled).
   * Slurm jobs are left to the cluster: the backend only stops following them.
   */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()];
    for (const j of running) (j.detach ?? j.cancel).abort();
    while (this.jobs.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  /** The Slurm executor of a job: the host's options checked again here, warnings to the log. */
  private slurm(raw: Partial<SlurmOptions>, backend: BackendChoice, detachSignal: AbortSignal, parallel: number): Executor {
    const options = mergeSlurmOptions(checkSlurmOptions(raw, 'attentionLab.slurm'), parallel > 0 && raw.maxParallel == null ? { maxParallel: parallel } : {});
    return slurmExecutor({
      slurm: options,
      backend,
      taskScript: this.options.taskScript,
      detachSignal,
      log: this.log,
    });
  }

  private backendFor(requested: BackendChoice): BackendChoice {
    if (!this.options.noNative) return requested;
    if (requested === 'node') throw new Error("backend 'node' (@tensorflow/tfjs-node) is not allowed in an untrusted workspace; use wasm or cpu");
    return requested === 'auto' ? 'wasm' : requested;
  }

  private async job(jobId: string, run: (signal: AbortSignal) => Promise<ExperimentOutcome>, detach: AbortController | null = null): Promise<ExperimentOutcomeSummary> {
    if (this.jobs.has(jobId)) throw new Error(`job ${jobId} is already running`);
    const controller = new AbortController();
    this.jobs.set(jobId, { cancel: controller, detach });
    try {
      const outcome = await run(controller.signal);
      return {
        dir: outcome.dir,
        name: outcome.name,
        backends: outcome.backends,
        runs: outcome.runs.map((r) => ({ id: r.id, runDir: r.runDir, status: r.status, error: r.error })),
      };
    } finally {
      this.jobs.delete(jobId);
    }
  }
}

function listPresets(): PresetSummary[] {
  return Object.entries(PRESETS).map(([name, p]) => ({ name, description: p.description, runs: expandGrid(p.spec).length }));
}
