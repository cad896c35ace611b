export { MAX_TRACE_STEPS, traceOptimizer } from './traceOptimizer';
export type { TraceOptions, TracePoint, TraceResult } from './traceOptimizer';
export { TRACE_FUNCTION_NAMES, getTestFunction } from '../../core/trace/testFunctions';
export type { Point, TestFunction, TraceFunctionName } from '../../core/trace/testFunctions';
