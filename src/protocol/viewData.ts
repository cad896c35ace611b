/**
 * The data the extension host reads from run folders and checkpoints and posts to the webviews
 * (dashboard, live-run view, checkpoint inspector) and that the HTML report embeds. Plain JSON,
 * no class instances, so the same values cross `postMessage` and sit in a `<script>` tag.
 */
import type { NarCheckpointMetadata } from './nar';
import type { CheckpointMetadata } from './checkpoint';
import type { OptimizerConfig } from './config';
import type { ExperimentSpec } from './spec';
import type { MetricsRecord, RunFile } from './runFolder';

/** One run as the views see it: its run.json, its metrics and (when written) its analysis file. */
export interface RunSnapshot {
  /** Absolute path of the run folder. */
  dir: string;
  run: RunFile;
  metrics: MetricsRecord[];
  /** analysis.json (src/protocol/analysis.ts) when the analyses have been computed; null before. */
  analysis: unknown;
  /** grid-world.json (src/protocol/gridWorld.ts) of a grid-world run once it has finished; absent or null otherwise. */
  gridWorld?: unknown;
}

/** One experiment folder. */
export interface ExperimentSnapshot {
  name: string;
  /** Absolute path of the experiment folder. */
  dir: string;
  spec: ExperimentSpec | null;
  runs: RunSnapshot[];
  /** summary.json (src/protocol/analysis.ts) when written; null before. */
  summary: unknown;
  /** Problems met while reading (an unreadable run.json, …): shown, never thrown. */
  problems: string[];
}

/**
 * The dashboard's "Compare Selected Runs" view: the selected run folders (kept in the panel's
 * saved state, so a restored panel shows the same selection) and an experiment-shaped snapshot of
 * exactly those runs (ids qualified `<experiment>/<run id>` when they span experiments).
 */
export interface DashboardComparison {
  runDirs: string[];
  snapshot: ExperimentSnapshot;
}

/** Value statistics of one tensor (as src/core/checkpoint/stats.ts computes them); NaN → null in JSON. */
export interface TensorStatsView {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
  zero: number;
}

/**
 * Which part of a checkpoint a tensor belongs to: a model's parameters, its optimizer state, a
 * TransNAR model's cross-attention to the NAR (`blocks.<l>.xattn.*`), or, in a NAR checkpoint, the
 * NAR's encoders (one per input feature), processor (shared by every message-passing step) and
 * decoders (one per hint and output feature).
 */
export type TensorGroup = 'model' | 'optimizer' | 'cross-attention' | 'nar-encoders' | 'nar-processor' | 'nar-decoders';

export interface TensorSummary {
  name: string;
  group: TensorGroup;
  dtype: string;
  shape: number[];
  elements: number;
  byteLength: number;
  /** Another tool's dtype this reader does not decode (F8_E4M3, …): shape and bytes only, never statistics. */
  opaque: boolean;
  /** The shard file holding it, for a sharded checkpoint; absent for a single file. */
  shard?: string;
  /** null until computed (the header is posted first, statistics follow tensor by tensor). */
  stats: TensorStatsView | null;
}

/** A safetensors file's header, posted as soon as it is parsed (no tensor data read yet). */
export interface CheckpointHeaderView {
  file: string;
  fileName: string;
  fileSize: number;
  headerLength: number;
  /** Shard files of a sharded checkpoint (opened by its `*.safetensors.index.json`); [] for one file. */
  shards: string[];
  metadata: Record<string, string>;
  /** Decoded when the file is an Attention Lab checkpoint. */
  checkpoint: CheckpointMetadata | null;
  checkpointProblem: string | null;
  /** Decoded when the file is a NAR checkpoint (TransNAR's frozen reasoner); null otherwise. */
  nar?: NarCheckpointMetadata | null;
  tensors: TensorSummary[];
  /** The task vocabulary (token texts by id) of an Attention Lab checkpoint; [] otherwise. */
  vocab: string[];
}

