/**
 * Assembles the dashboard's optimizer-paths view: one real optimizer path per optimizer, each
 * traced by the backend process with its whole config (so the path drawn is the experiment's
 * optimizer, every hyper-parameter as trained), with the test function's formula, domain and
 * minima (from core/trace/testFunctions.ts). Pure apart from the injected `trace` call.
 */
import type { OptimizerConfig } from '../../protocol/config';
import type { TraceParams, TraceResult } from '../../protocol/trace';
import type { OptimizerPathsView } from '../../protocol/viewData';
import { getTestFunction } from '../../core/trace/testFunctions';

export async function optimizerPaths(
  fn: string,
  steps: number,
  optimizers: readonly OptimizerConfig[],
  trace: (p: TraceParams) => Promise<TraceResult>,
): Promise<OptimizerPathsView> {
  const f = getTestFunction(fn);
  const paths = [];
  for (const optimizer of optimizers) {
    const result = await trace({ optimizer, fn: f.name, steps, start: null });
    paths.push({ optimizer: result.optimizer, points: result.points.map((p) => ({ step: p.step, x: p.x, y: p.y, loss: p.loss })), diverged: result.diverged });
  }
  return {
    function: f.name,
    formula: f.formula,
    domain: { x: [f.domain.x[0], f.domain.x[1]], y: [f.domain.y[0], f.domain.y[1]] },
    minima: f.minima.map((m) => [m[0], m[1]]),
    start: [f.start[0], f.start[1]],
    paths,
  };
}
