/**
 * The heatmap's cells: one rect per value in its colour (missing values hatched), outlined where a
 * value is within the tolerance of its column's marker, with the value (or the cell's note) written
 * in while the numbers stay readable.
 */
import { color as d3color } from 'd3';
import type { Selection } from 'd3';
import { textOn } from './colorLegend';
import { nextId } from './chartFrame';
import { formatFixed } from './format';
import type { HeatmapScene } from './heatmapLayout';

/** The hatch pattern of missing cells, in the svg's defs; returns its id. */
function addHatch(scene: HeatmapScene): string {
  const { svg, theme } = scene;
  const hatch = nextId('hatch');
  const pat = svg
    .append('defs')
    .append('pattern')
    .attr('id', hatch)
    .attr('width', 6)
    .attr('height', 6)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('patternTransform', 'rotate(45)');
  pat.append('rect').attr('width', 6).attr('height', 6).attr('fill', theme.missing);
  pat.append('line').attr('x1', 0).attr('y1', 0).attr('x2', 0).attr('y2', 6).attr('stroke', theme.muted).attr('stroke-width', 1.2).attr('stroke-opacity', 0.6);
  return hatch;
}

/** Draws the cells (and their numbers) in `color`; returns their group, where the cursor listens. */
export function drawCells(scene: HeatmapScene, color: (v: number) => string): Selection<SVGGElement, unknown, null, undefined> {
  const { data, o, theme, plot, markers, note } = scene;
  const { cw, ch, small } = scene.layout;
  const rows = data.values.length;
  const cols = data.columnLabels.length;
  const hatch = addHatch(scene);
  const digits = o.cellDigits ?? 2;
  // Numbers in cells only while they stay readable: room for "0.00" and not a wall of text.
  const textW = (digits + 3) * small * 0.6 + 8;
  const showValues = o.showValues !== false && cw >= textW && ch >= 15 && (rows * cols <= 160 || cw >= 48);
  const tol = o.markerTolerance;
  const gap = cw > 8 && ch > 8 ? 1 : 0;
  const cells = plot.append('g').attr('class', 'al-cells');
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data.values[r]?.[c] as number;
      const finite = Number.isFinite(v);
      const fill = finite ? color(v) : `url(#${hatch})`;
      const rect = cells
        .append('rect')
        .attr('class', 'al-cell')
        .attr('data-row', r)
        .attr('data-col', c)
        .attr('data-value', finite ? String(v) : 'NaN')
        .attr('x', c * cw + gap / 2)
        .attr('y', r * ch + gap / 2)
        .attr('width', Math.max(0.5, cw - gap))
        .attr('height', Math.max(0.5, ch - gap))
        .attr('fill', fill);
      if (!finite) rect.attr('data-missing', 'true');
      const text = note(r, c);
      if (text !== null) rect.attr('data-note', text);
      const mk = markers.get(c);
      if (finite && tol !== undefined && mk?.value !== undefined && Math.abs(v - mk.value) <= tol) {
        rect.attr('stroke', theme.reference).attr('stroke-width', 1.5).classed('al-near-reference', true);
      }
      if (showValues && (finite || text !== null)) {
        cells
          .append('text')
          .attr('class', text !== null ? 'al-cell-text al-cell-note' : 'al-cell-text')
          .attr('x', c * cw + cw / 2)
          .attr('y', r * ch + ch / 2)
          .attr('dy', '0.35em')
          .attr('text-anchor', 'middle')
          .attr('font-size', Math.min(small, ch * 0.6))
          .attr('fill', finite ? textOn(d3color(fill)?.formatRgb() ?? fill) : theme.foreground)
          .attr('pointer-events', 'none')
          .text(text ?? formatFixed(v, digits));
      }
    }
  }
  return cells;
}
