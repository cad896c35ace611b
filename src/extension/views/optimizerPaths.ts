/**
 * Assembles the dashboard's optimizer-paths view: one real optimizer path per optimizer, traced
 * by the backend process, with the test function's formula, domain and minima (read here from
 * the tfjs-free testFunctions.ts). Pure apart from the injected `trace` call.
 */
import type { OptimizerConfig } from '../../protocol/config';
import type { OptimizerPathsView, OptimizerPathView } from '../../protocol/viewData';
import { getTestFunction } from '../../core/trace/testFunctions';
import type { TraceRunParams } from './viewServices';

function isTrace(v: unknown): v is { points: { step: number; x: number; y: number; loss: number }[]; diverged: boolean; optimizer: OptimizerConfig } {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return Array.isArray(t.points) && typeof t.diverged === 'boolean' && typeof t.optimizer === 'object' && t.optimizer !== null;
}

export async function optimizerPaths(
  fn: string,
  steps: number,
  optimizers: readonly OptimizerConfig[],
  trace: (p: TraceRunParams) => Promise<unknown>,
): Promise<OptimizerPathsView> {
  const f = getTestFunction(fn);
  const paths: OptimizerPathView[] = [];
  for (const o of optimizers) {
    const result = await trace({ optimizer: o.name, fn: f.name, steps, lr: o.lr, start: null });
    if (!isTrace(result)) throw new Error(`trace of ${o.name} on ${fn}: the backend's reply has no points`);
    paths.push({
      optimizer: result.optimizer,
      points: result.points.map((p) => ({ step: p.step, x: p.x, y: p.y, loss: p.loss })),
      diverged: result.diverged,
    });
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
