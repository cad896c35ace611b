/**
 * The dashboard's robustness cards (summary.json `robustness`): per optimizer, the final loss over
 * lr × weight decay as a mean over seeds (cells with a diverged run say so) and its 95 % CI half-width.
 */
import { heatmap } from '../charts/index';
import type { ExperimentSnapshot } from '../../src/protocol/viewData';
import { chartCard } from '../shared/chartCard';
import { empty, type DashboardContext } from './dashboardContext';
import { isSummaryFile, robustnessData } from './shapeData';

/** Two heatmaps per optimizer of the experiment's robustness grids, or a card saying why there are none. */
export function renderRobustness(ctx: DashboardContext, exp: ExperimentSnapshot, grid: HTMLElement): void {
  const summary = isSummaryFile(exp.summary) ? exp.summary : null;
  const grids = summary?.robustness ?? [];
  if (grids.length === 0) {
    const rb = chartCard(grid, ctx.host, 'robustness', 'Robustness: lr × weight decay');
    empty(rb.body, summary ? 'This experiment did not vary lr and weight decay.' : 'No summary.json yet: it is written when the experiment finishes.');
  }
  for (const g of grids) {
    const r = robustnessData(g);
    const chance = g.chanceLoss !== undefined ? `; diverged: a final loss not finite or above ln V = ${g.chanceLoss.toFixed(2)}` : '';
    const mean = chartCard(grid, ctx.host, `robustness-${g.optimizer}-mean`, `${g.optimizer}: final loss, mean over seeds (lr × weight decay${chance})`);
    mean.setChart(
      ctx.keep(heatmap(mean.body, r.mean, { title: `robustness-${g.optimizer}-mean`, xLabel: 'lr', yLabel: 'weight decay', valueLabel: 'loss', cellNotes: r.notes })),
    );
    const ci = chartCard(grid, ctx.host, `robustness-${g.optimizer}-ci`, `${g.optimizer}: final loss, ± 95% CI half-width over seeds`);
    ci.setChart(ctx.keep(heatmap(ci.body, r.ci, { title: `robustness-${g.optimizer}-ci`, xLabel: 'lr', yLabel: 'weight decay', valueLabel: '± 95% CI', cellNotes: r.notes })));
  }
}
