/**
 * The dashboard's UI state (experiment, metric, smoothing, selections, …), kept with the host's
 * getState/setState so that a restored panel comes back as it was, and its defaults.
 */
import type { BandKind, XAxis } from './curves';
import { isGroupBy, type GroupBy } from './grouping';
import type { LengthField, NoiseMeasure } from './shapeData';

export interface DashboardState {
  experiment: string | null;
  /** The compared run folders while the page shows a comparison; null otherwise (read by the host's serializer). */
  compare: string[] | null;
  /** `train:<metric>` or `eval:<metric>@<length>`. */
  metric: string;
  smoothing: number;
  logY: boolean;
  logX: boolean;
  /** x by training step or by wall time since the run started. */
  xAxis: XAxis;
  /** What the band around a group's mean shows. */
  band: BandKind;
  /** Each run of a group as a thin line. */
  showSeeds: boolean;
  /** How runs gather into groups (lines, table rows). */
  groupBy: GroupBy;
  /** Runs whose id contains this (or matches `/regex/`); '' shows all. */
  filter: string;
  /** Zoomed x window per chart (by chart id). */
  zoom: Record<string, [number, number]>;
  /** The group of the optimizer section's per-tensor views. */
  tensorGroup: string | null;
  hidden: string[];
  run: string | null;
  entropyUnit: 'normalized' | 'nats';
  patternInput: number;
  layer: number;
  head: number;
  /** The attention pattern card: one head, or every layer and head at once. */
  patternView: 'head' | 'grid';
  /** Index into the TransNAR cross-attention blocks of the pattern viewer. */
  crossBlock: number;
  lengthField: LengthField;
  traceFn: string;
  traceSteps: number;
  /** Graph-colouring charts: the graph shown and its seed. */
  coloringGraph: number;
  coloringSeed: number;
  /** Softmax-noise curves: measure, where the noise goes, and the length. */
  noiseMeasure: NoiseMeasure;
  noiseTarget: string;
  noiseLength: number | null;
}

export const DEFAULT_STATE: DashboardState = {
  experiment: null,
  compare: null,
  metric: 'train:loss',
  smoothing: 0.6,
  logY: true,
  logX: false,
  xAxis: 'step',
  band: 'std',
  showSeeds: false,
  groupBy: 'config',
  filter: '',
  zoom: {},
  tensorGroup: null,
  hidden: [],
  run: null,
  entropyUnit: 'nats',
  patternInput: 0,
  layer: 0,
  head: 0,
  patternView: 'head',
  crossBlock: 0,
  lengthField: 'exact',
  traceFn: 'rosenbrock',
  traceSteps: 300,
  coloringGraph: 0,
  coloringSeed: 0,
  noiseMeasure: 'exact',
  noiseTarget: 'all',
  noiseLength: null,
};

/** The saved state over the defaults (a group-by that no longer exists falls back to 'config'). */
export function restoredState(saved: Partial<DashboardState> | undefined): DashboardState {
  const state: DashboardState = { ...DEFAULT_STATE, ...(saved ?? {}) };
  if (!isGroupBy(state.groupBy)) state.groupBy = 'config';
  return state;
}
