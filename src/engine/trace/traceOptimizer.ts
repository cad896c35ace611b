import type { OptimizerConfig, ScheduleConfig } from '../../protocol/config';
import type { TracePoint, TraceResult } from '../../protocol/trace';
import type { ModelParam } from '../model/params';
import { createOptimizer } from '../optim/index';
import { scheduleFactor, validateSchedule } from '../optim/schedule';
import { tf } from '../tf';
import type { Variable } from '../tf';
import { getTestFunction } from '../../core/trace/testFunctions';
import type { Point } from '../../core/trace/testFunctions';

export interface TraceOptions {
  optimizer: OptimizerConfig;
  /** One of TRACE_FUNCTION_NAMES. */
  fn: string;
  /** Number of optimizer steps, 1…MAX_TRACE_STEPS. */
  steps: number;
  /** Start point; the function's standard start when omitted. */
  start?: [number, number];
  /** Multiplies the optimizer's lr per step; constant when omitted. */
  schedule?: ScheduleConfig;
}

export type { TracePoint, TraceResult };

export const MAX_TRACE_STEPS = 100_000;

/**
 * Runs a real optimizer (the same class the trainer uses) on a 2-D test function and records
 * its path. The parameter is one float32 Variable [x, y] of kind 'matrix', so Tiger's relative
 * step uses the RMS of (x, y) over both coordinates (and cannot leave (0, 0)); the gradient is
 * the function's analytic gradient evaluated at the float32 position. The active tfjs backend
 * must already be initialised (`initBackend`). Deterministic: no randomness anywhere.
 */
export function traceOptimizer(opts: TraceOptions): TraceResult {
  const fn = getTestFunction(opts.fn);
  if (!Number.isInteger(opts.steps) || opts.steps < 1 || opts.steps > MAX_TRACE_STEPS) {
    throw new Error(`trace steps must be an integer in [1, ${MAX_TRACE_STEPS}], got ${opts.steps}`);
  }
  const start: Point = opts.start ?? fn.start;
  if (start.length !== 2 || !start.every((v) => Number.isFinite(v))) {
    throw new Error(`trace start must be two finite numbers, got [${start.join(', ')}]`);
  }
  const schedule: ScheduleConfig = opts.schedule ?? { kind: 'constant' };
  validateSchedule(schedule);

  const optimizer = createOptimizer(opts.optimizer);
  const variable = tf.tidy(() => tf.variable(tf.tensor1d([start[0], start[1]], 'float32'), false));
  const param: ModelParam = { name: 'xy', kind: 'matrix', variable };
  const points: TracePoint[] = [];
  let diverged = false;
  try {
    let [x, y] = read(variable);
    points.push({ step: 0, x, y, loss: fn.f(x, y), lr: 0 });
    for (let step = 0; step < opts.steps; step++) {
      const lr = opts.optimizer.lr * scheduleFactor(schedule, step, opts.steps);
      const grad = tf.tensor1d(fn.grad(x, y) as [number, number], 'float32');
      let nanEvents = 0;
      try {
        nanEvents = optimizer.step([param], new Map([['xy', grad]]), { step, lr, measure: false }).nanEvents;
      } finally {
        grad.dispose();
      }
      [x, y] = read(variable);
      const loss = fn.f(x, y);
      if (nanEvents > 0 || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(loss)) {
        diverged = true;
        break;
      }
      points.push({ step: step + 1, x, y, loss, lr });
    }
  } finally {
    optimizer.dispose();
    variable.dispose();
  }
  return {
    function: fn.name,
    formula: fn.formula,
    optimizer: { ...opts.optimizer },
    schedule,
    start: [start[0], start[1]],
    minimum: [...(fn.minima[0] as Point)],
    minima: fn.minima.map((p) => [p[0], p[1]]),
    minValue: fn.minValue,
    domain: { x: [fn.domain.x[0], fn.domain.x[1]], y: [fn.domain.y[0], fn.domain.y[1]] },
    points,
    diverged,
  };
}

function read(v: Variable): [number, number] {
  const d = v.dataSync();
  return [d[0] as number, d[1] as number];
}
