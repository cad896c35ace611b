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
import { OPTIMIZER_NAMES, type OptimizerName } from '../protocol/config';
import type { ExperimentSpec } from '../protocol/spec';
import { expandGrid, gridSize } from '../core/experiment/grid';
import { allowLargeFromEnv, checkGridSize } from '../core/experiment/budget';
import { PRESETS } from '../core/experiment/presets';
import { resumeRun, runExperiment, type ExperimentOutcome } from '../engine/experiment/runner';
import { formatSpecErrors, parseSpecFile, validateSpec } from '../core/experiment/validateSpec';
import { withSteps } from '../cli/withSteps';

export interface BackendServiceOptions {
  /** true when @tensorflow/tfjs-node must not load (untrusted workspace): `auto` becomes `wasm`. */
  noNative: boolean;
  /** dist/worker.js; found next to the backend bundle by default. */
  workerScript?: string;
}

export class BackendService {
  private readonly jobs = new Map<string, AbortController>();

  constructor(
    private readonly endpoint: RpcEndpoint<BackendApi, HostApi>,
    private readonly options: BackendServiceOptions,
  ) {
    endpoint.handle('presets/list', () => ({ presets: listPresets() }));
    endpoint.handle('spec/check', ({ path: file }) => {
      const spec = parseSpecFile(file);
      // Counted without expanding: a grid of a million runs must not fill this process's memory.
      const runs = gridSize(spec);
      if (!allowLargeFromEnv()) checkGridSize(runs);
      return { name: spec.name, runs };
    });
    endpoint.handle('experiment/run', async (p) => {
      const spec = loadSpec(p.source);
      if (p.steps !== null) spec.train = withSteps(spec.train ?? {}, p.steps);
      const checked = validateSpec(spec);
      if (!checked.ok) throw new Error(formatSpecErrors(checked.errors, `${spec.name}: `));
      return this.job(p.jobId, (signal) =>
        runExperiment(checked.spec, path.resolve(p.outDir), {
          backend: this.backendFor(p.backend),
          parallel: p.parallel > 0 ? p.parallel : checked.spec.parallel,
          signal,
          workerScript: this.options.workerScript,
          onEvent: (event) => endpoint.emit('job/event', { jobId: p.jobId, event }),
        }),
      );
    });
    endpoint.handle('run/resume', (p) =>
      this.job(p.jobId, (signal) =>
        resumeRun(path.resolve(p.runDir), {
          backend: this.backendFor(p.backend),
          signal,
          workerScript: this.options.workerScript,
          onEvent: (event) => endpoint.emit('job/event', { jobId: p.jobId, event }),
        }),
      ),
    );
    endpoint.handle('experiment/cancel', ({ jobId }) => {
      const job = this.jobs.get(jobId);
      job?.abort();
      return { cancelled: job !== undefined };
    });
    endpoint.handle('trace/run', async (p) => {
      // Loaded on first use: the only request that runs tfjs in this process itself.
      const { runTrace } = await import('./runTrace');
      if (!(OPTIMIZER_NAMES as readonly string[]).includes(p.optimizer)) {
        throw new Error(`trace: unknown optimizer "${p.optimizer}" (one of ${OPTIMIZER_NAMES.join(', ')})`);
      }
      return { trace: await runTrace(p.optimizer as OptimizerName, p.fn, p.steps, p.lr, p.start) };
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

  /** Cancels every job and resolves when all have ended (runs saved and marked cancelled). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()];
    for (const c of running) c.abort();
    while (this.jobs.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  private backendFor(requested: BackendChoice): BackendChoice {
    if (!this.options.noNative) return requested;
    if (requested === 'node') throw new Error("backend 'node' (@tensorflow/tfjs-node) is not allowed in an untrusted workspace; use wasm or cpu");
    return requested === 'auto' ? 'wasm' : requested;
  }

  private async job(jobId: string, run: (signal: AbortSignal) => Promise<ExperimentOutcome>): Promise<ExperimentOutcomeSummary> {
    if (this.jobs.has(jobId)) throw new Error(`job ${jobId} is already running`);
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
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

function loadSpec(source: { kind: 'preset'; name: string } | { kind: 'file'; path: string }): ExperimentSpec {
  if (source.kind === 'file') return parseSpecFile(source.path);
  const preset = Object.hasOwn(PRESETS, source.name) ? PRESETS[source.name] : undefined;
  if (!preset) throw new Error(`unknown preset "${source.name}"; available: ${Object.keys(PRESETS).join(', ')}`);
  return structuredClone(preset.spec);
}
