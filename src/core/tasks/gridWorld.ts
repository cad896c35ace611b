import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, SPECIAL_TOKENS } from './task';
import { TaskOptionError, checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';

/**
 * The grid-world explorer (the randomized-Transformers paper's third task, docs/science.md §4,
 * scaled down): an n × n grid (n = the task size), the agent starts in the corner cell (0, 0) and a
 * goal is hidden in one of the k = n² − 1 other cells. Each step the agent sees the cell it stands on
 * and moves left, up, right or down (a move into a wall leaves it in place); the episode ends when it
 * steps on the goal or after `budget` steps. Its cost for a goal cell is the number of steps to the
 * goal, budget + 1 when it never got there.
 *
 * Before the goal is found every observation is the same whatever the goal's cell (the agent sees
 * only its own position), so one rollout per (agent, seed) gives the step of first visit of every
 * cell, and with it the cost of every goal placement at once.
 *
 * The oblivious adversary knows the agent but not its seed: it hides the goal in the cell whose
 * first visit, averaged over the seeds, comes last. A deterministic agent follows one path and the
 * adversary takes its last cell (on 3 × 3: step 8 at best, a Hamiltonian path); an agent that mixes
 * paths by its seed can bring every cell's expected visit step lower.
 *
 * Deviation from the paper: one exploration episode only (no second, exploiting episode after a
 * reset); trained by evolution strategies (src/engine/es/), never by backpropagation.
 */
export const GRID_WORLD_OPTIONS: OptionSpecs = {
  budget: { doc: 'steps per episode; the cost of a goal never reached is budget + 1; default n² − 1 (a path through every cell)', min: 1, max: 256, default: (n) => Math.max(1, n * n - 1) },
  population: { doc: 'evolution strategies: candidates per step, an even number (antithetic pairs θ ± σε)', min: 2, max: 4096, default: () => 48 },
  sigmaMilli: { doc: 'evolution strategies: perturbation scale σ in thousandths (50 = σ 0.05)', min: 1, max: 1000, default: () => 50 },
};

/**
 * Bytes an evolution-strategies step holds for its population: the perturbations of every pair
 * (population/2 × parameters, kept so that the candidates can be evaluated anywhere and combined)
 * and the fitness tables (population × seeds × cells first-visit steps), float32.
 */
export function esPopulationBytes(population: number, parameters: number, seeds: number, cells: number): number {
  return 4 * ((population / 2) * parameters + population * seeds * cells);
}

/** Moves by action index: left, up, right, down (dx, dy). */
export const GRID_ACTIONS: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];
export const GRID_ACTION_NAMES = ['left', 'up', 'right', 'down'] as const;

/** Cell index of (x, y) on an n × n grid: y·n + x; the start (0, 0) is cell 0. */
export function cellOf(x: number, y: number, side: number): number {
  return y * side + x;
}

/** The cell after taking `action` in `cell`; a move into a wall stays put. */
export function move(cell: number, action: number, side: number): number {
  const d = GRID_ACTIONS[action];
  if (d === undefined) throw new RangeError(`grid world: action ${action} is not one of 0…3 (left, up, right, down)`);
  const x = (cell % side) + d[0];
  const y = Math.floor(cell / side) + d[1];
  if (x < 0 || y < 0 || x >= side || y >= side) return cell;
  return cellOf(x, y, side);
}

/**
 * First-visit step of every cell along a trajectory (trajectory[0] is the start, trajectory[t] the
 * cell after t steps): 0 for the start, the first t with trajectory[t] = c, or budget + 1 when c is
 * never visited. This is the cost of hiding the goal in c (steps to the goal).
 */
export function firstVisitSteps(trajectory: readonly number[], side: number, budget: number): number[] {
  const out = new Array<number>(side * side).fill(budget + 1);
  for (let t = 0; t < trajectory.length && t <= budget; t++) {
    const c = trajectory[t] as number;
    if ((out[c] as number) > t) out[c] = t;
  }
  return out;
}

/**
 * Plays one episode: `act(t, cell)` returns the action at step t from cell `cell` (an agent keeps its
 * own history). Ends on the goal or after `budget` steps; the trajectory starts at cell 0. With
 * goal = −1 (none) it runs the whole budget: the exploration before a discovery, which does not
 * depend on where the goal is.
 */
export function playEpisode(act: (t: number, cell: number) => number, side: number, budget: number, goal = -1): number[] {
  const path = [0];
  let cell = 0;
  for (let t = 0; t < budget && cell !== goal; t++) {
    cell = move(cell, act(t, cell), side);
    path.push(cell);
  }
  return path;
}

/** The goal cells: every cell but the start. */
export function goalCells(side: number): number[] {
  return Array.from({ length: side * side - 1 }, (_, i) => i + 1);
}

