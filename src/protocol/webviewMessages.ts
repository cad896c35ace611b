/**
 * Messages between the extension host and its webviews (dashboard panel, live-run sidebar view,
 * checkpoint inspector). String-literal `type`s in `noun/verb` form, one union per direction.
 * Every message from a webview is untrusted input: `parseWebviewMessage` checks it completely and
 * names what is wrong; the webviews check what the host posts with `parseHostMessage`.
 */
import { OPTIMIZER_NAMES, type OptimizerConfig } from './config';
import type { MetricsRecord, RunFile } from './runFolder';
import { MAX_PROBE_SIGMA } from './viewRequests';
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

/** Webview → host. */
export type WebviewMessage =
  /** Sent once the page's script runs; the host posts data only after it. */
  | { type: 'webview/ready' }
  /** Save a chart export: the host asks where, then writes the file. PNG data is base64, SVG/CSV text. */
  | { type: 'export/save'; format: ExportFormat; fileName: string; data: string }
  /** Optimizer paths on a 2-D test function, computed in the backend process. */
  | { type: 'trace/request'; requestId: number; fn: string; steps: number; optimizers: OptimizerConfig[] }
  /** Open a run's checkpoint in the inspector. */
  | { type: 'checkpoint/open'; path: string }
  /** Open the dashboard (from the live-run view, or the dashboard leaving a comparison), optionally on one experiment. */
  | { type: 'dashboard/open'; experiment: string | null }
  /** Inspector: values of one tensor for its histogram and heatmap. */
  | { type: 'tensor/request'; name: string }
  /** Inspector: pick another checkpoint and diff it against this one. */
  | { type: 'diff/request' }
  /** Inspector: run the checkpoint's model on a typed input. */
  | { type: 'attention/request'; requestId: number; input: string; sigma?: number };

export type WebviewMessageType = WebviewMessage['type'];

/** Host → webview. */
export type HostMessage =
  /** `comparison`: the selected runs to show instead of one experiment (absent or null: none). */
  | { type: 'dashboard/data'; experiments: ExperimentSnapshot[]; focus: string | null; comparison?: DashboardComparison | null }
  /** New metrics records of a run (appended; `replace` when the file was rewritten, e.g. on resume). */
  | { type: 'run/metrics'; experiment: string; runId: string; records: MetricsRecord[]; replace: boolean }
  | { type: 'run/status'; experiment: string; run: RunFile }
  | { type: 'trace/result'; requestId: number; paths: OptimizerPathsView }
  | { type: 'trace/error'; requestId: number; message: string }
  | { type: 'liveRun/state'; runs: LiveRunEntry[] }
  | { type: 'checkpoint/header'; header: CheckpointHeaderView }
  /** Statistics of some tensors, posted as they are computed after the header. */
  | { type: 'checkpoint/stats'; stats: { name: string; stats: TensorStatsView }[]; done: boolean }
  | { type: 'checkpoint/error'; message: string }
  | { type: 'tensor/data'; detail: TensorDetailView }
  | { type: 'tensor/error'; name: string; message: string }
  | { type: 'diff/result'; diff: CheckpointDiffView }
  | { type: 'diff/error'; message: string }
  | { type: 'attention/result'; requestId: number; result: AttentionProbeResult }
  | { type: 'attention/error'; requestId: number; message: string };

export type HostMessageType = HostMessage['type'];

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

type Fields = Record<string, unknown>;
type Check = (v: Fields) => string | null;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Fields, k: string, max = 4096): string | null =>
  typeof v[k] === 'string' && (v[k] as string).length <= max ? null : `"${k}" must be a string of at most ${max} characters`;
const nullableStr = (v: Fields, k: string): string | null => (v[k] === null ? null : str(v, k));
const int = (v: Fields, k: string, min: number, max: number): string | null =>
  Number.isInteger(v[k]) && (v[k] as number) >= min && (v[k] as number) <= max ? null : `"${k}" must be an integer in [${min}, ${max}]`;
const finiteNum = (v: Fields, k: string): string | null => (typeof v[k] === 'number' && Number.isFinite(v[k]) ? null : `"${k}" must be a finite number`);
const arr = (v: Fields, k: string): string | null => (Array.isArray(v[k]) ? null : `"${k}" must be an array`);
const obj = (v: Fields, k: string): string | null => (isObject(v[k]) ? null : `"${k}" must be an object`);
const bool = (v: Fields, k: string): string | null => (typeof v[k] === 'boolean' ? null : `"${k}" must be true or false`);
const all = (...checks: (string | null)[]): string | null => checks.find((c) => c !== null) ?? null;

/** File names a webview may suggest: a plain name, no folders, no control characters. */
const UNSAFE_FILE_CHARS = new Set([...'/\\:*?"<>|']);
const isSafeFileName = (s: string): boolean =>
  s.length >= 1 && s.length <= 200 && s !== '.' && s !== '..' && [...s].every((c) => !UNSAFE_FILE_CHARS.has(c) && c.charCodeAt(0) >= 0x20);

