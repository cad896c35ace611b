/**
 * Grids of the 2-D test functions for the optimizer-path view, and the conversion from the
 * `attention-lab trace --json` output to ContourData. The formulas come from the engine's
 * testFunctions.ts, which is plain TypeScript without imports (no Node, no tfjs), so the
 * webview evaluates exactly what the trace optimised.
 */
import { getTestFunction } from '../../src/core/trace/testFunctions';
import type { ContourData, FunctionGrid, OptimizerPath } from './types';

/** f sampled on a resolution × resolution grid over the function's plot domain (or `domain`). */
export function functionGrid(name: string, resolution = 120, domain?: { x: [number, number]; y: [number, number] }): FunctionGrid {
  if (!Number.isInteger(resolution) || resolution < 2 || resolution > 1000) {
    throw new RangeError(`functionGrid: resolution must be an integer in [2, 1000], got ${resolution}`);
  }
  const fn = getTestFunction(name);
  const x: [number, number] = domain ? [domain.x[0], domain.x[1]] : [fn.domain.x[0], fn.domain.x[1]];
  const y: [number, number] = domain ? [domain.y[0], domain.y[1]] : [fn.domain.y[0], fn.domain.y[1]];
  const values: number[][] = [];
  for (let j = 0; j < resolution; j++) {
    const yj = y[0] + ((y[1] - y[0]) * j) / (resolution - 1);
    const row: number[] = [];
    for (let i = 0; i < resolution; i++) row.push(fn.f(x[0] + ((x[1] - x[0]) * i) / (resolution - 1), yj));
    values.push(row);
  }
  return { x, y, values };
}

/** The fields of the trace command's JSON (TraceResult) that the chart needs. */
export interface TraceLike {
  function: string;
  formula: string;
  optimizer: { name: string; lr: number };
  domain: { x: [number, number]; y: [number, number] };
  minima: [number, number][];
  points: { step: number; x: number; y: number; loss: number }[];
  diverged: boolean;
}

/** ContourData for traces of one function (one path per trace, labelled by optimizer and lr). */
export function contourFromTraces(traces: TraceLike[], resolution = 160): ContourData {
  const first = traces[0];
  if (first === undefined) throw new RangeError('contourFromTraces: no traces given');
  const other = traces.find((t) => t.function !== first.function);
  if (other !== undefined) throw new RangeError(`contourFromTraces: traces of different functions (${first.function}, ${other.function})`);
  const paths: OptimizerPath[] = traces.map((t) => ({
    label: `${t.optimizer.name} (lr ${t.optimizer.lr})`,
    points: t.points.map((p) => ({ x: p.x, y: p.y, step: p.step, loss: p.loss })),
    diverged: t.diverged,
  }));
  return { grid: functionGrid(first.function, resolution, first.domain), paths, minima: first.minima, caption: `${first.function}: f(x, y) = ${first.formula}` };
}
