/**
 * What the views need from the rest of the extension host. The host engineer's activation code
 * builds one and passes it to `registerViews`; the views never start processes themselves.
 */
import type { AttentionProbeParams } from '../../protocol/viewRequests';
import type { AttentionProbeResult } from '../../protocol/viewData';

export interface TraceRunParams {
  optimizer: string;
  fn: string;
  steps: number;
  lr: number | null;
  start: [number, number] | null;
}

export interface ViewServices {
  /** Absolute path of the runs folder (setting attentionLab.runsFolder resolved); null when there is no workspace. */
  runsRoot(): string | null;
  /** The backend's 'trace/run' request: a real optimizer's path on a 2-D test function (engine TraceResult). */
  traceOptimizer(params: TraceRunParams): Promise<unknown>;
  /** The backend's 'attention/probe' request (src/protocol/viewRequests.ts). */
  probeAttention(params: AttentionProbeParams): Promise<AttentionProbeResult>;
  /** A line for the output channel. */
  log(line: string): void;
}
