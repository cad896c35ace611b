/**
 * The dashboard's attention pattern card for one input of a run: one head (layer and head picked)
 * or every layer and head at once (a click opens that head), and for a TransNAR run the same
 * input's cross-attention to the NAR's nodes per block.
 */
import { attentionGrid, attentionPattern, heatmap } from '../charts/index';
import type { AnalysisFile } from '../../src/protocol/analysis';
import { chartCard } from '../shared/chartCard';
import { el, select } from '../shared/dom';
import { empty, type DashboardContext } from './dashboardContext';
import { crossPatternData, patternData } from './shapeData';

/** TransNAR: the input's cross-attention to the NAR's nodes (node labels on the axis), one block and head at a time. */
function renderCrossPattern(ctx: DashboardContext, analysis: AnalysisFile, inputIndex: number, head: number, grid: HTMLElement): void {
  const inputs = analysis.patterns.inputs;
  const cross = inputs[inputIndex]?.cross;
  if (cross) {
    const blockIndex = Math.min(ctx.state.crossBlock, cross.blocks.length - 1);
    const xc = chartCard(grid, ctx.host, 'cross-attention-pattern', `Cross-attention to the NAR's nodes, block ${cross.blocks[blockIndex]} head ${head}`);
    xc.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Block', cross.blocks.map((b, i) => ({ value: String(i), label: String(b) })), String(blockIndex), (v) => {
          ctx.save({ crossBlock: Number(v) });
          ctx.render();
        }),
      ),
    );
    const xd = crossPatternData(analysis, inputIndex, blockIndex, head);
    if (xd) xc.setChart(ctx.keep(heatmap(xc.body, xd, { title: `cross-attention-X${cross.blocks[blockIndex]}-H${head}`, xLabel: 'NAR node', yLabel: 'token (query)', valueLabel: 'attention', domain: [0, 1], showValues: false, height: 420 })));
    else empty(xc.body, 'No cross-attention for this block and head.');
  }
}

/** The attention pattern card (and the cross-attention card of a TransNAR run). */
export function renderPatterns(ctx: DashboardContext, analysis: AnalysisFile | null, grid: HTMLElement): void {
  const pat = chartCard(grid, ctx.host, 'attention-pattern', 'Attention pattern');
  if (!analysis || analysis.patterns.inputs.length === 0) empty(pat.body, 'No attention patterns: the run has no analysis yet.');
  else {
    const inputs = analysis.patterns.inputs;
    const inputIndex = Math.min(ctx.state.patternInput, inputs.length - 1);
    const layers = analysis.entropy.layers;
    const heads = analysis.entropy.headsPerLayer;
    const layer = Math.min(ctx.state.layer, layers - 1);
    const head = Math.min(ctx.state.head, heads - 1);
    pat.body.before(
      el(
        'div',
        { class: 'al-toolbar' },
        select('Input', inputs.map((inp, i) => ({ value: String(i), label: `n=${inp.length}: ${inp.text.slice(0, 60)}` })), String(inputIndex), (v) => {
          ctx.save({ patternInput: Number(v) });
          ctx.render();
        }),
        select('View', [{ value: 'head', label: 'one head' }, { value: 'grid', label: 'all heads' }], ctx.state.patternView, (v) => {
          ctx.save({ patternView: v === 'grid' ? 'grid' : 'head' });
          ctx.render();
        }),
        ...(ctx.state.patternView === 'grid'
          ? []
          : [
              select('Layer', Array.from({ length: layers }, (_, i) => ({ value: String(i), label: String(i) })), String(layer), (v) => {
                ctx.save({ layer: Number(v) });
                ctx.render();
              }),
              select('Head', Array.from({ length: heads }, (_, i) => ({ value: String(i), label: String(i) })), String(head), (v) => {
                ctx.save({ head: Number(v) });
                ctx.render();
              }),
            ]),
      ),
    );
    const input = inputs[inputIndex];
    if (ctx.state.patternView === 'grid' && input) {
      // Every layer and head of the input; a click opens that head in the one-head view.
      pat.setChart(
        ctx.keep(
          attentionGrid(pat.body, { probs: input.probabilities, tokens: input.tokens }, {
            title: 'attention-all-heads',
            selected: { layer, head },
            onSelect: (l, h) => {
              ctx.save({ layer: l, head: h, patternView: 'head' });
              ctx.render();
            },
          }),
        ),
      );
    } else {
      const data = patternData(analysis, inputIndex, layer, head);
      if (data) pat.setChart(ctx.keep(attentionPattern(pat.body, data, { title: `attention-L${layer}-H${head}` })));
      else empty(pat.body, 'No pattern for this layer and head.');
    }

    renderCrossPattern(ctx, analysis, inputIndex, head, grid);
  }
}