function checkOptimizer(o: unknown, where: string): string | null {
  if (!isObject(o)) return `${where} must be an object`;
  if (!(OPTIMIZER_NAMES as readonly unknown[]).includes(o.name)) return `${where}.name must be one of ${OPTIMIZER_NAMES.join(', ')}`;
  for (const [k, val] of Object.entries(o)) {
    if (k === 'name') continue;
    if (typeof val !== 'number' || !Number.isFinite(val)) return `${where}.${k} must be a finite number`;
  }
  return finiteNum(o, 'lr') === null && (o.lr as number) > 0 ? null : `${where}.lr must be a positive number`;
}

const WEBVIEW_CHECKS: Record<WebviewMessageType, Check> = {
  'webview/ready': () => null,
  'export/save': (v) =>
    all(
      (EXPORT_FORMATS as readonly unknown[]).includes(v.format) ? null : `"format" must be one of ${EXPORT_FORMATS.join(', ')}`,
      str(v, 'fileName', 200) ?? (isSafeFileName(v.fileName as string) ? null : '"fileName" must be a plain file name (no folders)'),
      str(v, 'data', MAX_EXPORT_CHARS),
    ),
  'trace/request': (v) =>
    all(
      int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER),
      str(v, 'fn', 64),
      int(v, 'steps', 1, MAX_TRACE_STEPS_FROM_VIEW),
      arr(v, 'optimizers') ??
        ((v.optimizers as unknown[]).length >= 1 && (v.optimizers as unknown[]).length <= 8 ? null : '"optimizers" must hold 1 to 8 optimizers'),
      ...(Array.isArray(v.optimizers) ? v.optimizers.map((o, i) => checkOptimizer(o, `optimizers[${i}]`)) : []),
    ),
  'checkpoint/open': (v) => str(v, 'path'),
  'dashboard/open': (v) => nullableStr(v, 'experiment'),
  'tensor/request': (v) => str(v, 'name', 1024),
  'diff/request': () => null,
  'attention/request': (v) =>
    all(
      int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER),
      str(v, 'input', MAX_PROBE_INPUT_CHARS),
      v.sigma === undefined || (typeof v.sigma === 'number' && Number.isFinite(v.sigma) && v.sigma >= 0 && v.sigma <= MAX_PROBE_SIGMA) ? null : `"sigma" must be a number in [0, ${MAX_PROBE_SIGMA}]`,
    ),
};

/**
 * Checks a message from a webview. Only the listed types are accepted and only with fields of
 * the right types; unknown extra fields are dropped from the returned message by the callers'
 * destructuring, never trusted.
 */
export function parseWebviewMessage(value: unknown): ParseResult<WebviewMessage> {
  if (!isObject(value)) return { ok: false, error: 'message must be an object' };
  const type = value.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(WEBVIEW_CHECKS, type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  }
  const problem = WEBVIEW_CHECKS[type as WebviewMessageType](value);
  return problem === null ? { ok: true, message: value as unknown as WebviewMessage } : { ok: false, error: `${type}: ${problem}` };
}

const HOST_CHECKS: Record<HostMessageType, Check> = {
  'dashboard/data': (v) =>
    all(
      arr(v, 'experiments'),
      nullableStr(v, 'focus'),
      v.comparison === undefined || v.comparison === null
        ? null
        : (obj(v, 'comparison') ?? arr(v.comparison as Fields, 'runDirs') ?? obj(v.comparison as Fields, 'snapshot')),
    ),
  'run/metrics': (v) => all(str(v, 'experiment'), str(v, 'runId'), arr(v, 'records'), bool(v, 'replace')),
  'run/status': (v) => all(str(v, 'experiment'), obj(v, 'run')),
  'trace/result': (v) => all(int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER), obj(v, 'paths')),
  'trace/error': (v) => all(int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER), str(v, 'message', 100_000)),
  'liveRun/state': (v) => arr(v, 'runs'),
  'checkpoint/header': (v) => obj(v, 'header') ?? arr(v.header as Fields, 'tensors'),
  'checkpoint/stats': (v) => all(arr(v, 'stats'), bool(v, 'done')),
  'checkpoint/error': (v) => str(v, 'message', 100_000),
  'tensor/data': (v) => obj(v, 'detail'),
  'tensor/error': (v) => all(str(v, 'name', 1024), str(v, 'message', 100_000)),
  'diff/result': (v) => obj(v, 'diff') ?? arr(v.diff as Fields, 'rows'),
  'diff/error': (v) => str(v, 'message', 100_000),
  'attention/result': (v) => all(int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER), obj(v, 'result')),
  'attention/error': (v) => all(int(v, 'requestId', 0, Number.MAX_SAFE_INTEGER), str(v, 'message', 100_000)),
};

/** Checks a message from the host (in a webview): the type and the top-level fields. */
export function parseHostMessage(value: unknown): ParseResult<HostMessage> {
  if (!isObject(value)) return { ok: false, error: 'message must be an object' };
  const type = value.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(HOST_CHECKS, type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  }
  const problem = HOST_CHECKS[type as HostMessageType](value);
  return problem === null ? { ok: true, message: value as unknown as HostMessage } : { ok: false, error: `${type}: ${problem}` };
}