export interface GridObjective {
  /** The q-norm objective L̂_q over goal cells of the per-cell mean cost over seeds (science.md §4). */
  objective: number;
  /** Steps to the goal averaged over goal cells and seeds. */
  mean: number;
  /** The oblivious adversary's cell: the largest per-cell mean over seeds; and that mean (the worst case). */
  worstCell: number;
  worst: number;
  /** Fraction of (goal cell, seed) episodes that reach the goal within the budget. */
  found: number;
  /** Per goal cell (index into goalCells), the mean cost over seeds. */
  perCell: number[];
}

/**
 * The objective over goal placements × seeds: `visits[j]` is seed j's first-visit steps (from
 * firstVisitSteps). Per goal cell c, L̄_c = (1/m) Σ_j visits[j][c]; L̂_q = ((1/k) Σ_c L̄_c^q)^(1/q);
 * q = Infinity gives the max (the adversary). Costs are in steps.
 */
export function gridObjective(visits: readonly (readonly number[])[], side: number, budget: number, q: number): GridObjective {
  if (visits.length === 0) throw new Error('grid world: no seeds to average over');
  if (!(q >= 1)) throw new RangeError(`grid world: q = ${q} must be ≥ 1`);
  const cells = goalCells(side);
  const m = visits.length;
  let found = 0;
  const perCell = cells.map((c) => {
    let s = 0;
    for (const v of visits) {
      const x = v[c] as number;
      s += x;
      if (x <= budget) found++;
    }
    return s / m;
  });
  let worstIndex = 0;
  perCell.forEach((x, i) => {
    if (x > (perCell[worstIndex] as number)) worstIndex = i;
  });
  const worst = perCell[worstIndex] as number;
  const mean = perCell.reduce((a, b) => a + b, 0) / perCell.length;
  let objective: number;
  if (q === Infinity) objective = worst;
  else {
    // Scaled by the max so that large q neither overflows nor underflows.
    const s = perCell.reduce((a, x) => a + (x / worst) ** q, 0) / perCell.length;
    objective = worst === 0 ? 0 : worst * s ** (1 / q);
  }
  return { objective, mean, worstCell: cells[worstIndex] as number, worst, found: found / (perCell.length * m), perCell };
}

/**
 * The grid world as a task of the experiment grid: the size n is the grid's side, the vocabulary
 * one token per cell (`x,y`), an example a goal placement (prompt: the start cell; answer: the goal
 * cell). Training and evaluation are the evolution-strategies trainer's (src/engine/es/), which
 * plays episodes rather than reading examples; `example` and `score` serve the checks and the text.
 */
export class GridWorldTask implements Task {
  readonly name = 'grid-world' as const;
  readonly options: Readonly<Record<string, number>>;
  readonly vocab: readonly string[];
  readonly aligned = false;
  readonly side: number;
  constructor(readonly config: TaskConfig) {
    checkTaskName(config, 'grid-world');
    const largest = largestTaskSize(config);
    for (const [field, list] of [
      ['trainLengths', config.trainLengths],
      ['evalLengths', config.evalLengths],
    ] as const) {
      if (list.some((n) => n !== largest)) throw new Error(`task "grid-world": ${field} must all be the one grid side n (got ${list.join(', ')}); train and evaluate on the same grid`);
    }
    if (largest < 2 || largest > 16) throw new Error(`task "grid-world": the grid side n = ${largest} must be in [2, 16]`);
    this.options = resolveTaskOptions(config, GRID_WORLD_OPTIONS);
    if ((this.options.population as number) % 2 !== 0) {
      throw new TaskOptionError('population', `task "grid-world": option population = ${this.options.population} must be even (antithetic pairs θ ± σε)`);
    }
    this.side = largest;
    const cells: string[] = [];
    for (let c = 0; c < largest * largest; c++) cells.push(`${c % largest},${Math.floor(c / largest)}`);
    this.vocab = [...SPECIAL_TOKENS, ...cells];
  }
  /** Steps per episode. */
  get budget(): number {
    return this.options.budget as number;
  }
  /** The token of a cell. */
  cellToken(cell: number): number {
    return FIRST_SYMBOL + cell;
  }
  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, this.side);
    return { prompt: [this.cellToken(0)], answer: [this.cellToken(rng.int(1, n * n))] };
  }
  answerLength(): number {
    return 1;
  }
  /** An example's prompt: the start cell (an episode's observations are the ES trainer's, up to budget + 1 tokens). */
  promptLength(): number {
    return 1;
  }
  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    const shape = predicted.length === 1 ? 1 : 0;
    const parse = predicted.every((t) => t >= FIRST_SYMBOL && t < this.vocab.length) ? 1 : 0;
    const exact = shape && predicted[0] === example.answer[0] ? 1 : 0;
    return { exact, shape, parse, clrs: exact };
  }
  format(example: TaskExample, predicted?: readonly number[]): string {
    const name = (t: number | undefined): string => (t === undefined ? '?' : (this.vocab[t] ?? `#${t}`));
    const goal = `start: ${name(example.prompt[0])} | goal: ${name(example.answer[0])}`;
    return predicted ? `${goal} | found: ${predicted.map(name).join(' ')}` : goal;
  }
}
