/**
 * Saving and loading Attention Lab checkpoints (format in src/protocol/checkpoint.ts): model
 * parameters and optimizer state as safetensors tensors, the run's configuration and step in the
 * metadata. Writing is atomic, so a crash mid-save never leaves a half checkpoint under the name.
 */
import {
  CheckpointError,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  isOptimizerTensorName,
  optimizerTensorName,
  OPTIMIZER_TENSOR_PREFIX,
  type CheckpointMetadata,
} from '../../protocol/checkpoint';
import type { ModelParam } from '../model/params';
import { tf } from '../tf';
import type { Tensor } from '../tf';
import { modelConfigProblem } from '../../core/experiment/validateRunConfig';
import { openSafetensors, writeSafetensors, type Dtype, type TensorToWrite } from '../../core/checkpoint/safetensors';

export interface CheckpointContents {
  params: readonly ModelParam[];
  /** As from Optimizer.getState(): slot name (`<param>/m`) → tensor. */
  optimizerState: ReadonlyMap<string, Tensor>;
  metadata: CheckpointMetadata;
  /**
   * Training diagnostics' state for a bit-identical resume (TrainingProbes.exportState): the sign
   * of the last update per parameter, in `params` order, stored as I8 under
   * `optimizer/probe/<param>/previousUpdateSign`.
   */
  probeState?: readonly Int8Array[] | null;
}

/** Optimizer-state slots under this prefix hold the probes' state, not the optimizer's. */
export const PROBE_SLOT_PREFIX = 'probe/';
const PROBE_SLOT_SUFFIX = '/previousUpdateSign';

export interface LoadedParam {
  shape: number[];
  data: Float32Array;
}

export type StateDtype = 'float32' | 'int32' | 'bool';

export interface LoadedState {
  shape: number[];
  dtype: StateDtype;
  data: Float32Array | Int32Array | Uint8Array;
}

export interface LoadedCheckpoint {
  path: string;
  metadata: CheckpointMetadata;
  /** By ModelParam name, in file order. */
  params: Map<string, LoadedParam>;
  /** By slot name without the `optimizer/` prefix, as Optimizer.setState expects. */
  optimizerState: Map<string, LoadedState>;
  /** The probes' state by parameter name (sign of the last update), when the checkpoint has it. */
  probeState: Map<string, LoadedParam>;
}

const FILE_DTYPE: Record<StateDtype, Dtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

async function tensorToWrite(name: string, t: Tensor, what: string): Promise<TensorToWrite> {
  if (t.isDisposed) throw new CheckpointError(`cannot save ${what} ${JSON.stringify(name)}: its tensor was disposed`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new CheckpointError(`cannot save ${what} ${JSON.stringify(name)}: dtype ${t.dtype} is not float32, int32 or bool`);
  }
  const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  return { name, dtype: FILE_DTYPE[t.dtype], shape: t.shape, data };
}

/**
 * Writes the parameters (F32, under their names), then the optimizer state (under
 * `optimizer/<slot>`; float32 → F32, int32 → I32) and the metadata, atomically. The metadata is
 * checked with the same rules the loader applies before anything is written.
 */
export async function saveCheckpoint(file: string, contents: CheckpointContents): Promise<void> {
  const encoded = encodeCheckpointMetadata(contents.metadata);
  decodeCheckpointMetadata(encoded, file);
  const tensors: TensorToWrite[] = [];
  for (const p of contents.params) {
    if (isOptimizerTensorName(p.name)) {
      throw new CheckpointError(`${file}: parameter name ${JSON.stringify(p.name)} starts with "${OPTIMIZER_TENSOR_PREFIX}", which is reserved for optimizer state`);
    }
    if (p.variable.dtype !== 'float32') throw new CheckpointError(`${file}: parameter ${JSON.stringify(p.name)} is ${p.variable.dtype}, not float32`);
    tensors.push(await tensorToWrite(p.name, p.variable, 'parameter'));
  }
  for (const [slot, t] of contents.optimizerState) {
    tensors.push(await tensorToWrite(optimizerTensorName(slot), t, 'optimizer state'));
  }
  if (contents.probeState) {
    contents.params.forEach((p, i) => {
      const data = contents.probeState?.[i] as Int8Array;
      tensors.push({ name: optimizerTensorName(`${PROBE_SLOT_PREFIX}${p.name}${PROBE_SLOT_SUFFIX}`), dtype: 'I8', shape: p.variable.shape, data });
    });
  }
  await writeSafetensors(file, tensors, encoded);
}

