/**
 * What the views need from the rest of the extension host besides the runs folder
 * (runs/runsFolder.ts): the backend's requests and the log. Activation builds one and passes it
 * to `registerViews`; the views never start processes themselves.
 */
import type { AttentionProbeParams } from '../../protocol/backendMessages';
import type { TraceParams, TraceResult } from '../../protocol/trace';
import type { AttentionProbeResult } from '../../protocol/viewData';

export interface ViewServices {
  /** The backend's 'trace/run' request: a real optimizer, exactly as configured, on a 2-D test function. */
  traceOptimizer(params: TraceParams): Promise<TraceResult>;
  /** The backend's 'attention/probe' request (src/protocol/backendMessages.ts). */
  probeAttention(params: AttentionProbeParams): Promise<AttentionProbeResult>;
  /** A line for the output channel. */
  log(line: string): void;
}
