/**
 * An optimizer's path on a 2-D test function (`attention-lab trace`, the dashboard's optimizer
 * paths): what the backend's `trace/run` is asked and answers, typed end to end. The optimizer
 * travels whole (every hyper-parameter), so the path drawn is the experiment's optimizer.
 */
import { OPTIMIZER_NAMES, type OptimizerConfig, type ScheduleConfig } from './config';
import { guard, is, problemOf, type Guard } from './rpc';

export interface TracePoint {
  /** Number of updates applied so far (0 = the start point). */
  step: number;
  x: number;
  y: number;
  loss: number;
  /** Learning rate of the update that led here (configured lr × schedule); 0 at the start point. */
  lr: number;
}

export interface TraceResult {
  /** A name of core/trace/testFunctions.ts. */
  function: string;
  formula: string;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  start: [number, number];
  /** The canonical global minimum; `minima` lists all of them. */
  minimum: [number, number];
  minima: [number, number][];
  minValue: number;
  domain: { x: [number, number]; y: [number, number] };
  /** steps + 1 points, fewer if the run diverged. */
  points: TracePoint[];
  /**
   * true when the run blew up: the gradient overflowed float32 (the optimizer then skips the
   * step, so the path would freeze rather than reach Inf) or x, y or the loss became
   * non-finite. The trace stops before that point.
   */
  diverged: boolean;
}

export interface TraceParams {
  /** The whole optimizer config: name and every hyper-parameter. */
  optimizer: OptimizerConfig;
  fn: string;
  steps: number;
  /** The function's standard start when null. */
  start: [number, number] | null;
}

export const isPoint: Guard<[number, number]> = is.that<[number, number]>('a point [x, y] of two finite numbers', (v) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)));

/** An optimizer config: a known name, a positive lr, and only finite numbers besides the name. */
export const isOptimizerConfig: Guard<OptimizerConfig> = guard<OptimizerConfig>((v, path) => {
  const base = problemOf(is.object({ name: is.oneOf(OPTIMIZER_NAMES), lr: is.number }), v, path);
  if (base !== null) return base;
  const o = v as Record<string, unknown>;
  if ((o.lr as number) <= 0) return `${path}.lr must be a positive number`;
  for (const [k, x] of Object.entries(o)) if (k !== 'name' && (typeof x !== 'number' || !Number.isFinite(x))) return `${path}.${k} must be a finite number`;
  return null;
});

export const isTraceParams: Guard<TraceParams> = is.object<TraceParams & Record<string, unknown>>({
  optimizer: isOptimizerConfig,
  fn: is.text(64),
  steps: is.intIn(1, 100_000),
  start: is.nullable(isPoint),
});

const isTracePoint = is.object<TracePoint & Record<string, unknown>>({ step: is.integer, x: is.number, y: is.number, loss: is.anyNumber, lr: is.anyNumber });

export const isTraceResult: Guard<TraceResult> = is.object<TraceResult & Record<string, unknown>>({
  function: is.string,
  formula: is.string,
  optimizer: isOptimizerConfig,
  schedule: is.objectAs<ScheduleConfig>(),
  start: isPoint,
  minimum: isPoint,
  minima: is.arrayOf(isPoint),
  minValue: is.number,
  domain: is.object({ x: isPoint, y: isPoint }),
  points: is.arrayOf(isTracePoint),
  diverged: is.boolean,
});
