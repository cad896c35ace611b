/**
 * The optimizer-path trace for the dashboard: a real optimizer on a 2-D test function, on the
 * pure-JS cpu backend (a 2-element parameter: no reason to start wasm or native code).
 */
import type { TraceParams, TraceResult } from '../protocol/trace';
import { initBackend } from '../engine/backend';
import { MAX_TRACE_STEPS, TRACE_FUNCTION_NAMES, traceOptimizer } from '../engine/trace';

let ready: Promise<unknown> | null = null;

/** Traces `optimizer` exactly as given (every hyper-parameter; the optimizer's constructor checks them). */
export async function runTrace({ optimizer, fn, steps, start }: TraceParams): Promise<TraceResult> {
  if (!(TRACE_FUNCTION_NAMES as readonly string[]).includes(fn)) throw new Error(`trace: unknown function "${fn}" (one of ${TRACE_FUNCTION_NAMES.join(', ')})`);
  if (steps > MAX_TRACE_STEPS) throw new Error(`trace: at most ${MAX_TRACE_STEPS} steps, asked for ${steps}`);
  ready ??= initBackend('cpu');
  await ready;
  return traceOptimizer({ optimizer, fn, steps, ...(start ? { start } : {}) });
}
