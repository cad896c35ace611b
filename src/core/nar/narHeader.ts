/**
 * A pretrained NAR as a safetensors file: its tensors (F32, under the names of narModel.ts:
 * `encoders.*`, `processor.*`, `decoders.*`) and in the metadata the format, the NAR config, how it
 * was trained and its scores. This part reads and checks headers without tf: `readNarHeaderSync`
 * lets the spec validation refuse a missing file, one of another algorithm or one whose tensors do
 * not fit its own config before anything is written (narCheckpoint.ts reads and writes tensors).
 */
import * as fs from 'node:fs';
import type { NarAlgorithm, NarCheckpointMetadata, NarConfig, NarEvalResult, NarTrainConfig } from '../../protocol/nar';
import { NAR_ALGORITHMS, NAR_CHECKPOINT_FORMAT, NAR_CHECKPOINT_FORMAT_VERSION } from '../../protocol/nar';
import { CHECKPOINT_FORMAT } from '../../protocol/checkpoint';
import { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from '../checkpoint/safetensors';
import { featuresOf } from './graphBatch';

export class NarCheckpointError extends Error {
  override name = 'NarCheckpointError';
}

/**
 * Name → shape of every tensor of a NAR of `config`, as createNar makes them (a test keeps the two
 * in step). Pure: no tf.
 */
export function narParamShapes(config: NarConfig): Map<string, number[]> {
  const H = config.hidden;
  const out = new Map<string, number[]>();
  const linear = (name: string, rows: number, cols: number, bias = true): void => {
    out.set(`${name}.kernel`, [rows, cols]);
    if (bias) out.set(`${name}.bias`, [cols]);
  };
  const inputs = featuresOf(config.algorithm, 'input');
  const hasEdges = inputs.some((f) => f.location === 'edge');
  for (const f of inputs) linear(`encoders.${f.name}`, 1, H);
  linear('processor.msg.sender', 2 * H, H, false);
  linear('processor.msg.receiver', 2 * H, H);
  if (hasEdges) linear('processor.msg.edge', H, H, false);
  if (inputs.some((f) => f.location === 'graph')) linear('processor.msg.graph', H, H, false);
  linear('processor.msg.mlp', H, H);
  linear('processor.update.self', 2 * H, H, false);
  linear('processor.update.agg', H, H);
  out.set('processor.ln.gain', [H]);
  out.set('processor.ln.bias', [H]);
  for (const [stage, prefix] of [
    ['output', 'output'],
    ['hint', 'hint'],
  ] as const) {
    for (const f of featuresOf(config.algorithm, stage)) {
      const name = `decoders.${prefix}.${f.name}`;
      if (f.type !== 'pointer') {
        linear(name, 2 * H, 1);
        continue;
      }
      linear(`${name}.source`, 2 * H, H);
      linear(`${name}.target`, 2 * H, H);
      if (hasEdges) linear(`${name}.edge`, H, H, false);
      linear(`${name}.out`, H, 1);
    }
  }
  return out;
}

export function encodeNarMetadata(m: NarCheckpointMetadata): Record<string, string> {
  return {
    format: m.format,
    formatVersion: m.formatVersion,
    nar: JSON.stringify(m.nar),
    train: JSON.stringify(m.train),
    eval: JSON.stringify(m.eval),
    createdAt: m.createdAt,
  };
}

/** Decodes and checks the metadata; throws a NarCheckpointError saying what is wrong. */
export function decodeNarMetadata(raw: Readonly<Record<string, string>>, file: string): NarCheckpointMetadata {
  if (raw.format !== NAR_CHECKPOINT_FORMAT) {
    const what = raw.format === CHECKPOINT_FORMAT ? 'a Transformer checkpoint' : raw.format ? `format "${raw.format}"` : 'a safetensors file without Attention Lab metadata';
    throw new NarCheckpointError(`${file} is ${what}, not a NAR checkpoint (format "${NAR_CHECKPOINT_FORMAT}")`);
  }
  if (raw.formatVersion !== NAR_CHECKPOINT_FORMAT_VERSION) {
    throw new NarCheckpointError(`${file}: NAR checkpoint format version ${String(raw.formatVersion)} is not supported (expected ${NAR_CHECKPOINT_FORMAT_VERSION})`);
  }
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(raw[key] ?? '');
    } catch {
      throw new NarCheckpointError(`${file}: metadata "${key}" is not JSON`);
    }
  };
  const nar = parse('nar') as Partial<NarConfig> | null;
  if (typeof nar !== 'object' || nar === null) throw new NarCheckpointError(`${file}: metadata "nar" is not an object`);
  if (!NAR_ALGORITHMS.includes(nar.algorithm as NarAlgorithm)) {
    throw new NarCheckpointError(`${file}: metadata nar.algorithm ${JSON.stringify(nar.algorithm)} is not one of ${NAR_ALGORITHMS.join(', ')}`);
  }
  if (!(Number.isInteger(nar.hidden) && (nar.hidden as number) >= 1 && (nar.hidden as number) <= 1024)) {
    throw new NarCheckpointError(`${file}: metadata nar.hidden ${JSON.stringify(nar.hidden)} is not an integer in [1, 1024]`);
  }
  const train = parse('train') as NarTrainConfig;
  const evalResults = parse('eval') as NarEvalResult[];
  if (!Array.isArray(evalResults)) throw new NarCheckpointError(`${file}: metadata "eval" is not a list`);
  return {
    format: NAR_CHECKPOINT_FORMAT,
    formatVersion: NAR_CHECKPOINT_FORMAT_VERSION,
    nar: { algorithm: nar.algorithm as NarAlgorithm, hidden: nar.hidden as number },
    train,
    eval: evalResults,
    createdAt: String(raw.createdAt ?? ''),
  };
}

