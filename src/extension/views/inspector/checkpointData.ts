/**
 * What the checkpoint inspector shows, computed in the extension host from the safetensors file
 * with the engine's tfjs-free reader: the header first (fast for any size), statistics tensor by
 * tensor, one tensor's histogram and heatmap on demand, and a diff of two files. No `vscode`
 * import, so it is unit-tested directly.
 */
import * as path from 'node:path';
import { CHECKPOINT_FORMAT, CheckpointError, decodeCheckpointMetadata, type CheckpointMetadata } from '../../../protocol/checkpoint';
import { MAX_HEATMAP_SIDE, type CheckpointDiffView, type CheckpointHeaderView, type TensorDetailView, type TensorDiffRow, type TensorStatsView } from '../../../protocol/viewData';
import { elementCount } from '../../../core/checkpoint/safetensors';
import { openTensorFile, type TensorFile } from '../../../core/checkpoint/tensorFile';
import { histogram, tensorStats, type TensorStats } from '../../../core/checkpoint/stats';
import { createTask } from '../../../core/tasks/index';
import { NAR_CHECKPOINT_FORMAT, type NarCheckpointMetadata } from '../../../protocol/nar';
import { checkTensors, decodeNarMetadata } from '../../../core/nar/narHeader';
import { tensorGroup } from '../../../core/checkpoint/tensorGroup';

export { tensorGroup } from '../../../core/checkpoint/tensorGroup';

export const HISTOGRAM_BINS = 60;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function statsView(s: TensorStats): TensorStatsView {
  return { count: s.count, min: finiteOrNull(s.min), max: finiteOrNull(s.max), mean: finiteOrNull(s.mean), std: finiteOrNull(s.std), nan: s.nan, inf: s.inf, zero: s.zero };
}

/** The header of an open file as the inspector's first message: no tensor data read. */
export function headerView(st: TensorFile): CheckpointHeaderView {
  let checkpoint: CheckpointMetadata | null = null;
  let checkpointProblem: string | null = null;
  let nar: NarCheckpointMetadata | null = null;
  let vocab: string[] = [];
  if (st.metadata.format === CHECKPOINT_FORMAT) {
    try {
      checkpoint = decodeCheckpointMetadata(st.metadata, path.basename(st.path));
      vocab = [...createTask(checkpoint.runConfig.task).vocab];
    } catch (err) {
      if (!(err instanceof CheckpointError) && !(err instanceof Error)) throw err;
      checkpointProblem = err.message;
    }
  } else if (st.metadata.format === NAR_CHECKPOINT_FORMAT) {
    try {
      nar = decodeNarMetadata(st.metadata, path.basename(st.path));
      checkTensors(path.basename(st.path), nar.nar, st.tensors);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      checkpointProblem = err.message;
    }
  }
  return {
    file: st.path,
    fileName: path.basename(st.path),
    fileSize: st.fileSize,
    headerLength: st.headerLength,
    shards: [...st.shards],
    metadata: { ...st.metadata },
    checkpoint,
    checkpointProblem,
    nar,
    vocab,
    tensors: st.tensors.map((t) => ({
      name: t.name,
      group: tensorGroup(t.name, st.metadata.format === NAR_CHECKPOINT_FORMAT),
      dtype: t.dtype,
      shape: [...t.shape],
      elements: elementCount(t.shape),
      byteLength: t.byteLength,
      opaque: t.opaque,
      ...('shard' in t ? { shard: t.shard } : {}),
      stats: null,
    })),
  };
}

/**
 * Block-averages a rows × cols matrix down to at most `maxSide` per side (NaN/Inf cells are
 * left out of their block's mean; a block with no finite value is null).
 */
export function downsampleMatrix(data: ArrayLike<number>, rows: number, cols: number, maxSide = MAX_HEATMAP_SIDE): NonNullable<TensorDetailView['heatmap']> {
  const rowStep = Math.max(1, Math.ceil(rows / maxSide));
  const colStep = Math.max(1, Math.ceil(cols / maxSide));
  const outRows = Math.ceil(rows / rowStep);
  const outCols = Math.ceil(cols / colStep);
  const sums = new Float64Array(outRows * outCols);
  const counts = new Uint32Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    const or = Math.floor(r / rowStep);
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c] as number;
      if (!Number.isFinite(v)) continue;
      const o = or * outCols + Math.floor(c / colStep);
      sums[o] = (sums[o] as number) + v;
      counts[o] = (counts[o] as number) + 1;
    }
  }
  const values = Array.from(sums, (s, i) => ((counts[i] as number) > 0 ? s / (counts[i] as number) : null));
  return { rows: outRows, cols: outCols, rowStep, colStep, values };
}

