/**
 * grid-world.json of a grid-world run (the evolution-strategies explorer, docs/science.md §4):
 * (GRID_WORLD_FILE, named in runFolder.ts with the other file names) the final agent played under K fixed evaluation seeds, every goal cell at once (the first-visit
 * step of a cell is the cost of hiding the goal there).
 */
export { GRID_WORLD_FILE } from './runFolder';

export interface GridWorldAnalysis {
  version: 1;
  /** Grid side n; cells are y·n + x, the start is cell 0. */
  side: number;
  /** Steps per episode; a goal never reached costs budget + 1. */
  budget: number;
  /** Evaluation seeds K (a model without RSE plays one trajectory whatever the seed). */
  seeds: number;
  /** Random Seed Encoding width (0 = none). */
  rseBits: number;
  /** q of the training objective. */
  q: number;
  /** Steps to the goal averaged over goal cells and seeds. */
  meanSteps: number;
  /** The oblivious adversary's cell (largest mean over seeds) and its mean steps: the worst case. */
  worstCell: number;
  worstSteps: number;
  /** Fraction of (goal cell, seed) episodes that reach the goal within the budget. */
  found: number;
  /** Per cell (index = cell, the start included at 0), the first-visit step averaged over the seeds. */
  meanFirstVisit: number[];
  /** Distinct trajectories among the K seeds (1 = the agent ignores its seed). */
  distinctTrajectories: number;
  /** The first few seeds' exploration trajectories (cells, from the start), for the chart. */
  trajectories: number[][];
}
