/**
 * The dashboard page: composes the chart library's charts over an experiment's runs. Shared by
 * the VS Code dashboard (live, connected to the host) and the static HTML report. UI state
 * (experiment, metric, smoothing, selections) is kept with the host's getState/setState, so a
 * restored panel comes back as it was. Instead of one experiment it can show a comparison of
 * selected runs (from the host's "Compare Selected Runs"); the compared run folders are saved in
 * the state so the host can restore the same selection after a reload.
 */
import { attentionGrid, attentionPattern, coloredGraph, gridTrajectories, contourFromTraces, contourPaths as contourPathsChart, heatmap, histogram, lineChart, tableChart } from '../charts/index';
import type { AnalysisFile } from '../../src/protocol/analysis';
import type { ChartHandle } from '../charts/index';
import type { MetricsRecord, RunFile } from '../../src/protocol/runFolder';
import type { DashboardComparison, ExperimentSnapshot, OptimizerPathsView, RunSnapshot } from '../../src/protocol/viewData';
import type { OptimizerConfig } from '../../src/protocol/config';
import { chartCard, type ChartCard } from '../shared/chartCard';
import { button, checkbox, clear, el, select, slider, textInput } from '../shared/dom';
import type { LineSeries } from '../charts/types';
import { BAND_CHOICES, type BandKind, type CurveOptions, type XAxis } from './curves';
import { colorIndexes, filterRuns, GROUP_BY_CHOICES, isGroupBy, type GroupBy } from './grouping';
import { renderOptimizerSection } from './optimizerSection';
import type { AppHost } from '../shared/host';
import {
  coloringCaption,
  coloringCurves,
  coloringGraphs,
  gridWorldData,
  comparisonTable,
  crossEntropyData,
  crossPatternData,
  narComparisonTable,
  entropyAcrossLengths,
  entropyHeatmap,
  entropyOverTraining,
  EVAL_METRICS,
  evalLengths,
  isAnalysisFile,
  isSummaryFile,
  lengthGrid,
  adversaryTable,
  majorityVote,
  metricSeries,
  NOISE_MEASURES,
  noiseChoices,
  noiseCurves,
  parseMetric,
  patternData,
  randomizedCaption,
  robustnessData,
  seedVariance,
  successHistogram,
  TRAIN_METRICS,
  type LengthField,
  type NoiseMeasure,
} from './shapeData';

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