/**
 * Reads a whole checkpoint into memory. Throws a CheckpointError when the file is a valid
 * safetensors file but not an Attention Lab checkpoint, and a SafetensorsError when it is not a
 * valid safetensors file.
 */
export async function loadCheckpoint(file: string): Promise<LoadedCheckpoint> {
  const st = await openSafetensors(file);
  try {
    const metadata = decodeCheckpointMetadata(st.metadata, file);
    // The config builds a model: a damaged or absurd one (dModel 100000, layers −3) stops here.
    const problem = modelConfigProblem(metadata.runConfig.model);
    if (problem) throw new CheckpointError(`${file}: metadata runConfig: ${problem}`);
    const params = new Map<string, LoadedParam>();
    const optimizerState = new Map<string, LoadedState>();
    const probeState = new Map<string, LoadedParam>();
    for (const info of st.tensors) {
      const shape = [...info.shape];
      const isFloat = info.dtype === 'F32' || info.dtype === 'F16' || info.dtype === 'BF16' || info.dtype === 'F64';
      if (!isOptimizerTensorName(info.name)) {
        if (!isFloat) throw new CheckpointError(`${file}: parameter ${JSON.stringify(info.name)} is ${info.dtype}; parameters must be floating point`);
        params.set(info.name, { shape, data: await st.readAsFloat32(info.name) });
        continue;
      }
      const slot = info.name.slice(OPTIMIZER_TENSOR_PREFIX.length);
      if (slot.length === 0) throw new CheckpointError(`${file}: optimizer tensor ${JSON.stringify(info.name)} has no slot name`);
      if (slot.startsWith(PROBE_SLOT_PREFIX) && slot.endsWith(PROBE_SLOT_SUFFIX) && info.dtype === 'I8') {
        probeState.set(slot.slice(PROBE_SLOT_PREFIX.length, -PROBE_SLOT_SUFFIX.length), { shape, data: await st.readAsFloat32(info.name) });
        continue;
      }
      if (isFloat) optimizerState.set(slot, { shape, dtype: 'float32', data: await st.readAsFloat32(info.name) });
      else if (info.dtype === 'I32') optimizerState.set(slot, { shape, dtype: 'int32', data: (await st.read(info.name)) as Int32Array });
      else if (info.dtype === 'BOOL') optimizerState.set(slot, { shape, dtype: 'bool', data: (await st.read(info.name)) as Uint8Array });
      else throw new CheckpointError(`${file}: optimizer tensor ${JSON.stringify(info.name)} is ${info.dtype}; expected F32, I32 or BOOL`);
    }
    return { path: file, metadata, params, optimizerState, probeState };
  } finally {
    await st.close();
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Assigns the checkpoint's values to the model's parameters. Everything is checked first (every
 * parameter present with the same shape, no tensor left over), so a mismatch changes nothing.
 */
export function restoreInto(loaded: LoadedCheckpoint, params: readonly ModelParam[]): void {
  const problems: string[] = [];
  const wanted = new Set<string>();
  for (const p of params) {
    wanted.add(p.name);
    const t = loaded.params.get(p.name);
    if (t === undefined) problems.push(`parameter ${JSON.stringify(p.name)} ${shapeText(p.variable.shape)} is missing from the checkpoint`);
    else if (t.shape.length !== p.variable.shape.length || t.shape.some((d, i) => d !== p.variable.shape[i])) {
      problems.push(`parameter ${JSON.stringify(p.name)} has shape ${shapeText(t.shape)} in the checkpoint but ${shapeText(p.variable.shape)} in the model`);
    }
  }
  for (const name of loaded.params.keys()) {
    if (!wanted.has(name)) problems.push(`the checkpoint has tensor ${JSON.stringify(name)}, which the model has no parameter for`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('; ');
    const more = problems.length > 8 ? `; and ${problems.length - 8} more` : '';
    throw new CheckpointError(`${loaded.path}: checkpoint does not fit the model (model config differs?): ${shown}${more}`);
  }
  for (const p of params) {
    const t = loaded.params.get(p.name) as LoadedParam;
    // A copy: the cpu backend keeps the array it is given, and `loaded` stays the caller's.
    tf.tidy(() => {
      p.variable.assign(tf.tensor(t.data.slice(), t.shape, 'float32'));
    });
  }
}

/**
 * The optimizer state as new tensors, for Optimizer.setState (which copies them). The caller
 * owns the tensors and disposes them afterwards.
 */
export function optimizerStateTensors(loaded: LoadedCheckpoint): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [slot, s] of loaded.optimizerState) out.set(slot, tf.tensor(s.data.slice(), s.shape, s.dtype));
  return out;
}
