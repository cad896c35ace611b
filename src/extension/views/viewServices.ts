/**
 * What the views need from the rest of the extension host. The host engineer's activation code
 * builds one and passes it to `registerViews`; the views never start processes themselves.
 */
import type { AttentionProbeParams } from '../../protocol/backendMessages';
import type { TraceParams, TraceResult } from '../../protocol/trace';
import type { AttentionProbeResult } from '../../protocol/viewData';

/** What the backend just reported about one experiment it is running (a job event). */
export interface RunsActivity {
  /** The experiment folder, once known. */
  experimentDir: string | null;
  /** Folders of the job's runs, once known. */
  runDirs: string[];
  /** The job is over: its summary and analysis files are written. */
  ended: boolean;
}

export interface ViewServices {
  /** Absolute path of the runs folder (setting attentionLab.runsFolder resolved); null when there is no workspace. */
  runsRoot(): string | null;
  /** The backend's 'trace/run' request: a real optimizer, exactly as configured, on a 2-D test function. */
  traceOptimizer(params: TraceParams): Promise<TraceResult>;
  /** The backend's 'attention/probe' request (src/protocol/viewRequests.ts). */
  probeAttention(params: AttentionProbeParams): Promise<AttentionProbeResult>;
  /**
   * Fires on every progress event of the experiments the backend runs. The views re-read those
   * runs' files then: VS Code's file watcher cannot be relied on for them, because on Linux it
   * misses everything inside folders created with `mkdir -p` (parcel-bundler/watcher#97,
   * microsoft/vscode#142694), which is how the runner creates `runs/<experiment>/<run>/`.
   */
  onRunsActivity(listener: (activity: RunsActivity) => void): { dispose(): void };
  /** A line for the output channel. */
  log(line: string): void;
}
