/**
 * What `attention-lab inspect <file> [--json]` shows: a safetensors file's metadata and, per
 * tensor, its dtype, shape, size and value statistics. Any safetensors file works; an Attention
 * Lab checkpoint additionally gets its run, step and optimizer state recognised.
 */
import { CheckpointError, decodeCheckpointMetadata, type CheckpointMetadata, CHECKPOINT_FORMAT } from '../../protocol/checkpoint';
import { positionLabel } from '../../protocol/config';
import { elementCount } from './safetensors';
import { openTensorFile } from './tensorFile';
import { tensorStats, type TensorStats } from './stats';

import type { TensorGroup } from '../../protocol/viewData';
import type { NarCheckpointMetadata } from '../../protocol/nar';
import { NAR_CHECKPOINT_FORMAT } from '../../protocol/nar';
import { decodeNarMetadata } from '../nar/narHeader';
import { tensorGroup } from './tensorGroup';

export type { TensorGroup } from '../../protocol/viewData';

export interface InspectTensor {
  name: string;
  /** 'optimizer' for tensors under the `optimizer/` prefix; a NAR checkpoint's encoders, processor and decoders; a TransNAR model's cross-attention. */
  group: TensorGroup;
  /** A dtype the reader decodes, or another tool's (then `opaque`). */
  dtype: string;
  /** Not decoded (e.g. F8_E4M3): shape and bytes only, no statistics. */
  opaque: boolean;
  shape: number[];
  elements: number;
  byteLength: number;
  /** The shard file holding it, for a sharded checkpoint (`*.safetensors.index.json`). */
  shard?: string;
  /** NaN fields (null in JSON) when the tensor has no finite value; null for an opaque tensor. */
  stats: TensorStats | null;
}

export interface InspectReport {
  path: string;
  fileSize: number;
  /** Length of the JSON header, padding included (summed over shards). */
  headerLength: number;
  /** Shard files of a sharded checkpoint, in order; empty for a single file. */
  shards: string[];
  tensorCount: number;
  /** Elements of the model tensors. */
  parameterCount: number;
  /** Elements of the optimizer tensors. */
  optimizerValueCount: number;
  /** The raw `__metadata__`. */
  metadata: Record<string, string>;
  /** Decoded when the file is an Attention Lab checkpoint. */
  checkpoint: CheckpointMetadata | null;
  /** Why the metadata of a file that claims to be an Attention Lab checkpoint (or a NAR checkpoint) did not decode. */
  checkpointProblem: string | null;
  /** Decoded when the file is a NAR checkpoint (TransNAR's frozen reasoner). */
  nar: NarCheckpointMetadata | null;
  /** In file order. */
  tensors: InspectTensor[];
}

