/**
 * Trains the grid-world agent by evolution strategies (docs/science.md §4): each step draws m
 * seeds (shared by every candidate of the step) and `population`/2 antithetic pairs θ ± σε; a
 * candidate's fitness is −L̂_q / (budget + 1), the q-norm over goal cells of the mean over the m
 * seeds of the steps to the goal (gridObjective), scaled to [0, 1]. The antithetic estimate ĝ of
 * the fitness gradient goes, as −ĝ (the gradient of the loss), through the run's optimizer —
 * AdamW, Lion, Tiger or SGD, exactly as a backpropagated gradient would — so optimizers compare on
 * ES gradients too. The population is evaluated by a PopulationEvaluator (populationPool.ts): in
 * this process, or fanned out over worker processes with the same ĝ bit for bit.
 */
import type { RunConfig } from '../../protocol/config';
import type { EvalResult } from '../../protocol/runFolder';
import type { GridWorldAnalysis } from '../../protocol/gridWorld';
import { Rng, hashSeed } from '../../core/random';
import { esPopulationBytes, firstVisitSteps, gridObjective, type GridObjective, type GridWorldTask } from '../../core/tasks/gridWorld';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { ModelParam } from '../model/params';
import { createOptimizer, type Optimizer } from '../optim';
import { scheduleFactor } from '../optim/schedule';
import { qAtStep } from '../train/trainer';
import { initAgent, type AgentLayout } from './agent';
import { combineEstimate, normalNoise } from './evolution';
import { GridWorldFitness } from './gridFitness';
import { SerialPopulation, type PopulationEvaluator } from './populationPool';

/** Largest population memory (perturbations + fitness tables) a run may hold: refused above, with the numbers. */
export const ES_POPULATION_BUDGET = 1024 ** 3;
/** Trajectories kept in grid-world.json for the chart. */
const KEPT_TRAJECTORIES = 8;

export interface EsStepResult {
  step: number;
  /** L̂_q of θ (before the update) under the step's seeds, in steps. */
  loss: number;
  /** Fraction of (cell, seed) episodes of θ that found the goal. */
  accuracy: number;
  /** ‖ĝ‖ of the loss (the pseudo-gradient handed to the optimizer). */
  gradNorm: number;
  updateNorm: number;
  lr: number;
  nanEvents: number;
  length: number;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Refuses, with the numbers, a population whose perturbations and fitness tables exceed the budget. */
export function checkPopulationFits(population: number, parameters: number, seeds: number, cells: number, budget = ES_POPULATION_BUDGET): void {
  const bytes = esPopulationBytes(population, parameters, seeds, cells);
  if (bytes > budget) {
    throw new Error(
      `grid-world: an evolution-strategies population of ${population} needs ${mib(bytes)} (${population / 2} pairs × ${parameters} parameters × 4 bytes of perturbations + ${population} candidates × ${seeds} seeds × ${cells} cells × 4 bytes of fitness tables), more than ${mib(budget)}; use a smaller population, model or grid`,
    );
  }
}

export class GridWorldTrainer {
  readonly fitness: GridWorldFitness;
  readonly task: GridWorldTask;
  readonly layout: AgentLayout;
  readonly params: ModelParam[];
  readonly optimizer: Optimizer;
  /** Where the population is evaluated (this process by default; see setPopulation). */
  population: PopulationEvaluator;
  theta: Float32Array;
  step = 0;

  constructor(readonly config: RunConfig) {
    this.fitness = new GridWorldFitness(config);
    this.task = this.fitness.task;
    this.layout = this.fitness.layout;
    checkPopulationFits(this.fitness.population, this.layout.size, this.seeds, this.side * this.side);
    this.theta = initAgent(this.layout, hashSeed(config.seed, 0x6e1d));
    this.params = this.layout.params.map((p) => ({
      name: p.name,
      kind: p.kind,
      variable: tf.variable(tf.tensor(this.theta.slice(p.offset, p.offset + p.size), p.shape), true, `grid.${p.name}`),
    }));
    this.optimizer = createOptimizer(config.optimizer);
    this.population = new SerialPopulation(this.fitness);
  }

  /** Evaluates the population with `population` from now on (the trainer disposes it). */
  setPopulation(population: PopulationEvaluator): void {
    this.population.dispose();
    this.population = population;
  }

  get side(): number {
    return this.task.side;
  }
  get budget(): number {
    return this.task.budget;
  }
  get sigma(): number {
    return this.fitness.sigma;
  }
  /** m, seeds per layout set. */
  get seeds(): number {
    return Math.max(1, this.config.train.seedsPerInput);
  }
  parameterCount(): number {
    return this.layout.size;
  }

  /** m seed vectors (empty without RSE). */
  drawSeeds(rng: Rng, m: number): Float32Array[] {
    return Array.from({ length: m }, () => normalNoise(rng, new Float32Array(this.layout.rseBits)));
  }

