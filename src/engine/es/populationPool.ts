/**
 * Where a grid-world run evaluates its evolution-strategies population (docs/science.md §4): in
 * its own process, one pair after another (SerialPopulation), or fanned out over worker processes
 * (ProcessPopulation: this process and k − 1 forked es-worker.js processes, each taking a
 * contiguous block of the pairs). A worker draws its pairs' perturbations from the step's stream
 * and computes θ ± σε_i in float32 exactly as this process does, so every pair's fitness — and
 * with it ĝ, summed here in pair order — is the same bit for bit whichever way the population is
 * evaluated. How many processes a run gets is the runner's share of `--parallel` (runner.ts).
 *
 * A worker that dies fails the step (and so the run) with the reason, as a crashed training
 * worker fails its run; the run's end (completed, cancelled, failed) ends its workers.
 */
import { findBundleFile } from '../../core/bundlePaths';
import type { RunConfig } from '../../protocol/config';
import { ES_RUN_GUARDS, ES_WORKER_GUARDS, type EsRunApi, type EsWorkerApi } from '../../protocol/esPopulation';
import { RpcEndpoint } from '../../protocol/rpc';
import { startTrainingWorker, type TrainingWorker } from '../experiment/trainingWorker';
import type { GridWorldFitness, PopulationFitness, PopulationRequest } from './gridFitness';

export interface PopulationEvaluator {
  /** Processes evaluating the population (this one included). */
  readonly processes: number;
  /** Every pair's fitness for the step; `noise` when this process has drawn the perturbations already. */
  evaluate(request: PopulationRequest, noise?: (i: number) => Float32Array): Promise<PopulationFitness>;
  dispose(): void;
}

/** The pairs 0…pairs−1 split into `parts` contiguous blocks (the first ones one larger when uneven). */
export function pairBlocks(pairs: number, parts: number): number[][] {
  const k = Math.max(1, Math.min(parts, pairs));
  return Array.from({ length: k }, (_, w) => {
    const from = Math.floor((w * pairs) / k);
    const to = Math.floor(((w + 1) * pairs) / k);
    return Array.from({ length: to - from }, (_, i) => from + i);
  });
}

export class SerialPopulation implements PopulationEvaluator {
  readonly processes = 1;
  constructor(private readonly fitness: GridWorldFitness) {}

  evaluate(request: PopulationRequest, noise?: (i: number) => Float32Array): Promise<PopulationFitness> {
    return Promise.resolve(this.fitness.pairFitness(request, pairBlocks(this.fitness.pairs, 1)[0] as number[], noise));
  }

  dispose(): void {
    // nothing held
  }
}

interface Helper {
  worker: TrainingWorker;
  endpoint: RpcEndpoint<EsRunApi, EsWorkerApi>;
}

export class ProcessPopulation implements PopulationEvaluator {
  /** Why a worker stopped, once one has: every later step fails with it. */
  private broken: string | null = null;
  private disposed = false;

  private constructor(
    private readonly fitness: GridWorldFitness,
    private readonly helpers: Helper[],
  ) {}

  get processes(): number {
    return this.helpers.length + 1;
  }

  /** Process ids of the workers (tests stop one to see the run fail). */
  get workerPids(): number[] {
    return this.helpers.map((h) => h.worker.pid ?? -1);
  }

  /**
   * Starts `processes − 1` workers (at most one per pair besides this process) and sends each the
   * run's config; rejects, after stopping them, when one cannot start.
   */
  static async start(fitness: GridWorldFitness, config: RunConfig, processes: number, script = findBundleFile('es-worker.js')): Promise<ProcessPopulation> {
    const k = Math.max(1, Math.min(Math.floor(processes), fitness.pairs));
    const helpers: Helper[] = [];
    const pool = new ProcessPopulation(fitness, helpers);
    for (let w = 1; w < k; w++) {
      const worker = startTrainingWorker(script, 'process');
      const endpoint = new RpcEndpoint<EsRunApi, EsWorkerApi>(worker.transport, ES_RUN_GUARDS, ES_WORKER_GUARDS);
      const helper = { worker, endpoint };
      helpers.push(helper);
      worker.onExit((reason) => {
        if (!pool.disposed) pool.broken ??= `an evolution-strategies worker process stopped: ${reason}`;
        endpoint.dispose(); // rejects its pending request
      });
    }
    try {
      for (const h of helpers) {
        const { parameters } = await h.endpoint.request('es/init', { config });
        if (parameters !== fitness.layout.size) throw new Error(`an evolution-strategies worker built an agent of ${parameters} parameters, this run ${fitness.layout.size}`);
      }
    } catch (err) {
      pool.dispose();
      throw new Error(pool.broken ?? (err instanceof Error ? err.message : String(err)));
    }
    return pool;
  }

  async evaluate(request: PopulationRequest, noise?: (i: number) => Float32Array): Promise<PopulationFitness> {
    if (this.broken) throw new Error(this.broken);
    const blocks = pairBlocks(this.fitness.pairs, this.processes);
    // The workers' blocks go out first; this process evaluates the first block meanwhile.
    const replies = this.helpers.map((h, w) =>
      blocks[w + 1] ? h.endpoint.request('es/pairs', { ...request, indices: blocks[w + 1] as number[] }) : Promise.resolve({ plus: [], minus: [] }),
    );
    // A rejection is awaited below; until then it must not count as unhandled.
    for (const r of replies) r.catch(() => undefined);
    const own = this.fitness.pairFitness(request, blocks[0] as number[], noise);
    const plus = [...own.plus];
    const minus = [...own.minus];
    for (const [w, reply] of replies.entries()) {
      let r: PopulationFitness;
      try {
        r = await reply;
      } catch (err) {
        throw new Error(this.broken ?? `an evolution-strategies worker failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const want = (blocks[w + 1] ?? []).length;
      if (r.plus.length !== want || r.minus.length !== want) throw new Error(`an evolution-strategies worker returned ${r.plus.length} and ${r.minus.length} fitness values for ${want} pairs`);
      plus.push(...r.plus);
      minus.push(...r.minus);
    }
    return { plus, minus };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.helpers) {
      h.endpoint.dispose();
      h.worker.terminate();
    }
  }
}

/** The evaluator for `processes` (1: this process alone). */
export async function startPopulation(fitness: GridWorldFitness, config: RunConfig, processes: number): Promise<PopulationEvaluator> {
  return processes > 1 && fitness.pairs > 1 ? ProcessPopulation.start(fitness, config, processes) : new SerialPopulation(fitness);
}
