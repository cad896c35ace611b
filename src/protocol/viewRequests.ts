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
  /**
   * The softmax-noise probe (docs/science.md §6): σ of i.i.d. N(0, σ²) noise on the attention logits
   * of every layer (one fixed draw, so the same σ shows the same rows); 0 or absent: no noise.
   */
  sigma?: number;
}

/** Largest σ the inspector's slider may ask for. */
export const MAX_PROBE_SIGMA = 16;

export const isAttentionProbeParams: Guard<AttentionProbeParams> = is.object<AttentionProbeParams & Record<string, unknown>>({
  checkpoint: is.string,
  input: is.string,
  sigma: is.optional((v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_PROBE_SIGMA),
});

export const isAttentionProbeResult: Guard<AttentionProbeResult> = is.object<AttentionProbeResult & Record<string, unknown>>({
  tokens: is.arrayOf(is.string),
  layers: is.integer,
  heads: is.integer,
  patterns: is.arrayOf(is.arrayOf(is.arrayOf(is.number))),
  predictions: is.arrayOf(is.string),
  sigma: is.optional(is.number),
  rowChange: is.optional(is.arrayOf(is.arrayOf(is.number))),
});
