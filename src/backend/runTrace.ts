/**
 * The optimizer-path trace for the dashboard: a real optimizer on a 2-D test function, on the
 * pure-JS cpu backend (a 2-element parameter: no reason to start wasm or native code).
 */
import type { OptimizerName } from '../protocol/config';
import { initBackend } from '../engine/backend';
import { defaultOptimizerConfig } from '../engine/optim';
import { MAX_TRACE_STEPS, TRACE_FUNCTION_NAMES, traceOptimizer, type TraceResult } from '../engine/trace';

let ready: Promise<unknown> | null = null;

export async function runTrace(optimizer: OptimizerName, fn: string, steps: number, lr: number | null, start: [number, number] | null): Promise<TraceResult> {
  if (!(TRACE_FUNCTION_NAMES as readonly string[]).includes(fn)) throw new Error(`trace: unknown function "${fn}" (one of ${TRACE_FUNCTION_NAMES.join(', ')})`);
  if (steps > MAX_TRACE_STEPS) throw new Error(`trace: at most ${MAX_TRACE_STEPS} steps, asked for ${steps}`);
  ready ??= initBackend('cpu');
  await ready;
  const config = defaultOptimizerConfig(optimizer);
  if (lr !== null) config.lr = lr;
  return traceOptimizer({ optimizer: config, fn, steps, ...(start ? { start } : {}) });
}
