/**
 * Grid-world explorations (docs/science.md §4): the n × n grid with each cell shaded by its mean
 * first-visit step over the seeds (the cost of hiding the goal there), the adversary's cell
 * outlined, and several seeds' trajectories overlaid as paths from the start (each seed its own
 * colour and a small offset, so paths that share a move stay visible). A deterministic agent
 * draws one path whatever the seed. Tooltips name a cell and its mean first visit; ← → walk the
 * cells. The table (CSV) holds every drawn step of every seed.
 */
import { attachArrowKeys } from './arrowKeys';
import { chartHeight, makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import type { ChartHandle, ChartTarget } from './handle';
import type { DataTable, GridTrajectoryData, GridTrajectoryOptions } from './types';

export function validateGridTrajectories(d: GridTrajectoryData): void {
  const cells = d.side * d.side;
  if (!(Number.isInteger(d.side) && d.side >= 1)) throw new RangeError(`gridTrajectories: side ${d.side} must be a positive integer`);
  d.trajectories.forEach((p, s) => {
    for (const c of p) if (!(Number.isInteger(c) && c >= 0 && c < cells)) throw new RangeError(`gridTrajectories: seed ${s} visits cell ${c}, outside the ${cells} cells`);
  });
  if (d.meanFirstVisit && d.meanFirstVisit.length !== cells) throw new RangeError(`gridTrajectories: meanFirstVisit has ${d.meanFirstVisit.length} values, expected ${cells}`);
}

function draw(ctx: DrawContext<GridTrajectoryOptions>, data: GridTrajectoryData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  validateGridTrajectories(data);
  const n = data.side;
  const k = Math.max(0, Math.min(data.trajectories.length, Math.round(o.seeds ?? data.trajectories.length)));
  const paths = data.trajectories.slice(0, k);
  const table: DataTable = {
    columns: ['seed', 'step', 'cell', 'x', 'y'],
    rows: paths.flatMap((p, s) => p.map((c, t) => [s, t, c, c % n, Math.floor(c / n)])),
  };
  if (k === 0 || n === 0) {
    ctx.empty();
    return table;
  }
  const height = chartHeight(o, width, 0.8, 220, 420);
  const svg = ctx.addSvg(height);
  const size = Math.max(60, Math.min(width, height) - 24);
  const cell = size / n;
  const x0 = (width - size) / 2;
  const y0 = (height - size) / 2;
  const centre = (c: number): { x: number; y: number } => ({ x: x0 + ((c % n) + 0.5) * cell, y: y0 + (n - 1 - Math.floor(c / n) + 0.5) * cell });
  const visits = data.meanFirstVisit;
  const maxVisit = visits ? Math.max(1, ...visits) : 1;
  const cells = svg.append('g').attr('class', 'al-cells');
  for (let c = 0; c < n * n; c++) {
    const p = centre(c);
    const v = visits?.[c];
    cells
      .append('rect')
      .attr('class', c === data.worstCell ? 'al-cell al-worst' : 'al-cell')
      .attr('data-cell', c)
      .attr('x', p.x - cell / 2)
      .attr('y', p.y - cell / 2)
      .attr('width', cell)
      .attr('height', cell)
      .attr('fill', theme.series[0] as string)
      .attr('fill-opacity', v === undefined ? 0 : 0.08 + 0.5 * (v / maxVisit))
      .attr('stroke', c === data.worstCell ? (theme.series[3] ?? theme.foreground) : theme.muted)
      .attr('stroke-width', c === data.worstCell ? 3 : 1);
    if (v !== undefined) cells.append('text').attr('x', p.x).attr('y', p.y + cell / 2 - 6).attr('text-anchor', 'middle').attr('fill', theme.foreground).attr('font-size', 10).text(v.toFixed(1));
  }
  const start = centre(0);
  svg.append('circle').attr('class', 'al-start').attr('cx', start.x).attr('cy', start.y).attr('r', Math.max(4, cell / 10)).attr('fill', theme.foreground);
  const lines = svg.append('g').attr('class', 'al-trajectories');
  const spread = Math.min(cell / 4, 3 * Math.max(1, k - 1));
  paths.forEach((p, s) => {
    const shift = k > 1 ? -spread / 2 + (spread * s) / (k - 1) : 0;
    const pts = p.map((c) => {
      const q = centre(c);
      return `${(q.x + shift).toFixed(1)},${(q.y + shift).toFixed(1)}`;
    });
    lines
      .append('polyline')
      .attr('class', 'al-trajectory')
      .attr('data-seed', s)
      .attr('points', pts.join(' '))
      .attr('fill', 'none')
      .attr('stroke', theme.series[(s + 1) % theme.series.length] as string)
      .attr('stroke-width', 2)
      .attr('stroke-opacity', 0.8);
  });
  const distinct = new Set(paths.map((p) => p.join(','))).size;
  const caption = root.ownerDocument.createElement('div');
  caption.className = 'al-caption';
  caption.setAttribute('role', 'status');
  caption.textContent = `${k} seed${k === 1 ? '' : 's'}, ${distinct} distinct path${distinct === 1 ? '' : 's'}${data.worstCell !== undefined ? ` · adversary's cell (${data.worstCell % n}, ${Math.floor(data.worstCell / n)})` : ''}${data.note ? ` · ${data.note}` : ''}`;
  root.appendChild(caption);
  let cur = -1;
  const show = (i: number): void => {
    cur = Math.max(0, Math.min(n * n - 1, i));
    const p = centre(cur);
    const v = visits?.[cur];
    tooltip.show(`cell (${cur % n}, ${Math.floor(cur / n)})`, [{ label: 'mean first visit', value: v === undefined ? '–' : v.toFixed(2) }], p.x, p.y);
  };
  cells.on('pointermove', (ev: PointerEvent) => {
    const r = (ev.target as Element).closest('[data-cell]');
    if (r) show(Number(r.getAttribute('data-cell')));
  }).on('pointerleave', () => tooltip.hide());
  attachArrowKeys(svg, `${o.title ?? 'Grid trajectories'}: ${n} by ${n} grid, ${k} seeds, ${distinct} distinct paths; arrow keys move between cells`, { current: () => cur, show, hide: () => tooltip.hide() });
  return table;
}

/** Draws grid-world trajectories of several seeds over the first-visit shading; see GridTrajectoryOptions. */
export function gridTrajectories(target: ChartTarget, data: GridTrajectoryData, options: GridTrajectoryOptions = {}): ChartHandle<GridTrajectoryData, GridTrajectoryOptions> {
  return makeChart('grid-trajectories', target, data, options, draw);
}
