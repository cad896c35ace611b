/**
 * The heatmap's labels and marks around the cells: row labels (left), column labels (bottom,
 * rotated when long), axis titles, the row of per-column reference values above the cells (e.g.
 * ln n) and the dashed split line (e.g. the training length) with its caption.
 */
import { formatFixed } from './format';
import type { HeatmapScene } from './heatmapLayout';

/** Row labels (thinned when rows are under 9 px), column labels (every k-th when rotated and crowded), axis titles. */
export function drawAxisLabels(scene: HeatmapScene): void {
  const { data, o, theme, svg, plot } = scene;
  const { m, pw, cw, ch, ph, height, rotate, small } = scene.layout;
  const rowG = plot.append('g').attr('class', 'al-row-labels').attr('font-size', small).attr('fill', theme.muted);
  data.rowLabels.forEach((l, r) => {
    if (ch < 9 && r % Math.ceil(9 / ch) !== 0) return;
    rowG
      .append('text')
      .attr('x', -6)
      .attr('y', r * ch + ch / 2)
      .attr('dy', '0.35em')
      .attr('text-anchor', 'end')
      .text(l);
  });
  const colG = plot.append('g').attr('class', 'al-col-labels').attr('font-size', small).attr('fill', theme.muted);
  const every = Math.max(1, Math.ceil((rotate ? small + 2 : 0) / cw));
  data.columnLabels.forEach((l, c) => {
    if (c % every !== 0) return;
    const t = colG.append('text').text(l);
    if (rotate) {
      t.attr('transform', `translate(${c * cw + cw / 2},${ph + 6}) rotate(-45)`).attr('text-anchor', 'end').attr('dy', '0.35em');
    } else {
      t.attr('x', c * cw + cw / 2)
        .attr('y', ph + small + 4)
        .attr('text-anchor', 'middle');
    }
  });
  if (o.xLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-x-title')
      .attr('x', m.left + pw / 2)
      .attr('y', height - 6)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(o.xLabel);
  }
  if (o.yLabel) {
    svg
      .append('text')
      .attr('class', 'al-axis-title al-y-title')
      .attr('transform', `translate(14,${m.top + ph / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.foreground)
      .text(o.yLabel);
  }
}

/** Per-column reference values (e.g. ln n) in a row above the cells, named by the first marker's label. */
export function drawColumnMarkers(scene: HeatmapScene): void {
  const { o, theme, plot, markers } = scene;
  const { cw, small } = scene.layout;
  const digits = o.cellDigits ?? 2;
  const refG = plot.append('g').attr('class', 'al-column-markers').attr('font-size', small).attr('fill', theme.reference);
  for (const [c, mk] of markers) {
    if (mk.value === undefined) continue;
    refG
      .append('text')
      .attr('class', 'al-column-marker')
      .attr('data-col', c)
      .attr('x', c * cw + cw / 2)
      .attr('y', -6)
      .attr('text-anchor', 'middle')
      .text(cw >= 40 ? formatFixed(mk.value, digits) : '▾')
      .append('title')
      .text(mk.label);
  }
  const first = [...markers.values()].find((mk) => mk.value !== undefined);
  const name = first?.label.split('=')[0]?.trim() ?? 'ref';
  plot.append('text').attr('x', -6).attr('y', -6).attr('text-anchor', 'end').attr('font-size', small).attr('fill', theme.reference).text(name);
}

/** The dashed line after column splitAfterColumn (when inside the matrix), with splitLabel as its title and a caption under `root`. */
export function drawSplit(scene: HeatmapScene, root: HTMLElement): void {
  const { o, theme, svg, plot, data } = scene;
  const { cw, ph } = scene.layout;
  const cols = data.columnLabels.length;
  if (!(o.splitAfterColumn !== undefined && o.splitAfterColumn >= 0 && o.splitAfterColumn < cols - 1)) return;
  const sx = (o.splitAfterColumn + 1) * cw;
  plot
    .append('line')
    .attr('class', 'al-split')
    .attr('x1', sx)
    .attr('x2', sx)
    .attr('y1', -4)
    .attr('y2', ph + 4)
    .attr('stroke', theme.reference)
    .attr('stroke-width', 2)
    .attr('stroke-dasharray', '5 3');
  if (o.splitLabel) {
    svg.select('.al-split').append('title').text(o.splitLabel);
    const cap = root.ownerDocument.createElement('div');
    cap.className = 'al-caption';
    cap.textContent = `Dashed line: ${o.splitLabel}`;
    root.appendChild(cap);
  }
}