/** Reads the header and then each tensor in turn (one in memory at a time) to compute its statistics. */
export async function inspectFile(file: string): Promise<InspectReport> {
  const st = await openTensorFile(file);
  try {
    let checkpoint: CheckpointMetadata | null = null;
    let checkpointProblem: string | null = null;
    let nar: NarCheckpointMetadata | null = null;
    if (st.metadata.format === NAR_CHECKPOINT_FORMAT) {
      try {
        nar = decodeNarMetadata(st.metadata, file);
      } catch (err) {
        checkpointProblem = err instanceof Error ? err.message : String(err);
      }
    }
    if (st.metadata.format === CHECKPOINT_FORMAT) {
      try {
        checkpoint = decodeCheckpointMetadata(st.metadata, file);
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
        checkpointProblem = err.message;
      }
    }
    const tensors: InspectTensor[] = [];
    let parameterCount = 0;
    let optimizerValueCount = 0;
    for (const info of st.tensors) {
      const group: TensorGroup = tensorGroup(info.name, nar !== null);
      const elements = elementCount(info.shape);
      if (group !== 'optimizer') parameterCount += elements;
      else optimizerValueCount += elements;
      const stats = info.opaque ? null : tensorStats(await st.read(info.name));
      const shard = 'shard' in info ? { shard: info.shard } : {};
      tensors.push({ name: info.name, group, dtype: info.dtype, opaque: info.opaque, shape: [...info.shape], elements, byteLength: info.byteLength, ...shard, stats });
    }
    return {
      path: file,
      fileSize: st.fileSize,
      headerLength: st.headerLength,
      shards: [...st.shards],
      tensorCount: tensors.length,
      parameterCount,
      optimizerValueCount,
      metadata: { ...st.metadata },
      checkpoint,
      checkpointProblem,
      nar,
      tensors,
    };
  } finally {
    await st.close();
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Integers below 1e10 in full (so 65504 or -32768 show as themselves), others with four
 * significant digits, in exponent notation outside [1e-3, 1e5); "-" for NaN (no finite value).
 */
function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '-';
  if (Number.isInteger(x) && Math.abs(x) < 1e10) return String(x);
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

const grouped = (n: number): string => n.toLocaleString('en-US');

/** Aligned text table for a terminal: a summary header, then one row per tensor. */
export function formatInspectTable(report: InspectReport): string {
  const lines: string[] = [report.path];
  const optimizerPart = report.optimizerValueCount > 0 ? ` (+ ${grouped(report.optimizerValueCount)} optimizer values)` : '';
  const shardPart = report.shards.length > 0 ? ` in ${report.shards.length} shards` : '';
  const opaque = report.tensors.filter((t) => t.opaque).length;
  const opaquePart = opaque > 0 ? `; ${opaque} opaque (dtype not decoded: shape and bytes only)` : '';
  lines.push(`  ${formatBytes(report.fileSize)}${shardPart}, ${grouped(report.tensorCount)} tensors, ${grouped(report.parameterCount)} parameters${optimizerPart}${opaquePart}`);
  const c = report.checkpoint;
  if (c !== null) {
    lines.push(`  Attention Lab checkpoint: run ${c.runConfig.id}, step ${grouped(c.step)}, ${c.optimizer}, backend ${c.backend}, written ${c.createdAt}`);
    const m = c.runConfig.model;
    lines.push(
      `  model: ${m.layers} layers, d_model ${m.dModel}, ${m.heads} heads, d_ff ${m.dFf}, vocab ${m.vocabSize}, ${positionLabel(m)} positions${m.embedScale !== 1 ? ` (token embeddings × ${Number(m.embedScale.toPrecision(4))})` : ''}, ${m.attentionScaling} scaling; task ${c.runConfig.task.name}, seed ${c.runConfig.seed}`,
    );
    const v = Object.entries(c.versions).map(([k, ver]) => `${k} ${ver}`);
    if (v.length > 0) lines.push(`  versions: ${v.join(', ')}`);
  } else if (report.nar !== null) {
    const n = report.nar;
    lines.push(`  NAR checkpoint: ${n.nar.algorithm}, hidden ${n.nar.hidden}, pretrained ${grouped(n.train.steps)} steps on sizes ${n.train.trainLengths.join(', ')}, written ${n.createdAt}`);
    lines.push(`  output accuracy: ${n.eval.map((e) => `n=${e.length} ${formatNumber(e.accuracy)} (all right ${formatNumber(e.exact)})`).join(', ')}`);
  } else {
    if (report.checkpointProblem !== null) lines.push(`  not a readable Attention Lab checkpoint: ${report.checkpointProblem}`);
    const entries = Object.entries(report.metadata);
    if (entries.length > 0) {
      lines.push('  metadata:');
      for (const [k, v] of entries) lines.push(`    ${k}: ${v.length > 100 ? v.slice(0, 97) + '...' : v}`);
    }
  }
  lines.push('');

  const header = ['name', 'group', 'dtype', 'shape', 'size', 'min', 'max', 'mean', 'std', 'nan', 'inf', 'zero'];
  const rightAligned = new Set([4, 5, 6, 7, 8, 9, 10, 11]);
  const rows = report.tensors.map((t) => [
    t.name,
    t.group,
    t.dtype,
    `[${t.shape.join(', ')}]`,
    formatBytes(t.byteLength),
    ...(t.stats === null
      ? ['opaque', '', '', '', '', '', '']
      : [formatNumber(t.stats.min), formatNumber(t.stats.max), formatNumber(t.stats.mean), formatNumber(t.stats.std), String(t.stats.nan), String(t.stats.inf), String(t.stats.zero)]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  lines.push(render(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(render(r));
  if (rows.length === 0) lines.push('(no tensors)');
  return lines.join('\n') + '\n';
}