/** Throws unless the file's tensors are exactly those of a NAR of its config (names, shapes, F32). */
export function checkTensors(file: string, config: NarConfig, tensors: readonly TensorInfo[]): void {
  const expected = narParamShapes(config);
  const seen = new Set<string>();
  for (const t of tensors) {
    const shape = expected.get(t.name);
    if (!shape) throw new NarCheckpointError(`${file}: tensor "${t.name}" is not part of a ${config.algorithm} NAR with hidden ${config.hidden}`);
    if (t.dtype !== 'F32') throw new NarCheckpointError(`${file}: tensor "${t.name}" is ${t.dtype}, expected F32`);
    if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
      throw new NarCheckpointError(
        `${file}: tensor "${t.name}" has shape [${t.shape.join(', ')}] but a NAR with hidden ${config.hidden} needs [${shape.join(', ')}] (mismatched dimensions)`,
      );
    }
    seen.add(t.name);
  }
  for (const name of expected.keys()) if (!seen.has(name)) throw new NarCheckpointError(`${file}: tensor "${name}" is missing`);
}

/**
 * Reads and checks a NAR checkpoint's header synchronously (no tensor data, no tf): the metadata,
 * and that the tensors fit its config. Throws a NarCheckpointError (or the file system's error,
 * reworded) with a one-line reason.
 */
export function readNarHeaderSync(file: string): NarCheckpointMetadata {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NarCheckpointError(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? String(err)})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new NarCheckpointError(`${file} is not a file`);
    const prefix = Buffer.alloc(8);
    if (stat.size < 8 || fs.readSync(fd, prefix, 0, 8, 0) < 8) throw new NarCheckpointError(`${file} is not a safetensors file (too short)`);
    const n = prefix.readBigUInt64LE(0);
    if (n === 0n || n > BigInt(MAX_HEADER_BYTES) || 8 + Number(n) > stat.size) throw new NarCheckpointError(`${file} is not a safetensors file (bad header length)`);
    const header = Buffer.alloc(Number(n));
    fs.readSync(fd, header, 0, header.length, 8);
    let parsed: ReturnType<typeof parseHeader>;
    try {
      parsed = parseHeader(file, header, stat.size - 8 - header.length);
    } catch (err) {
      throw new NarCheckpointError(err instanceof Error ? err.message : String(err));
    }
    const metadata = decodeNarMetadata(parsed.metadata, file);
    checkTensors(file, metadata.nar, parsed.tensors);
    return metadata;
  } finally {
    fs.closeSync(fd);
  }
}

