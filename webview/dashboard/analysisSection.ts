/**
 * The dashboard's section on one run's analysis (analysis.json): a run picker, then the charts of
 * the run's attention and of its seeds (patternSection.ts, randomizedSection.ts, coloringSection.ts),
 * and the softmax-noise probe across the experiment (noiseSection.ts).
 */
import { gridTrajectories, heatmap, lineChart } from '../charts/index';
import type { AnalysisFile } from '../../src/protocol/analysis';
import type { ExperimentSnapshot, RunSnapshot } from '../../src/protocol/viewData';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import { renderColoring } from './coloringSection';
import { empty, type DashboardContext } from './dashboardContext';
import type { DashboardState } from './dashboardState';
import { renderNoise } from './noiseSection';
import { renderPatterns } from './patternSection';
import { renderRandomized } from './randomizedSection';
import { crossEntropyData, entropyHeatmap, entropyOverTraining, gridWorldData, isAnalysisFile } from './shapeData';

/** The entropy heatmap of the run (layer·head × evaluation length) in nats with the ln T reference, or normalized. */
function renderEntropyHeatmap(ctx: DashboardContext, analysis: AnalysisFile | null, grid: HTMLElement): void {
  const ent = chartCard(grid, ctx.host, 'entropy-heatmap', 'Attention entropy: layer·head × evaluation length');
  if (!analysis) empty(ent.body, 'This run has no analysis yet (analysis.json is written at the end of a run, or by `attention-lab analyze`).');
  else {
    ent.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Unit', [{ value: 'nats', label: 'H (nats), with ln T reference' }, { value: 'normalized', label: 'normalized h = H / ln n' }], ctx.state.entropyUnit, (v) => {
          ctx.save({ entropyUnit: v as DashboardState['entropyUnit'] });
          ctx.render();
        }),
      ),
    );
    const h = entropyHeatmap(analysis, ctx.state.entropyUnit);
    ent.setChart(
      ctx.keep(
        heatmap(ent.body, h.data, {
          title: 'entropy-heatmap',
          xLabel: 'evaluation length',
          yLabel: 'layer·head',
          valueLabel: ctx.state.entropyUnit === 'nats' ? 'H (nats)' : 'h',
          columnMarkers: h.markers,
          ...(h.splitAfterColumn !== undefined ? { splitAfterColumn: h.splitAfterColumn, splitLabel: 'training lengths' } : {}),
        }),
      ),
    );
  }

}

/** Entropy over training, from the run's metrics entropy records (live while training). */
function renderEntropyOverTraining(ctx: DashboardContext, runs: RunSnapshot[], runId: string | null, grid: HTMLElement): void {
  const eot = chartCard(grid, ctx.host, 'entropy-training', 'Attention entropy over training');
  const eotSeries = entropyOverTraining(runs.filter((r) => r.run.id === runId));
  if (eotSeries.length === 0) empty(eot.body, 'No entropy records in this run\u2019s metrics yet.');
  else eot.setChart(ctx.keep(lineChart(eot.body, eotSeries, { title: 'entropy-training', xLabel: 'step', yLabel: 'attention entropy H (nats)', height: 260 })));

}

/** TransNAR: how sharply the cross-attention reads the nodes, per head and length. */
function renderCrossEntropy(ctx: DashboardContext, analysis: AnalysisFile | null, grid: HTMLElement): void {
  const xe = analysis ? crossEntropyData(analysis) : null;
  if (xe) {
    const card = chartCard(grid, ctx.host, 'cross-attention-entropy', 'Cross-attention entropy over the NAR\u2019s nodes on the answer rows, h = H / ln N (1 = uniform)');
    card.setChart(ctx.keep(heatmap(card.body, xe, { title: 'cross-attention-entropy', xLabel: 'evaluation length', yLabel: 'block·head (gate tanh α)', valueLabel: 'h', domain: [0, 1] })));
  }

}

/**
 * The analysis of one run (picked on the section): the entropy heatmap, entropy over training, the
 * attention patterns, TransNAR's cross-attention, the randomized-seed charts, graph colouring, and
 * the softmax-noise probe across the experiment; a grid-world run shows its explorations instead.
 */
export function renderAnalysis(ctx: DashboardContext, exp: ExperimentSnapshot, grid: HTMLElement): void {
  const runs = exp.runs;
  const runId = runs.some((r) => r.run.id === ctx.state.run) ? ctx.state.run : (runs.find((r) => isAnalysisFile(r.analysis))?.run.id ?? runs[0]?.run.id ?? null);
  const snap = runs.find((r) => r.run.id === runId);
  const analysis = snap && isAnalysisFile(snap.analysis) ? snap.analysis : null;

  const picker = el(
    'div',
    { class: 'al-toolbar' },
    select('Run (analysis)', runs.map((r) => ({ value: r.run.id, label: `${r.run.id}${isAnalysisFile(r.analysis) ? '' : ' — no analysis yet'}` })), runId ?? '', (v) => {
      ctx.save({ run: v });
      ctx.render();
    }),
  );
  const section = el('section', { class: 'al-card al-wide', 'aria-label': 'Analysis of one run' }, el('h2', {}, 'Attention analysis of one run'), picker);
  grid.append(section);

  // A grid-world run (evolution strategies) has no attention analysis: its explorations instead.
  const explorations = snap ? gridWorldData(snap) : null;
  if (explorations) {
    const gw = chartCard(grid, ctx.host, 'grid-trajectories', 'Grid-world explorations: several seeds overlaid (cells shaded by mean first visit, the adversary\u2019s cell outlined)', { wide: true });
    gw.setChart(ctx.keep(gridTrajectories(gw.body, explorations, { title: 'grid-trajectories' })));
    renderNoise(ctx, exp, grid);
    return;
  }

  renderEntropyHeatmap(ctx, analysis, grid);
  renderEntropyOverTraining(ctx, runs, runId, grid);
  renderPatterns(ctx, analysis, grid);
  renderCrossEntropy(ctx, analysis, grid);
  renderRandomized(ctx, analysis, grid);
  if (analysis?.coloring) renderColoring(ctx, analysis, grid);
  renderNoise(ctx, exp, grid);
}
