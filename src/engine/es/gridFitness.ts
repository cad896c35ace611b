/**
 * The grid-world fitness without tfjs (docs/science.md §4): the agent's trajectories under seeds,
 * the q-norm objective, and the fitness of candidates θ ± σε_i. The trainer (gridWorldTrainer.ts)
 * and the population's worker processes (esWorker.ts) both use it, so a candidate's fitness is
 * computed by the same code wherever it runs.
 */
import type { RunConfig } from '../../protocol/config';
import { createTask } from '../../core/tasks';
import { firstVisitSteps, gridObjective, type GridObjective, type GridWorldTask } from '../../core/tasks/gridWorld';
import { Agent, agentLayout, type AgentLayout } from './agent';
import { pairFitness, pairNoise } from './evolution';

/** One step's population: θ, the step's seeds (shared by every candidate), q and the stream of its perturbations. */
export interface PopulationRequest {
  theta: Float32Array;
  /** m seed vectors of rseBits values each (empty vectors without RSE). */
  seeds: Float32Array[];
  q: number;
  /** The step's perturbation stream: ε_i = pairNoise(noiseSeed, θ's length)(i). */
  noiseSeed: number;
}

/** F(θ + σε_i) and F(θ − σε_i) for every pair i, in pair order. */
export interface PopulationFitness {
  plus: number[];
  minus: number[];
}

export class GridWorldFitness {
  readonly task: GridWorldTask;
  readonly layout: AgentLayout;

  constructor(readonly config: RunConfig) {
    const task = createTask(config.task);
    if (task.name !== 'grid-world') throw new Error(`the evolution-strategies trainer runs the grid-world task, not "${task.name}"`);
    this.task = task as GridWorldTask;
    if (!config.model.causal) throw new Error('grid-world: the agent acts step by step and needs a causal model ($.models[].causal true)');
    this.layout = agentLayout(config.model, this.task.vocab.length, this.task.budget + 1);
  }

  get side(): number {
    return this.task.side;
  }
  get budget(): number {
    return this.task.budget;
  }
  get population(): number {
    return this.task.options.population as number;
  }
  get pairs(): number {
    return this.population / 2;
  }
  get sigma(): number {
    return (this.task.options.sigmaMilli as number) / 1000;
  }

  /** The exploration trajectories of θ under the seeds; without RSE one trajectory serves every seed (they are equal). */
  trajectories(theta: Float32Array, seeds: readonly Float32Array[]): number[][] {
    const agent = new Agent(this.layout, theta);
    const token = (c: number): number => this.task.cellToken(c);
    if (this.layout.rseBits === 0) {
      const path = agent.explore(seeds[0] as Float32Array, this.side, this.budget, token);
      return seeds.map(() => path);
    }
    return seeds.map((s) => agent.explore(s, this.side, this.budget, token));
  }

  /** The objective of θ under the seeds at q. */
  objective(theta: Float32Array, seeds: readonly Float32Array[], q: number): GridObjective {
    const visits = this.trajectories(theta, seeds).map((p) => firstVisitSteps(p, this.side, this.budget));
    return gridObjective(visits, this.side, this.budget, q);
  }

  /** A candidate's fitness: −L̂_q / (budget + 1), in [−1, 0]. */
  fitness(candidate: Float32Array, seeds: readonly Float32Array[], q: number): number {
    return -this.objective(candidate, seeds, q).objective / (this.budget + 1);
  }

  /** The perturbations of a request (ε_i drawn from the step's stream, any pair alone). */
  noise(request: Pick<PopulationRequest, 'noiseSeed'>): (i: number) => Float32Array {
    return pairNoise(request.noiseSeed, this.layout.size);
  }

  /** The fitness of the pairs `indices` of a request; `noise` when the caller has drawn the perturbations already. */
  pairFitness(request: PopulationRequest, indices: readonly number[], noise: (i: number) => Float32Array = this.noise(request)): PopulationFitness {
    if (request.theta.length !== this.layout.size) throw new Error(`grid-world: θ has ${request.theta.length} values, the agent ${this.layout.size}`);
    for (const i of indices) if (!(Number.isInteger(i) && i >= 0 && i < this.pairs)) throw new RangeError(`grid-world: pair ${i} is not one of 0…${this.pairs - 1}`);
    return pairFitness(request.theta, (c) => this.fitness(c, request.seeds, request.q), indices, this.sigma, noise);
  }
}
