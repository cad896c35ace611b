/**
 * The extension host ↔ webview channel (dashboard panel, live-run sidebar view, checkpoint
 * inspector) on the one request/reply endpoint (rpc.ts) over postMessage. A webview asks the
 * host (`export/save`, `paths/trace`, `tensor/get`, …) and gets a typed reply or an error; the
 * host pushes data as events (`dashboard/data`, `run/metrics`, …) once the page said
 * `webview/ready`. Everything a webview sends is untrusted input, checked by these guards with
 * the JSON path of the first problem; the webviews check what the host pushes the same way.
 */
import type { OptimizerConfig } from './config';
import { is, type ApiGuards, type Guard, type RpcApi } from './rpc';
import type { MetricsRecord, RunFile } from './runFolder';
import { isAttentionProbeResult, isProbeSigma } from './backendMessages';
import { isOptimizerConfig } from './trace';
import type {
  AttentionProbeResult,
  CheckpointDiffView,
  CheckpointHeaderView,
  DashboardComparison,
  ExperimentSnapshot,
  LiveRunEntry,
  OptimizerPathsView,
  TensorDetailView,
  TensorStatsView,
} from './viewData';

/** File types a chart can be exported to (the chart library's export helpers produce them). */
export type ExportFormat = 'png' | 'svg' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['png', 'svg', 'csv'];
/** Largest export accepted from a webview (a PNG of a big heatmap is a few MB). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
/** Longest text typed into the inspector's model input. */
export const MAX_PROBE_INPUT_CHARS = 2000;
export const MAX_TRACE_STEPS_FROM_VIEW = 5000;
/** Most optimizers one optimizer-paths request traces. */
export const MAX_TRACED_OPTIMIZERS = 8;

type Nothing = Record<string, never>;

/** What the host serves a webview: its requests, and the data it pushes as events. */
export interface HostViewApi extends RpcApi {
  requests: {
    /** Save a chart export: the host asks where, then writes the file. PNG data is base64, SVG/CSV text. `saved` is false when the user cancelled. */
    'export/save': { params: { format: ExportFormat; fileName: string; data: string }; result: { saved: boolean } };
    /** Optimizer paths on a 2-D test function, each optimizer exactly as configured, traced in the backend process. */
    'paths/trace': { params: { fn: string; steps: number; optimizers: OptimizerConfig[] }; result: OptimizerPathsView };
    /** Open the dashboard (from the live-run view, or the dashboard leaving a comparison), optionally on one experiment. */
    'dashboard/open': { params: { experiment: string | null }; result: Nothing };
    /** Inspector: values of one tensor for its histogram and heatmap. */
    'tensor/get': { params: { name: string }; result: TensorDetailView };
    /** Inspector: pick another checkpoint and diff it against this one; `diff` is null when the user picked none. */
    'diff/pick': { params: Nothing; result: { diff: CheckpointDiffView | null } };
    /** Inspector: run the checkpoint's model on a typed input (in the backend process). */
    'attention/probe': { params: { input: string; sigma?: number }; result: AttentionProbeResult };
  };
  events: {
    /** `comparison`: the selected runs to show instead of one experiment (null: none). */
    'dashboard/data': { experiments: ExperimentSnapshot[]; focus: string | null; comparison: DashboardComparison | null };
    /** New metrics records of a run (appended; `replace` when the file was rewritten, e.g. on resume). */
    'run/metrics': { experiment: string; runId: string; records: MetricsRecord[]; replace: boolean };
    'run/status': { experiment: string; run: RunFile };
    'liveRun/state': { runs: LiveRunEntry[] };
    'checkpoint/header': { header: CheckpointHeaderView };
    /** Statistics of some tensors, pushed as they are computed after the header. */
    'checkpoint/stats': { stats: { name: string; stats: TensorStatsView }[]; done: boolean };
    'checkpoint/error': { message: string };
    /** A tensor whose statistics could not be computed. */
    'tensor/error': { name: string; message: string };
  };
}

