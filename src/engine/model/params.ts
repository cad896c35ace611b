import type { ParamKind } from '../../protocol/config';
import type { Variable } from '../tf';

export type { ParamKind };

export interface ModelParam {
  /** Stable, slash-separated name, e.g. `blocks.0.attn.qkv.kernel`; also the checkpoint tensor name. */
  readonly name: string;
  readonly kind: ParamKind;
  readonly variable: Variable;
}
