/**
 * Writing, reading and building NARs from their safetensors checkpoints (the tf side; the header
 * format and its checks are in narHeader.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NarCheckpointMetadata, NarLink } from '../../protocol/nar';
import { NAR_CHECKPOINT_FORMAT, NAR_CHECKPOINT_FORMAT_VERSION } from '../../protocol/nar';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../core/checkpoint/safetensors';
import { tf } from '../tf';
import { NarCheckpointError, checkTensors, decodeNarMetadata, encodeNarMetadata, readNarHeaderSync } from '../../core/nar/narHeader';
import { createNar, type Nar } from './narModel';

export { NarCheckpointError, readNarHeaderSync } from '../../core/nar/narHeader';

/** Writes the NAR's tensors and metadata atomically. */
export async function saveNar(file: string, nar: Nar, meta: Omit<NarCheckpointMetadata, 'format' | 'formatVersion' | 'nar'>): Promise<void> {
  const tensors: TensorToWrite[] = [];
  for (const p of nar.params) tensors.push({ name: p.name, dtype: 'F32', shape: p.variable.shape, data: (await p.variable.data()) as Float32Array });
  const metadata = encodeNarMetadata({ format: NAR_CHECKPOINT_FORMAT, formatVersion: NAR_CHECKPOINT_FORMAT_VERSION, nar: nar.config, ...meta });
  await writeSafetensors(file, tensors, metadata);
}

/** A NAR checkpoint read into memory: its metadata and every tensor's values, from which NARs are built (buildNar). */
export interface NarWeights {
  file: string;
  metadata: NarCheckpointMetadata;
  tensors: ReadonlyMap<string, Float32Array>;
}

/** Reads and checks a NAR checkpoint (metadata, names, shapes, dtypes). Throws a NarCheckpointError with a one-line reason. */
export async function readNar(file: string): Promise<NarWeights> {
  readNarHeaderSync(file); // the clear one-line errors for a missing or foreign file
  const st = await openSafetensors(file);
  try {
    const metadata = decodeNarMetadata(st.metadata, file);
    checkTensors(file, metadata.nar, st.tensors);
    const tensors = new Map<string, Float32Array>();
    for (const t of st.tensors) tensors.set(t.name, await st.readAsFloat32(t.name));
    return { file, metadata, tensors };
  } finally {
    await st.close();
  }
}

/**
 * A NAR with the checkpoint's weights. `frozen` (the default) makes its variables non-trainable:
 * a TransNAR model never hands them to an optimizer. The caller (or the model given it) disposes it.
 */
export function buildNar(weights: NarWeights, frozen = true): Nar {
  const nar = createNar(weights.metadata.nar, 0, { trainable: !frozen });
  try {
    for (const p of nar.params) {
      const data = weights.tensors.get(p.name);
      if (!data) throw new NarCheckpointError(`${weights.file}: tensor "${p.name}" is missing`);
      tf.tidy(() => p.variable.assign(tf.tensor(data, p.variable.shape, 'float32')));
    }
  } catch (err) {
    nar.dispose();
    throw err;
  }
  return nar;
}

/** A NAR loaded from its checkpoint, and its metadata. The caller disposes the NAR. */
export async function loadNar(file: string, frozen = true): Promise<{ nar: Nar; metadata: NarCheckpointMetadata }> {
  const weights = await readNar(file);
  return { nar: buildNar(weights, frozen), metadata: weights.metadata };
}

/**
 * The NAR checkpoint a run links to, read and checked against the link: the file's algorithm and
 * hidden size must be the ones the run was built with. `runDir` resolves a relative link.
 */
export async function readLinkedNar(link: NarLink, runDir: string): Promise<NarWeights> {
  const file = path.resolve(runDir, link.checkpoint);
  const weights = await readNar(file);
  const { algorithm, hidden } = weights.metadata.nar;
  if (algorithm !== link.algorithm) throw new NarCheckpointError(`${file} is a NAR for ${algorithm}; the model was built for a ${link.algorithm} NAR`);
  if (hidden !== link.hidden) {
    throw new NarCheckpointError(`${file} has hidden ${hidden}; the model was built for a NAR with hidden ${link.hidden} (mismatched dimensions)`);
  }
  return weights;
}

/**
 * The NAR of a model loaded from a checkpoint file: the link is relative to the run folder, which
 * holds the checkpoint in its `checkpoints/` folder; a checkpoint copied elsewhere still finds a NAR
 * the spec named by its original path.
 */
export async function readNarOfCheckpoint(link: NarLink, checkpointFile: string): Promise<NarWeights> {
  const runDir = path.dirname(path.dirname(path.resolve(checkpointFile)));
  const inRun = path.resolve(runDir, link.checkpoint);
  if (fs.existsSync(inRun) || link.source.kind !== 'file') return readLinkedNar(link, runDir);
  return readLinkedNar({ ...link, checkpoint: link.source.path }, runDir);
}