/** Histogram and (for 2-D tensors) heatmap of one tensor, read from the open file. */
export async function tensorDetail(st: TensorFile, name: string): Promise<TensorDetailView> {
  const info = st.get(name);
  if (info === undefined) throw new Error(`${path.basename(st.path)}: no tensor named ${JSON.stringify(name)}`);
  if (info.opaque) throw new Error(`${name}: dtype ${info.dtype} is not decoded (opaque: ${info.byteLength} bytes), so it has no histogram`);
  const data = await st.readAsFloat32(name);
  const h = histogram(data, HISTOGRAM_BINS);
  const [rows, cols] = info.shape;
  const heatmap = info.shape.length === 2 && rows !== undefined && cols !== undefined && rows > 0 && cols > 0 ? downsampleMatrix(data, rows, cols) : null;
  return { name, shape: [...info.shape], histogram: h, heatmap };
}

/** Statistics of one tensor of the open file. */
export async function tensorStatsOf(st: TensorFile, name: string): Promise<TensorStatsView> {
  return statsView(tensorStats(await st.read(name)));
}

/**
 * Compares two safetensors files tensor by tensor (one pair in memory at a time): max and mean
 * |a − b| and the relative change ‖a − b‖ / ‖a‖ for tensors with the same name and shape.
 */
export async function diffCheckpoints(fileA: string, fileB: string): Promise<CheckpointDiffView> {
  const a = await openTensorFile(fileA);
  try {
    const b = await openTensorFile(fileB);
    try {
      const rows: TensorDiffRow[] = [];
      for (const ta of a.tensors) {
        const tb = b.get(ta.name);
        if (tb === undefined) {
          rows.push({ name: ta.name, status: 'only-a', shapeA: [...ta.shape], shapeB: null, maxAbsDiff: null, meanAbsDiff: null, relativeChange: null });
          continue;
        }
        const sameShape = ta.shape.length === tb.shape.length && ta.shape.every((d, i) => d === tb.shape[i]);
        if (ta.opaque || tb.opaque) {
          // Bytes that are not decoded cannot be compared as numbers.
          rows.push({ name: ta.name, status: sameShape ? 'opaque' : 'shape-differs', shapeA: [...ta.shape], shapeB: [...tb.shape], maxAbsDiff: null, meanAbsDiff: null, relativeChange: null });
          continue;
        }
        if (!sameShape) {
          rows.push({ name: ta.name, status: 'shape-differs', shapeA: [...ta.shape], shapeB: [...tb.shape], maxAbsDiff: null, meanAbsDiff: null, relativeChange: null });
          continue;
        }
        const va = await a.readAsFloat32(ta.name);
        const vb = await b.readAsFloat32(ta.name);
        let max = 0;
        let sum = 0;
        let sq = 0;
        let normA = 0;
        let n = 0;
        for (let i = 0; i < va.length; i++) {
          const x = va[i] as number;
          const y = vb[i] as number;
          if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
          const d = Math.abs(x - y);
          if (d > max) max = d;
          sum += d;
          sq += d * d;
          normA += x * x;
          n++;
        }
        rows.push({
          name: ta.name,
          status: 'both',
          shapeA: [...ta.shape],
          shapeB: [...tb.shape],
          maxAbsDiff: n > 0 ? max : null,
          meanAbsDiff: n > 0 ? sum / n : null,
          relativeChange: normA > 0 ? Math.sqrt(sq) / Math.sqrt(normA) : null,
        });
      }
      for (const tb of b.tensors) {
        if (a.get(tb.name) === undefined) rows.push({ name: tb.name, status: 'only-b', shapeA: null, shapeB: [...tb.shape], maxAbsDiff: null, meanAbsDiff: null, relativeChange: null });
      }
      return { fileA, fileB, rows };
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
}
