/**
 * The backend request the checkpoint inspector needs (running a model needs tfjs, which never
 * loads in the extension host). To be carried by the host ↔ backend RPC as
 *   BackendApi.requests['attention/probe']: { params: AttentionProbeParams; result: AttentionProbeResult }
 * with the guards below, and answered by `probeAttention` in
 * src/backend/handlers/probeAttention.ts. (Optimizer paths use the existing 'trace/run'.)
 */
import { is, type Guard } from './rpc';
import type { AttentionProbeResult } from './viewData';

/** Runs a checkpoint's model on a typed input and returns its attention patterns. */
export interface AttentionProbeParams {
  /** Absolute path of an Attention Lab checkpoint. */
  checkpoint: string;
  /** Token texts of the checkpoint's task vocabulary separated by spaces, e.g. `3 1 2 |`. */
  input: string;
}

export const isAttentionProbeParams: Guard<AttentionProbeParams> = is.object<AttentionProbeParams & Record<string, unknown>>({
  checkpoint: is.string,
  input: is.string,
});

export const isAttentionProbeResult: Guard<AttentionProbeResult> = is.object<AttentionProbeResult & Record<string, unknown>>({
  tokens: is.arrayOf(is.string),
  layers: is.integer,
  heads: is.integer,
  patterns: is.arrayOf(is.arrayOf(is.arrayOf(is.number))),
  predictions: is.arrayOf(is.string),
});
