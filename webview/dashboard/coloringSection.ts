/**
 * The dashboard's graph-colouring cards (analysis.json `coloring`): the hardest graphs coloured under
 * one seed at a time (a seed slider; conflicts dashed), and best-of-k and majority colouring over seeds.
 */
import { coloredGraph, lineChart } from '../charts/index';
import type { AnalysisFile } from '../../src/protocol/analysis';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import { empty, type DashboardContext } from './dashboardContext';
import { coloringCaption, coloringCurves, coloringGraphs } from './shapeData';

/** Graph colouring (analysis.json `coloring`): the hardest graphs coloured under each seed, best-of-k and majority. */
export function renderColoring(ctx: DashboardContext, analysis: AnalysisFile, grid: HTMLElement): void {
  const graphs = coloringGraphs(analysis);
  const gc = chartCard(grid, ctx.host, 'colored-graph', 'Colourings of the hardest graphs (conflicts dashed), one seed at a time');
  const index = Math.min(ctx.state.coloringGraph, Math.max(0, graphs.length - 1));
  gc.body.before(
    el('p', { class: 'al-muted' }, coloringCaption(analysis)),
    el(
      'div',
      { class: 'al-toolbar' },
      select('Graph', graphs.map((g, i) => ({ value: String(i), label: `${i === 0 ? "adversary's graph" : `graph ${i + 1}`}: ${g.note ?? ''}` })), String(index), (v) => {
        ctx.save({ coloringGraph: Number(v), coloringSeed: 0 });
        ctx.render();
      }),
    ),
  );
  const data = graphs[index];
  if (!data) empty(gc.body, 'No graphs in the analysis.');
  else gc.setChart(ctx.keep(coloredGraph(gc.body, data, { title: `coloring-graph-${index + 1}`, seed: ctx.state.coloringSeed, onSeed: (seed) => ctx.save({ coloringSeed: seed }) })));
  const bk = chartCard(grid, ctx.host, 'coloring-best-of-k', 'Best-of-k and majority colouring over seeds');
  bk.setChart(ctx.keep(lineChart(bk.body, coloringCurves(analysis), { title: 'coloring-best-of-k', xLabel: 'seeds k', yLabel: 'proper', height: 240, logY: false, smoothing: 0 })));
}