const DEFAULT_STATE: DashboardState = {
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

const TRACE_FUNCTIONS = ['rosenbrock', 'beale', 'quadratic', 'himmelblau', 'saddle'];

export interface DashboardController {
  setData(experiments: ExperimentSnapshot[], focus: string | null, comparison?: DashboardComparison | null): void;
  addMetrics(experiment: string, runId: string, records: MetricsRecord[], replace: boolean): void;
  setRunStatus(experiment: string, run: RunFile): void;
}

export function renderDashboard(root: HTMLElement, host: AppHost, opts: { title?: string } = {}): DashboardController {
  let state: DashboardState = { ...DEFAULT_STATE, ...(host.getState<Partial<DashboardState>>() ?? {}) };
  if (!isGroupBy(state.groupBy)) state.groupBy = 'config';
  let experiments: ExperimentSnapshot[] = [];
  let comparison: DashboardComparison | null = null;
  const handles: ChartHandle<never, never>[] = [];
  let curves: { card: ChartCard; handle: ReturnType<typeof lineChart> | null } | null = null;
  /** Charts that follow new metrics while runs train, with how to recompute their data. */
  let liveCharts: { handle: ChartHandle<LineSeries[], unknown>; data: () => LineSeries[] }[] = [];
  let traceCard: ChartCard | null = null;
  let traceRequest = 0;
  let lastPaths: OptimizerPathsView | null = null;

  const save = (patch: Partial<DashboardState>): void => {
    state = { ...state, ...patch };
    host.setState(state);
  };

  const current = (): ExperimentSnapshot | undefined => comparison?.snapshot ?? experiments.find((e) => e.name === state.experiment) ?? experiments[0];

  /** Leaves the comparison for a whole experiment (the host forgets the selection too). */
  const leaveComparison = (experiment: string): void => {
    comparison = null;
    save({ compare: null, experiment, run: null });
    if (host.connected) host.request('dashboard/open', { experiment }).catch((e: Error) => console.warn(e.message));
    render();
  };

  /** The compared run reading the same folder as `run` (the comparison holds its own copies). */
  const comparedCopy = (run: RunSnapshot): RunSnapshot | undefined => comparison?.snapshot.runs.find((r) => r.dir === run.dir);

  const destroyAll = (): void => {
    for (const h of handles.splice(0)) h.destroy();
    curves?.handle?.destroy();
    curves = null;
    liveCharts = [];
  };

  const keep = <D, O>(h: ChartHandle<D, O>): ChartHandle<D, O> => {
    handles.push(h as unknown as ChartHandle<never, never>);
    return h;
  };

  const empty = (parent: HTMLElement, text: string): void => {
    parent.append(el('div', { class: 'al-empty', role: 'status' }, text));
  };

  /** The runs the charts show (the filter applied) and how they are grouped and coloured. */
  function shown(exp: ExperimentSnapshot): { runs: RunSnapshot[]; curve: CurveOptions } {
    const colors = colorIndexes(exp.runs, state.groupBy);
    return { runs: filterRuns(exp.runs, state.filter), curve: { groupBy: state.groupBy, band: state.band, x: state.xAxis, seeds: state.showSeeds, colors } };
  }

  function curveData(exp: ExperimentSnapshot): LineSeries[] {
    const v = shown(exp);
    return metricSeries(v.runs, parseMetric(state.metric), v.curve);
  }

  const zoomed = (id: string) => ({
    xDomain: state.zoom[id] ?? null,
    onZoom: (domain: [number, number] | null): void => {
      const zoom = { ...state.zoom };
      if (domain) zoom[id] = domain;
      else delete zoom[id];
      save({ zoom });
    },
  });

  function renderCurves(exp: ExperimentSnapshot, grid: HTMLElement): void {
    const bandText = state.band === 'none' ? '' : ` ${BAND_CHOICES.find((b) => b.value === state.band)?.label ?? ''} across runs`;
    const card = chartCard(grid, host, 'curves', `Training curves (mean${bandText})`, { wide: true });
    const series = curveData(exp);
    const choice = parseMetric(state.metric);
    const redraw = (): void => render();
    card.body.before(
      el(
        'div',
        { class: 'al-toolbar', role: 'toolbar', 'aria-label': 'Curve controls' },
        select('Band', BAND_CHOICES.map((b) => ({ value: b.value, label: b.label })), state.band, (v) => {
          save({ band: (BAND_CHOICES.find((b) => b.value === v)?.value ?? 'std') as BandKind });
          redraw();
        }),
        select('x axis', [{ value: 'step', label: 'step' }, { value: 'wallTime', label: 'wall time' }], state.xAxis, (v) => {
          save({ xAxis: v === 'wallTime' ? 'wallTime' : 'step', zoom: {} });
          redraw();
        }),
        checkbox('Individual runs', state.showSeeds, (v) => {
          save({ showSeeds: v });
          redraw();
        }),
        checkbox('Log x', state.logX, (v) => {
          save({ logX: v, zoom: {} });
          redraw();
        }),
      ),
    );
    const handle = lineChart(card.body, series, {
      title: 'curves',
      xLabel: state.xAxis === 'wallTime' ? 'wall time' : 'step',
      xTime: state.xAxis === 'wallTime',
      yLabel: choice.source === 'train' ? `train ${choice.metric}` : `eval ${choice.metric} @ n=${choice.length}`,
      logY: state.logY,
      logX: state.logX,
      smoothing: state.smoothing,
      hidden: state.hidden,
      onToggle: (hidden) => save({ hidden }),
      emptyText: 'No metrics yet: the runs have not logged a step.',
      height: 320,
      ...zoomed('curves'),
    });
    card.setChart(handle);
    curves = { card, handle };
    liveCharts.push({ handle: handle as unknown as ChartHandle<LineSeries[], unknown>, data: () => curveData(exp) });
  }

  function renderAnalysis(exp: ExperimentSnapshot, grid: HTMLElement): void {
    const runs = exp.runs;
    const runId = runs.some((r) => r.run.id === state.run) ? state.run : (runs.find((r) => isAnalysisFile(r.analysis))?.run.id ?? runs[0]?.run.id ?? null);
    const snap = runs.find((r) => r.run.id === runId);
    const analysis = snap && isAnalysisFile(snap.analysis) ? snap.analysis : null;

    const picker = el(
      'div',
      { class: 'al-toolbar' },
      select('Run (analysis)', runs.map((r) => ({ value: r.run.id, label: `${r.run.id}${isAnalysisFile(r.analysis) ? '' : ' — no analysis yet'}` })), runId ?? '', (v) => {
        save({ run: v });
        render();
      }),
    );
    const section = el('section', { class: 'al-card al-wide', 'aria-label': 'Analysis of one run' }, el('h2', {}, 'Attention analysis of one run'), picker);
    grid.append(section);

    // A grid-world run (evolution strategies) has no attention analysis: its explorations instead.
    const explorations = snap ? gridWorldData(snap) : null;
    if (explorations) {
      const gw = chartCard(grid, host, 'grid-trajectories', 'Grid-world explorations: several seeds overlaid (cells shaded by mean first visit, the adversary\u2019s cell outlined)', { wide: true });
      gw.setChart(keep(gridTrajectories(gw.body, explorations, { title: 'grid-trajectories' })));
      renderNoise(exp, grid);
      return;
    }

    // Entropy heatmap.
    const ent = chartCard(grid, host, 'entropy-heatmap', 'Attention entropy: layer·head × evaluation length');
    if (!analysis) empty(ent.body, 'This run has no analysis yet (analysis.json is written at the end of a run, or by `attention-lab analyze`).');
    else {
      ent.body.before(
        el(
          'div',
          { class: 'al-toolbar' },
          select('Unit', [{ value: 'nats', label: 'H (nats), with ln T reference' }, { value: 'normalized', label: 'normalized h = H / ln n' }], state.entropyUnit, (v) => {
            save({ entropyUnit: v as DashboardState['entropyUnit'] });
            render();
          }),
        ),
      );
      const h = entropyHeatmap(analysis, state.entropyUnit);
      ent.setChart(
        keep(
          heatmap(ent.body, h.data, {
            title: 'entropy-heatmap',
            xLabel: 'evaluation length',
            yLabel: 'layer·head',
            valueLabel: state.entropyUnit === 'nats' ? 'H (nats)' : 'h',
            columnMarkers: h.markers,
            ...(h.splitAfterColumn !== undefined ? { splitAfterColumn: h.splitAfterColumn, splitLabel: 'training lengths' } : {}),
          }),
        ),
      );
    }

    // Entropy over training (from metrics entropy records: live while training).
    const eot = chartCard(grid, host, 'entropy-training', 'Attention entropy over training');
    const eotSeries = entropyOverTraining(runs.filter((r) => r.run.id === runId));
    if (eotSeries.length === 0) empty(eot.body, 'No entropy records in this run\u2019s metrics yet.');
    else eot.setChart(keep(lineChart(eot.body, eotSeries, { title: 'entropy-training', xLabel: 'step', yLabel: 'attention entropy H (nats)', height: 260 })));

    // Attention patterns.
    const pat = chartCard(grid, host, 'attention-pattern', 'Attention pattern');
    if (!analysis || analysis.patterns.inputs.length === 0) empty(pat.body, 'No attention patterns: the run has no analysis yet.');
    else {
      const inputs = analysis.patterns.inputs;
      const inputIndex = Math.min(state.patternInput, inputs.length - 1);
      const layers = analysis.entropy.layers;
      const heads = analysis.entropy.headsPerLayer;
      const layer = Math.min(state.layer, layers - 1);
      const head = Math.min(state.head, heads - 1);
      pat.body.before(
        el(
          'div',
          { class: 'al-toolbar' },
          select('Input', inputs.map((inp, i) => ({ value: String(i), label: `n=${inp.length}: ${inp.text.slice(0, 60)}` })), String(inputIndex), (v) => {
            save({ patternInput: Number(v) });
            render();
          }),
          select('View', [{ value: 'head', label: 'one head' }, { value: 'grid', label: 'all heads' }], state.patternView, (v) => {
            save({ patternView: v === 'grid' ? 'grid' : 'head' });
            render();
          }),
          ...(state.patternView === 'grid'
            ? []
            : [
                select('Layer', Array.from({ length: layers }, (_, i) => ({ value: String(i), label: String(i) })), String(layer), (v) => {
                  save({ layer: Number(v) });
                  render();
                }),
                select('Head', Array.from({ length: heads }, (_, i) => ({ value: String(i), label: String(i) })), String(head), (v) => {
                  save({ head: Number(v) });
                  render();
                }),
              ]),
        ),
      );
      const input = inputs[inputIndex];
      if (state.patternView === 'grid' && input) {
        // Every layer and head of the input; a click opens that head in the one-head view.
        pat.setChart(
          keep(
            attentionGrid(pat.body, { probs: input.probabilities, tokens: input.tokens }, {
              title: 'attention-all-heads',
              selected: { layer, head },
              onSelect: (l, h) => {
                save({ layer: l, head: h, patternView: 'head' });
                render();
              },
            }),
          ),
        );
      } else {
        const data = patternData(analysis, inputIndex, layer, head);
        if (data) pat.setChart(keep(attentionPattern(pat.body, data, { title: `attention-L${layer}-H${head}` })));
        else empty(pat.body, 'No pattern for this layer and head.');
      }

      // TransNAR: the same input's cross-attention to the NAR's nodes (node labels on the axis).
      const cross = inputs[inputIndex]?.cross;
      if (cross) {
        const blockIndex = Math.min(state.crossBlock, cross.blocks.length - 1);
        const xc = chartCard(grid, host, 'cross-attention-pattern', `Cross-attention to the NAR's nodes, block ${cross.blocks[blockIndex]} head ${head}`);
        xc.body.before(
          el(
            'div',
            { class: 'al-toolbar' },
            select('Block', cross.blocks.map((b, i) => ({ value: String(i), label: String(b) })), String(blockIndex), (v) => {
              save({ crossBlock: Number(v) });
              render();
            }),
          ),
        );
        const xd = crossPatternData(analysis, inputIndex, blockIndex, head);
        if (xd) xc.setChart(keep(heatmap(xc.body, xd, { title: `cross-attention-X${cross.blocks[blockIndex]}-H${head}`, xLabel: 'NAR node', yLabel: 'token (query)', valueLabel: 'attention', domain: [0, 1], showValues: false, height: 420 })));
        else empty(xc.body, 'No cross-attention for this block and head.');
      }
    }

    // TransNAR: how sharply the cross-attention reads the nodes, per head and length.
    const xe = analysis ? crossEntropyData(analysis) : null;
    if (xe) {
      const card = chartCard(grid, host, 'cross-attention-entropy', 'Cross-attention entropy over the NAR\u2019s nodes on the answer rows, h = H / ln N (1 = uniform)');
      card.setChart(keep(heatmap(card.body, xe, { title: 'cross-attention-entropy', xLabel: 'evaluation length', yLabel: 'block·head (gate tanh α)', valueLabel: 'h', domain: [0, 1] })));
    }

    // Randomized seeds (docs/science.md §4): per-input success over seeds, seed variance, majority vote, the adversary.
    const sh = chartCard(grid, host, 'success-histogram', 'Per-input success rate over seeds (bimodal = deterministic, spread = random)');
    const sv = chartCard(grid, host, 'seed-variance', 'Seed variance of p(correct): input × output position');
    const mv = chartCard(grid, host, 'majority-vote', 'Majority vote over seeds');
    const adv = chartCard(grid, host, 'adversary', 'Oblivious adversary: worst key vs simulated ideal stores', { wide: true });
    if (!analysis) {
      for (const c of [sh, sv, mv, adv]) empty(c.body, 'No randomized analysis yet.');
    } else {
      sh.body.before(el('p', { class: 'al-muted' }, randomizedCaption(analysis)));
      sh.setChart(keep(histogram(sh.body, successHistogram(analysis), { title: 'success-histogram', xLabel: `success rate over ${analysis.randomized.seeds} seed(s)` })));
      // Without Random Seed Encoding every seed gives the same output: a heatmap of zeros says nothing.
      if (analysis.randomized.rseBits === 0) empty(sv.body, 'Deterministic model (no Random Seed Encoding): the variance across seeds is 0 by construction.');
      else sv.setChart(keep(heatmap(sv.body, seedVariance(analysis), { title: 'seed-variance', xLabel: 'output position', yLabel: 'input', valueLabel: 'variance', showValues: false })));
      mv.setChart(
        keep(
          lineChart(mv.body, majorityVote(analysis), {
            title: 'majority-vote',
            xLabel: 'seeds voting',
            yLabel: 'accuracy',
            height: 240,
            emptyText: analysis.randomized.rseBits === 0 ? 'Deterministic model: one seed only.' : 'No data',
          }),
        ),
      );
      const table = adversaryTable(analysis);
      if (table) adv.setChart(keep(tableChart(adv.body, table, { title: 'adversary' })));
      else empty(adv.body, 'Adversarial queries are computed for associative recall only.');
    }
    if (analysis?.coloring) renderColoring(analysis, grid);
    renderNoise(exp, grid);
  }

  /** Graph colouring (analysis.json `coloring`): the hardest graphs coloured under each seed, best-of-k and majority. */
  function renderColoring(analysis: AnalysisFile, grid: HTMLElement): void {
    const graphs = coloringGraphs(analysis);
    const gc = chartCard(grid, host, 'colored-graph', 'Colourings of the hardest graphs (conflicts dashed), one seed at a time');
    const index = Math.min(state.coloringGraph, Math.max(0, graphs.length - 1));
    gc.body.before(
      el('p', { class: 'al-muted' }, coloringCaption(analysis)),
      el(
        'div',
        { class: 'al-toolbar' },
        select('Graph', graphs.map((g, i) => ({ value: String(i), label: `${i === 0 ? "adversary's graph" : `graph ${i + 1}`}: ${g.note ?? ''}` })), String(index), (v) => {
          save({ coloringGraph: Number(v), coloringSeed: 0 });
          render();
        }),
      ),
    );
    const data = graphs[index];
    if (!data) empty(gc.body, 'No graphs in the analysis.');
    else gc.setChart(keep(coloredGraph(gc.body, data, { title: `coloring-graph-${index + 1}`, seed: state.coloringSeed, onSeed: (seed) => save({ coloringSeed: seed }) })));
    const bk = chartCard(grid, host, 'coloring-best-of-k', 'Best-of-k and majority colouring over seeds');
    bk.setChart(keep(lineChart(bk.body, coloringCurves(analysis), { title: 'coloring-best-of-k', xLabel: 'seeds k', yLabel: 'proper', height: 240, logY: false, smoothing: 0 })));
  }

  /** The softmax-noise probe across the experiment's runs (standard vs log-n side by side). */
  function renderNoise(exp: ExperimentSnapshot, grid: HTMLElement): void {
    const { lengths, targets } = noiseChoices(exp.runs);
    if (lengths.length === 0) return;
    const length = state.noiseLength !== null && lengths.includes(state.noiseLength) ? state.noiseLength : (lengths[lengths.length - 1] as number);
    const target = targets.includes(state.noiseTarget) ? state.noiseTarget : 'all';
    const card = chartCard(grid, host, 'noise-curves', 'Softmax-noise probe: i.i.d. N(0, σ²) on the attention logits', { wide: true });
    card.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Measure', Object.entries(NOISE_MEASURES).map(([value, label]) => ({ value, label })), state.noiseMeasure, (v) => {
          save({ noiseMeasure: v as NoiseMeasure });
          render();
        }),
        select('Noise on', targets.map((t) => ({ value: t, label: t === 'all' ? 'every layer' : `layer ${t.slice(1)}` })), target, (v) => {
          save({ noiseTarget: v });
          render();
        }),
        select('Length', lengths.map((n) => ({ value: String(n), label: `n = ${n}` })), String(length), (v) => {
          save({ noiseLength: Number(v) });
          render();
        }),
      ),
    );
    card.setChart(
      keep(
        lineChart(card.body, noiseCurves(exp.runs, state.noiseMeasure, target, length), {
          title: `noise-${state.noiseMeasure}-${target}-n${length}`,
          xLabel: 'σ',
          yLabel: NOISE_MEASURES[state.noiseMeasure],
          height: 280,
          logY: false,
          smoothing: 0,
        }),
      ),
    );
  }

  function renderTrace(exp: ExperimentSnapshot | undefined, grid: HTMLElement): void {
    const card = chartCard(grid, host, 'optimizer-paths', 'Optimizer paths on a 2-D test function', { wide: true });
    traceCard = card;
    if (!host.connected) {
      if (lastPaths) drawPaths(lastPaths);
      else empty(card.body, 'Optimizer paths are computed by the extension (Attention Lab: Show Optimizer Paths).');
      return;
    }
    const optimizers = experimentOptimizers(exp);
    const status = el('span', { class: 'al-muted', role: 'status' });
    card.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Function', TRACE_FUNCTIONS.map((f) => ({ value: f, label: f })), state.traceFn, (v) => save({ traceFn: v })),
        select('Steps', [100, 300, 1000, 3000].map((n) => ({ value: String(n), label: String(n) })), String(state.traceSteps), (v) => save({ traceSteps: Number(v) })),
        button('Trace', () => {
          const mine = ++traceRequest;
          status.textContent = 'Tracing in the backend…';
          host.request('paths/trace', { fn: state.traceFn, steps: state.traceSteps, optimizers }).then(
            (paths) => traceResult(mine, paths, null),
            (err: Error) => traceResult(mine, null, err.message),
          );
        }),
        status,
      ),
    );
    if (lastPaths) drawPaths(lastPaths);
    else empty(card.body, `Press Trace to run ${optimizers.map((o) => o.name).join(', ')} on the function.`);
  }

  /** The reply to the newest trace request (older replies are dropped). */
  function traceResult(requestId: number, paths: OptimizerPathsView | null, error: string | null): void {
    if (requestId !== traceRequest || !traceCard) return;
    if (paths) {
      lastPaths = paths;
      drawPaths(paths);
    } else {
      clear(traceCard.body);
      traceCard.body.append(el('div', { class: 'al-error', role: 'alert' }, `Trace failed: ${error ?? 'unknown error'}`));
    }
  }

  function drawPaths(paths: OptimizerPathsView): void {
    if (!traceCard) return;
    clear(traceCard.body);
    const data = contourFromTraces(
      paths.paths.map((p) => ({ function: paths.function, formula: paths.formula, optimizer: p.optimizer, domain: paths.domain, minima: paths.minima, points: p.points, diverged: p.diverged })),
    );
    traceCard.setChart(keep(contourPathsChart(traceCard.body, data)));
  }

  function render(): void {
    destroyAll();
    clear(root);
    root.append(el('h1', {}, opts.title ?? 'Attention Lab'));
    if (comparison) root.append(el('h2', { class: 'al-comparison-title' }, comparison.snapshot.name));
    if (experiments.length === 0 && !comparison) {
      empty(root, 'No runs yet. Run an experiment (Attention Lab: Run Experiment) and its curves appear here as it trains.');
      return;
    }
    const exp = current() as ExperimentSnapshot;
    // Stay on the experiment shown: one that appears later (a new run) does not take its place.
    if (!comparison && state.experiment !== exp.name) save({ experiment: exp.name });
    const lengths = evalLengths(exp);
    const metricOptions = [
      ...TRAIN_METRICS.map((m) => ({ value: `train:${m}`, label: `train ${m}` })),
      ...lengths.flatMap((l) => EVAL_METRICS.map((m) => ({ value: `eval:${m}@${l}`, label: `eval ${m} @ n=${l}` }))),
    ];
    root.append(
      el(
        'div',
        { class: 'al-toolbar', role: 'toolbar', 'aria-label': 'Dashboard controls' },
        select(
          'Experiment',
          [
            ...(comparison ? [{ value: '', label: `${comparison.snapshot.runs.length} selected runs` }] : []),
            ...experiments.map((e) => ({ value: e.name, label: `${e.name} (${e.runs.length} runs)` })),
          ],
          comparison ? '' : exp.name,
          (v) => {
            if (v === '') return;
            if (comparison) return leaveComparison(v);
            save({ experiment: v, run: null });
            render();
          },
        ),
        ...(comparison ? [button('Show whole experiment', () => leaveComparison(comparedExperiment()), { secondary: true })] : []),
        textInput('Filter runs', state.filter, 'run id, tag or note; or /regex/', (v) => {
          save({ filter: v });
          render();
          // The page is redrawn: typing goes on in the new field.
          const field = root.querySelector<HTMLElement & { value: string; control?: HTMLInputElement }>('vscode-text-field[aria-label="Filter runs"]');
          field?.focus();
          field?.control?.setSelectionRange(field.value.length, field.value.length);
        }),
        select('Group by', GROUP_BY_CHOICES.map((g) => ({ value: g.value, label: g.label })), state.groupBy, (v) => {
          save({ groupBy: isGroupBy(v) ? v : 'config', hidden: [], tensorGroup: null });
          render();
        }),
        select('Metric', metricOptions, state.metric, (v) => {
          save({ metric: v, zoom: {} });
          render();
        }),
        slider('Smoothing', 0, 0.99, 0.01, state.smoothing, (v) => {
          save({ smoothing: v });
          curves?.handle?.update(curveData(exp), { smoothing: v });
        }),
        checkbox('Log y', state.logY, (v) => {
          save({ logY: v });
          curves?.handle?.update(curveData(exp), { logY: v });
        }),
      ),
    );
    const view = shown(exp);
    if (state.filter.trim() !== '') {
      root.append(el('p', { class: 'al-muted', id: 'filter-count', role: 'status' }, `${view.runs.length} of ${exp.runs.length} runs match the filter "${state.filter.trim()}".`));
    }
    for (const p of exp.problems) root.append(el('div', { class: 'al-error' }, p));
    if (exp.runs.length === 0) {
      empty(root, 'This experiment has no runs yet.');
      return;
    }
    const grid = el('div', { class: 'al-grid' });
    root.append(grid);
    renderCurves(exp, grid);

    const length = lengths.find((l) => l <= Math.max(...exp.runs.flatMap((r) => r.run.config.task.trainLengths))) ?? lengths[0] ?? 0;
    const cmp = chartCard(grid, host, 'optimizer-table', `Optimizer comparison (final evaluation at n=${length}; mean ± 95% CI over seeds, best marked only where the intervals separate)`, { wide: true });
    cmp.setChart(keep(tableChart(cmp.body, comparisonTable(view.runs, length, state.groupBy), { title: 'optimizer-table', emptyText: 'No finished runs yet.' })));

    const lg = chartCard(grid, host, 'length-generalization', 'Length generalization (final scores, mean over seeds)');
    lg.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Score', ['exact', 'clrs', 'shape', 'parse', 'tokenAccuracy', 'loss'].map((f) => ({ value: f, label: f })), state.lengthField, (v) => {
          save({ lengthField: v as LengthField });
          render();
        }),
      ),
    );
    const grid2 = lengthGrid(view.runs, state.lengthField, state.groupBy);
    if (view.runs.every((r) => r.run.final === null)) empty(lg.body, 'No run has finished yet: final scores appear when runs complete.');
    else
      lg.setChart(
        keep(
          heatmap(lg.body, grid2.data, {
            title: 'length-generalization',
            xLabel: 'evaluation length',
            yLabel: 'group',
            valueLabel: state.lengthField,
            ...(state.lengthField === 'loss' ? {} : { domain: [0, 1] as [number, number] }),
            ...(grid2.splitAfterColumn !== undefined ? { splitAfterColumn: grid2.splitAfterColumn, splitLabel: 'training lengths' } : {}),
          }),
        ),
      );

    // TransNAR: the same grid read as with − without the NAR, per task and length.
    const narTable = narComparisonTable(view.runs, state.lengthField);
    if (narTable) {
      const nc = chartCard(grid, host, 'nar-comparison', `Length generalization with vs without the NAR (${state.lengthField}, paired by seed)`, { wide: true });
      nc.setChart(keep(tableChart(nc.body, narTable, { title: 'nar-comparison', emptyText: 'No finished TransNAR runs with a plain twin yet.' })));
    }

    const acrossLengths = entropyAcrossLengths(view.runs, state.groupBy, view.curve.colors);
    const eal = chartCard(
      grid,
      host,
      'entropy-lengths',
      acrossLengths.retrieval ? 'Attention entropy H (nats) of the query row vs evaluation length (retrieval head)' : 'Mean attention entropy H (nats) vs evaluation length',
    );
    if (acrossLengths.entropy.length === 0) empty(eal.body, 'No run has an analysis yet (analysis.json is written at the end of each run).');
    else eal.setChart(keep(lineChart(eal.body, acrossLengths.entropy, { title: 'entropy-lengths', xLabel: 'evaluation length n', yLabel: 'H (nats)', smoothing: 0, height: 260 })));
    if (acrossLengths.retrieval) {
      const km = chartCard(grid, host, 'key-mass', 'Attention mass on the queried pair vs evaluation length (retrieval head)');
      km.setChart(keep(lineChart(km.body, acrossLengths.keyMass, { title: 'key-mass', xLabel: 'evaluation length n', yLabel: 'mass on the key', smoothing: 0, height: 260 })));
    }

    const summary = isSummaryFile(exp.summary) ? exp.summary : null;
    const grids = summary?.robustness ?? [];
    if (grids.length === 0) {
      const rb = chartCard(grid, host, 'robustness', 'Robustness: lr × weight decay');
      empty(rb.body, summary ? 'This experiment did not vary lr and weight decay.' : 'No summary.json yet: it is written when the experiment finishes.');
    }
    for (const g of grids) {
      const r = robustnessData(g);
      const chance = g.chanceLoss !== undefined ? `; diverged: a final loss not finite or above ln V = ${g.chanceLoss.toFixed(2)}` : '';
      const mean = chartCard(grid, host, `robustness-${g.optimizer}-mean`, `${g.optimizer}: final loss, mean over seeds (lr × weight decay${chance})`);
      mean.setChart(
        keep(heatmap(mean.body, r.mean, { title: `robustness-${g.optimizer}-mean`, xLabel: 'lr', yLabel: 'weight decay', valueLabel: 'loss', cellNotes: r.notes })),
      );
      const ci = chartCard(grid, host, `robustness-${g.optimizer}-ci`, `${g.optimizer}: final loss, ± 95% CI half-width over seeds`);
      ci.setChart(keep(heatmap(ci.body, r.ci, { title: `robustness-${g.optimizer}-ci`, xLabel: 'lr', yLabel: 'weight decay', valueLabel: '± 95% CI', cellNotes: r.notes })));
    }

    renderOptimizerSection({
      host,
      grid,
      runs: view.runs,
      groupBy: state.groupBy,
      curve: view.curve,
      logX: state.logX,
      smoothing: state.smoothing,
      hidden: state.hidden,
      state: { tensorGroup: state.tensorGroup, zoom: state.zoom },
      save: (patch) => save(patch),
      rerender: () => render(),
      keep,
      live: (handle, data) => liveCharts.push({ handle, data }),
    });

    renderAnalysis(exp, grid);
    renderTrace(exp, grid);
  }

  /** The experiment holding the first compared run (where "Show whole experiment" goes). */
  function comparedExperiment(): string {
    const first = comparison?.snapshot.runs[0]?.dir;
    return (experiments.find((e) => e.runs.some((r) => r.dir === first)) ?? experiments[0])?.name ?? '';
  }

  function appendMetrics(run: RunSnapshot, records: MetricsRecord[], replace: boolean): void {
    if (replace) run.metrics = [];
    // Drop records already held (a snapshot and an increment may overlap): same kind, step not newer.
    const last = new Map<string, number>();
    for (const m of run.metrics) last.set(m.kind, Math.max(last.get(m.kind) ?? -1, m.step));
    for (const r of records) if (r.step > (last.get(r.kind) ?? -1)) run.metrics.push(r);
  }

  return {
    setData(next, focus, nextComparison = null) {
      experiments = next;
      comparison = nextComparison;
      save({ compare: comparison?.runDirs ?? null });
      if (focus !== null && next.some((e) => e.name === focus)) save({ experiment: focus });
      render();
    },
    addMetrics(experiment, runId, records, replace) {
      const run = experiments.find((e) => e.name === experiment)?.runs.find((r) => r.run.id === runId);
      if (!run) return;
      const copy = comparedCopy(run);
      appendMetrics(run, records, replace);
      if (copy) appendMetrics(copy, records, replace);
      const exp = current();
      if (exp && (exp.runs.includes(run) || (copy !== undefined && exp.runs.includes(copy)))) for (const c of liveCharts) c.handle.update(c.data());
    },
    setRunStatus(experiment, run) {
      const snap = experiments.find((e) => e.name === experiment)?.runs.find((r) => r.run.id === run.id);
      if (!snap) return;
      const copy = comparedCopy(snap);
      const finished = snap.run.final === null && run.final !== null;
      snap.run = run;
      // The copy keeps its (possibly experiment-qualified) id.
      if (copy) copy.run = { ...run, id: copy.run.id };
      if (finished) render();
    },
  };
}

function experimentOptimizers(exp: ExperimentSnapshot | undefined): OptimizerConfig[] {
  const seen = new Map<string, OptimizerConfig>();
  for (const r of exp?.runs ?? []) if (!seen.has(r.run.config.optimizer.name)) seen.set(r.run.config.optimizer.name, r.run.config.optimizer);
  const list = [...seen.values()].filter((o) => o.name !== 'sgd');
  if (list.length > 0) return list.slice(0, 8);
  return [
    { name: 'adamw', lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    { name: 'lion', lr: 0.002, beta1: 0.9, beta2: 0.99, weightDecay: 0 },
    { name: 'tiger', lr: 0.002, beta: 0.945, weightDecay: 0, shrink: 0.5 },
  ];
}
