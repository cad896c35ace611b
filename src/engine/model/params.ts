import type { Variable } from '../tf';

/**
 * What a parameter is, for optimizers that treat kinds differently (Tiger: half step and no
 * decay for biases and LayerNorm parameters, a per-row RMS step for embeddings, a per-tensor
 * RMS step for everything else; NaN-guard shrink towards 1 for LayerNorm gains).
 */
export type ParamKind = 'matrix' | 'embedding' | 'bias' | 'norm-gain' | 'norm-bias';

export interface ModelParam {
  /** Stable, slash-separated name, e.g. `blocks.0.attn.qkv.kernel`; also the checkpoint tensor name. */
  readonly name: string;
  readonly kind: ParamKind;
  readonly variable: Variable;
}