  /** The exploration trajectories of θ under the seeds; without RSE one trajectory serves every seed (they are equal). */
  trajectories(theta: Float32Array, seeds: readonly Float32Array[]): number[][] {
    return this.fitness.trajectories(theta, seeds);
  }

  /** The objective of θ under the seeds at q. */
  objective(theta: Float32Array, seeds: readonly Float32Array[], q: number): GridObjective {
    return this.fitness.objective(theta, seeds, q);
  }

  /** θ from the parameters' variables (after an update or a restored checkpoint). */
  syncTheta(): void {
    const theta = new Float32Array(this.layout.size);
    for (const [i, p] of this.params.entries()) theta.set(p.variable.dataSync() as Float32Array, (this.layout.params[i] as { offset: number }).offset);
    this.theta = theta;
  }

  async trainStep(measure: boolean): Promise<EsStepResult> {
    const s = this.step;
    const train = this.config.train;
    const q = qAtStep(train.q, train.qWarmup ?? 0, s);
    const seeds = this.drawSeeds(new Rng(hashSeed(this.config.seed, 0x5eed, s)), this.seeds);
    const here = this.objective(this.theta, seeds, q);
    const pairs = this.fitness.pairs;
    // The population's perturbations, drawn up front (each from its own stream, so a worker process redraws its own).
    const request = { theta: this.theta, seeds, q, noiseSeed: hashSeed(this.config.seed, 0xe5, s) };
    const draw = this.fitness.noise(request);
    const noise = Array.from({ length: pairs }, (_, i) => draw(i));
    const byIndex = (i: number): Float32Array => noise[i] as Float32Array;
    const { plus, minus } = await this.population.evaluate(request, byIndex);
    const est = combineEstimate(this.layout.size, plus, minus, this.sigma, byIndex);
    let norm = 0;
    for (const g of est.gradient) norm += g * g;
    const lr = this.config.optimizer.lr * scheduleFactor(train.schedule, s, train.steps);
    const grads = new Map<string, Tensor>();
    for (const p of this.layout.params) {
      const g = new Float32Array(p.size);
      for (let i = 0; i < p.size; i++) g[i] = -(est.gradient[p.offset + i] as number); // the loss is −fitness
      grads.set(p.name, tf.tensor(g, p.shape));
    }
    let report;
    try {
      report = this.optimizer.step(this.params, grads, { step: s, lr, measure, gradClip: train.gradClip });
    } finally {
      for (const g of grads.values()) g.dispose();
    }
    this.syncTheta();
    this.step = s + 1;
    return {
      step: s,
      loss: here.objective,
      accuracy: here.found,
      gradNorm: Math.sqrt(norm),
      updateNorm: report.updateNorm,
      lr,
      nanEvents: report.nanEvents,
      length: this.side,
    };
  }

  /** The fixed evaluation seeds: train.evalExamples of them (at most 1,024). */
  evalSeeds(): Float32Array[] {
    return this.drawSeeds(new Rng(hashSeed(this.config.seed, 0xe7a1)), Math.min(1024, Math.max(1, this.config.train.evalExamples)));
  }

  /** One result at the grid's side: loss = L̂_q (steps) under the evaluation seeds, exact = the found fraction. */
  evaluate(): EvalResult[] {
    const o = this.objective(this.theta, this.evalSeeds(), this.config.train.q);
    return [{ length: this.side, tokens: this.budget + 1, loss: o.objective, exact: o.found, tokenAccuracy: o.found, shape: 1, parse: 1, clrs: o.found }];
  }

  /** grid-world.json: steps to the goal (mean, the adversary's), first-visit times, trajectories. */
  analyze(): GridWorldAnalysis {
    const seeds = this.evalSeeds();
    const paths = this.trajectories(this.theta, seeds);
    const visits = paths.map((p) => firstVisitSteps(p, this.side, this.budget));
    const o = gridObjective(visits, this.side, this.budget, this.config.train.q);
    const cells = this.side * this.side;
    const meanFirstVisit = Array.from({ length: cells }, (_, c) => visits.reduce((a, v) => a + (v[c] as number), 0) / visits.length);
    return {
      version: 1,
      side: this.side,
      budget: this.budget,
      seeds: seeds.length,
      rseBits: this.layout.rseBits,
      q: this.config.train.q,
      meanSteps: o.mean,
      worstCell: o.worstCell,
      worstSteps: o.worst,
      found: o.found,
      meanFirstVisit,
      distinctTrajectories: new Set(paths.map((p) => p.join(','))).size,
      trajectories: paths.slice(0, KEPT_TRAJECTORIES),
    };
  }

  dispose(): void {
    this.population.dispose();
    for (const p of this.params) p.variable.dispose();
    this.optimizer.dispose();
  }
}
