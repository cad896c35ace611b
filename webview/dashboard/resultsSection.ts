/**
 * The dashboard's result cards over the shown runs: the optimizer comparison table (final
 * evaluation with 95 % intervals), length generalization (a score per group and evaluation length;
 * for TransNAR runs also read as with − without the NAR), and attention entropy against
 * evaluation length.
 */
import { heatmap, lineChart, tableChart } from '../charts/index';
import type { ExperimentSnapshot, RunSnapshot } from '../../src/protocol/viewData';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import type { CurveOptions } from './curves';
import { empty, type DashboardContext } from './dashboardContext';
import { comparisonTable, entropyAcrossLengths, lengthGrid, narComparisonTable, type LengthField } from './shapeData';

/** The shown runs and their grouping and colours (dashboardContext.ts `shown`). */
export interface ShownRuns {
  runs: RunSnapshot[];
  curve: CurveOptions;
}

/** The optimizer comparison at the longest evaluation length within the training lengths (else the first). */
export function renderOptimizerTable(ctx: DashboardContext, exp: ExperimentSnapshot, view: ShownRuns, lengths: number[], grid: HTMLElement): void {
  const length = lengths.find((l) => l <= Math.max(...exp.runs.flatMap((r) => r.run.config.task.trainLengths))) ?? lengths[0] ?? 0;
  const cmp = chartCard(grid, ctx.host, 'optimizer-table', `Optimizer comparison (final evaluation at n=${length}; mean ± 95% CI over seeds, best marked only where the intervals separate)`, { wide: true });
  cmp.setChart(ctx.keep(tableChart(cmp.body, comparisonTable(view.runs, length, ctx.state.groupBy), { title: 'optimizer-table', emptyText: 'No finished runs yet.' })));
}

/** Length generalization (the score picked on the card), and for TransNAR runs the with − without the NAR table. */
export function renderLengthGeneralization(ctx: DashboardContext, view: ShownRuns, grid: HTMLElement): void {
  const lg = chartCard(grid, ctx.host, 'length-generalization', 'Length generalization (final scores, mean over seeds)');
  lg.body.before(
    el(
      'div',
      { class: 'al-toolbar' },
      select('Score', ['exact', 'clrs', 'shape', 'parse', 'tokenAccuracy', 'loss'].map((f) => ({ value: f, label: f })), ctx.state.lengthField, (v) => {
        ctx.save({ lengthField: v as LengthField });
        ctx.render();
      }),
    ),
  );
  const grid2 = lengthGrid(view.runs, ctx.state.lengthField, ctx.state.groupBy);
  if (view.runs.every((r) => r.run.final === null)) empty(lg.body, 'No run has finished yet: final scores appear when runs complete.');
  else
    lg.setChart(
      ctx.keep(
        heatmap(lg.body, grid2.data, {
          title: 'length-generalization',
          xLabel: 'evaluation length',
          yLabel: 'group',
          valueLabel: ctx.state.lengthField,
          ...(ctx.state.lengthField === 'loss' ? {} : { domain: [0, 1] as [number, number] }),
          ...(grid2.splitAfterColumn !== undefined ? { splitAfterColumn: grid2.splitAfterColumn, splitLabel: 'training lengths' } : {}),
        }),
      ),
    );

  // TransNAR: the same grid read as with − without the NAR, per task and length.
  const narTable = narComparisonTable(view.runs, ctx.state.lengthField);
  if (narTable) {
    const nc = chartCard(grid, ctx.host, 'nar-comparison', `Length generalization with vs without the NAR (${ctx.state.lengthField}, paired by seed)`, { wide: true });
    nc.setChart(ctx.keep(tableChart(nc.body, narTable, { title: 'nar-comparison', emptyText: 'No finished TransNAR runs with a plain twin yet.' })));
  }
}

/** Attention entropy vs evaluation length per group (the query row of the retrieval head when there is one, with its mass on the key). */
export function renderEntropyAcrossLengths(ctx: DashboardContext, view: ShownRuns, grid: HTMLElement): void {
  const acrossLengths = entropyAcrossLengths(view.runs, ctx.state.groupBy, view.curve.colors);
  const eal = chartCard(
    grid,
    ctx.host,
    'entropy-lengths',
    acrossLengths.retrieval ? 'Attention entropy H (nats) of the query row vs evaluation length (retrieval head)' : 'Mean attention entropy H (nats) vs evaluation length',
  );
  if (acrossLengths.entropy.length === 0) empty(eal.body, 'No run has an analysis yet (analysis.json is written at the end of each run).');
  else eal.setChart(ctx.keep(lineChart(eal.body, acrossLengths.entropy, { title: 'entropy-lengths', xLabel: 'evaluation length n', yLabel: 'H (nats)', smoothing: 0, height: 260 })));
  if (acrossLengths.retrieval) {
    const km = chartCard(grid, ctx.host, 'key-mass', 'Attention mass on the queried pair vs evaluation length (retrieval head)');
    km.setChart(ctx.keep(lineChart(km.body, acrossLengths.keyMass, { title: 'key-mass', xLabel: 'evaluation length n', yLabel: 'mass on the key', smoothing: 0, height: 260 })));
  }
}