/** One selected tensor's values, reduced for drawing. */
export interface TensorDetailView {
  name: string;
  shape: number[];
  histogram: { edges: number[]; counts: number[]; skipped: number };
  /**
   * For 2-D tensors: the values, block-averaged down to at most MAX_HEATMAP_SIDE per side, row
   * major (NaN/Inf → null). `rowStep`/`colStep`: how many source rows/columns one cell averages.
   */
  heatmap: { rows: number; cols: number; rowStep: number; colStep: number; values: (number | null)[] } | null;
}

export const MAX_HEATMAP_SIDE = 256;

/** One row of a checkpoint diff. */
export interface TensorDiffRow {
  name: string;
  /** both: same name, dtype and shape in both files; the others say why there are no numbers. */
  /** `opaque`: in both files with the same shape, but of a dtype that is not decoded (bytes not compared). */
  status: 'both' | 'only-a' | 'only-b' | 'shape-differs' | 'opaque';
  shapeA: number[] | null;
  shapeB: number[] | null;
  /** max |a − b| over the elements (null unless status is both). */
  maxAbsDiff: number | null;
  meanAbsDiff: number | null;
  /** ‖a − b‖ / ‖a‖ (null when ‖a‖ = 0 or status is not both). */
  relativeChange: number | null;
}

export interface CheckpointDiffView {
  fileA: string;
  fileB: string;
  rows: TensorDiffRow[];
}

/** A model run on a typed input: every layer's and head's attention probabilities. */
export interface AttentionProbeResult {
  /** Token texts of the input, in order (after the typed text was split and checked). */
  tokens: string[];
  layers: number;
  heads: number;
  /** patterns[layer][head] is T×T row major: row q is query q's distribution over keys. */
  patterns: number[][][];
  /** Greedy next-token prediction after each position (token texts). */
  predictions: string[];
  /**
   * TransNAR checkpoints: the cross-attention to the NAR's nodes of the graph the typed CLRS-Text
   * prompt describes. `patterns[block][head]` is T×N row major; `nodes` the N node labels.
   */
  cross?: { blocks: number[]; nodes: string[]; patterns: number[][][] };
  /** σ of the logit noise the patterns were computed under (0: none). */
  sigma?: number;
  /** With σ > 0: per layer and head, the mean total variation of the attention rows from the same input without noise. */
  rowChange?: number[][];
}

/** One optimizer's path on a 2-D test function (from src/engine/trace, computed in the backend). The contour is drawn from the function's name in the webview (webview/charts/functionGrid.ts). */
export interface OptimizerPathView {
  optimizer: OptimizerConfig;
  points: { step: number; x: number; y: number; loss: number }[];
  diverged: boolean;
}

export interface OptimizerPathsView {
  function: string;
  formula: string;
  domain: { x: [number, number]; y: [number, number] };
  minima: [number, number][];
  start: [number, number];
  paths: OptimizerPathView[];
}

/** A run shown in the live-run sidebar view. */
export interface LiveRunEntry {
  experiment: string;
  runId: string;
  status: RunFile['status'];
  step: number;
  totalSteps: number;
  /** [step, loss] of the train records, thinned to at most LIVE_RUN_MAX_POINTS. */
  loss: [number, number][];
  /**
   * The newest entropy record, when the metrics hold one: mean attention entropy H in nats over
   * heads (`mean`), the mean normalized h beside it, and ln T of the probe batch for reference.
   */
  entropy: { step: number; mean: number; meanNormalized: number | null; lnN: number | null } | null;
  /** The run's configuration (its id without the seed suffix). */
  group: string;
  /** Index into the theme's series colours: the configuration's place in the grid, as in the dashboard. */
  colorIndex: number;
}

export const LIVE_RUN_MAX_POINTS = 400;

/** What the HTML report page reads from its `<script type="application/json" id="report-data">`. */
export interface ReportData {
  title: string;
  createdAt: string;
  experiments: ExperimentSnapshot[];
}
