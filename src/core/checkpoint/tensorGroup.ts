/**
 * Which part of a safetensors file a tensor belongs to (TensorGroup in src/protocol/viewData.ts),
 * shared by `attention-lab inspect` and the extension's checkpoint inspector: optimizer state, a
 * TransNAR model's cross-attention to its NAR (`blocks.<l>.xattn.*`), the model's other parameters,
 * and in a NAR checkpoint the NAR's encoders, processor and decoders.
 */
import { isOptimizerTensorName } from '../../protocol/checkpoint';
import type { TensorGroup } from '../../protocol/viewData';

export function tensorGroup(name: string, narFile: boolean): TensorGroup {
  if (isOptimizerTensorName(name)) return 'optimizer';
  if (narFile) {
    if (name.startsWith('encoders.')) return 'nar-encoders';
    if (name.startsWith('processor.')) return 'nar-processor';
    if (name.startsWith('decoders.')) return 'nar-decoders';
  }
  return /^blocks\.\d+\.xattn\./.test(name) ? 'cross-attention' : 'model';
}
