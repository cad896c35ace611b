/**
 * The randomized-seed charts of a run (docs/science.md §4): per-input success over seeds, seed
 * variance, majority vote, and the oblivious adversary against simulated ideal stores.
 */
import { heatmap, histogram, lineChart, tableChart } from '../charts/index';
import type { AnalysisFile } from '../../src/protocol/analysis';
import { chartCard } from '../shared/chartCard';
import { el } from '../shared/dom';
import { empty, type DashboardContext } from './dashboardContext';
import { adversaryTable, majorityVote, randomizedCaption, seedVariance, successHistogram } from './shapeData';

/** The four randomized-seed cards; empty states while the run has no analysis. */
export function renderRandomized(ctx: DashboardContext, analysis: AnalysisFile | null, grid: HTMLElement): void {
  const sh = chartCard(grid, ctx.host, 'success-histogram', 'Per-input success rate over seeds (bimodal = deterministic, spread = random)');
  const sv = chartCard(grid, ctx.host, 'seed-variance', 'Seed variance of p(correct): input × output position');
  const mv = chartCard(grid, ctx.host, 'majority-vote', 'Majority vote over seeds');
  const adv = chartCard(grid, ctx.host, 'adversary', 'Oblivious adversary: worst key vs simulated ideal stores', { wide: true });
  if (!analysis) {
    for (const c of [sh, sv, mv, adv]) empty(c.body, 'No randomized analysis yet.');
  } else {
    sh.body.before(el('p', { class: 'al-muted' }, randomizedCaption(analysis)));
    sh.setChart(ctx.keep(histogram(sh.body, successHistogram(analysis), { title: 'success-histogram', xLabel: `success rate over ${analysis.randomized.seeds} seed(s)` })));
    // Without Random Seed Encoding every seed gives the same output: a heatmap of zeros says nothing.
    if (analysis.randomized.rseBits === 0) empty(sv.body, 'Deterministic model (no Random Seed Encoding): the variance across seeds is 0 by construction.');
    else sv.setChart(ctx.keep(heatmap(sv.body, seedVariance(analysis), { title: 'seed-variance', xLabel: 'output position', yLabel: 'input', valueLabel: 'variance', showValues: false })));
    mv.setChart(
      ctx.keep(
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
    if (table) adv.setChart(ctx.keep(tableChart(adv.body, table, { title: 'adversary' })));
    else empty(adv.body, 'Adversarial queries are computed for associative recall only.');
  }
}