/** What a webview serves the host: nothing to answer; it says when its script runs. */
export interface WebviewApi extends RpcApi {
  requests: Record<never, never>;
  events: {
    /** Sent once the page's script runs (and again after a hidden view reloads); the host pushes data only after it. */
    'webview/ready': Nothing;
  };
}

/** File names a webview may suggest: a plain name, no folders, no control characters. */
const UNSAFE_FILE_CHARS = new Set([...'/\\:*?"<>|']);
export const isSafeFileName: Guard<string> = is.that<string>(
  'a plain file name of 1 to 200 characters (no folders, no control characters)',
  (s) => typeof s === 'string' && s.length >= 1 && s.length <= 200 && s !== '.' && s !== '..' && [...s].every((c) => !UNSAFE_FILE_CHARS.has(c) && c.charCodeAt(0) >= 0x20),
);

const text = is.text(100_000);
const nothing = is.nothing as Guard<Nothing>;


export const HOST_VIEW_GUARDS: ApiGuards<HostViewApi> = {
  params: {
    'export/save': is.object({ format: is.oneOf(EXPORT_FORMATS), fileName: isSafeFileName, data: is.text(MAX_EXPORT_CHARS) }),
    'paths/trace': is.object({
      fn: is.text(64),
      steps: is.intIn(1, MAX_TRACE_STEPS_FROM_VIEW),
      optimizers: is.arrayOf(isOptimizerConfig, { min: 1, max: MAX_TRACED_OPTIMIZERS }),
    }),
    'dashboard/open': is.object({ experiment: is.nullable(is.text(4096)) }),
    'tensor/get': is.object({ name: is.text(1024) }),
    'diff/pick': nothing,
    'attention/probe': is.object({ input: is.text(MAX_PROBE_INPUT_CHARS), sigma: is.optional(isProbeSigma) }),
  },
  results: {
    'export/save': is.object({ saved: is.boolean }),
    'paths/trace': is.fields<OptimizerPathsView>({
      function: is.string,
      formula: is.string,
      paths: is.arrayOf(is.fields<OptimizerPathsView['paths'][number]>({ optimizer: isOptimizerConfig, points: is.arrayOf(is.objectAs()), diverged: is.boolean })),
    }),
    'dashboard/open': nothing,
    'tensor/get': is.fields<TensorDetailView>({ name: is.string, shape: is.arrayOf(is.integer), histogram: is.objectAs(), heatmap: is.nullable(is.objectAs()) }),
    'diff/pick': is.object({ diff: is.nullable(is.fields<CheckpointDiffView>({ fileA: is.string, fileB: is.string, rows: is.arrayOf(is.objectAs()) })) }),
    'attention/probe': isAttentionProbeResult,
  },
  events: {
    'dashboard/data': is.object({
      experiments: is.arrayOf(is.objectAs<ExperimentSnapshot>()),
      focus: is.nullable(is.string),
      comparison: is.nullable(is.object({ runDirs: is.arrayOf(is.string), snapshot: is.objectAs<ExperimentSnapshot>() })),
    }),
    'run/metrics': is.object({ experiment: is.string, runId: is.string, records: is.arrayOf(is.objectAs<MetricsRecord>()), replace: is.boolean }),
    'run/status': is.object({ experiment: is.string, run: is.objectAs<RunFile>() }),
    'liveRun/state': is.object({ runs: is.arrayOf(is.objectAs<LiveRunEntry>()) }),
    'checkpoint/header': is.object({ header: is.fields<CheckpointHeaderView>({ tensors: is.arrayOf(is.objectAs()), vocab: is.arrayOf(is.string) }) }),
    'checkpoint/stats': is.object({ stats: is.arrayOf(is.object({ name: is.string, stats: is.objectAs<TensorStatsView>() })), done: is.boolean }),
    'checkpoint/error': is.object({ message: text }),
    'tensor/error': is.object({ name: is.text(1024), message: text }),
  },
};

export const WEBVIEW_GUARDS: ApiGuards<WebviewApi> = { params: {}, results: {}, events: { 'webview/ready': nothing } };
