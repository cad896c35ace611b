/**
 * Attention pattern viewer: a T×T probability matrix (query rows, key columns) drawn on a canvas
 * with one pixel per cell through ImageData, scaled up by CSS with nearest-neighbour sampling, so
 * 256 × 256 is one putImageData call rather than 65,536 SVG nodes. Axes, token labels, the hover
 * cursor and the colour bar are a light SVG overlay. Layer/head/input pickers are the caller's.
 */
import { scaleBand, scaleLinear, axisBottom, axisLeft, color as d3color } from 'd3';
import { styleAxis, tickFormat } from './axes';
import { COLOR_LEGEND_WIDTH, drawColorLegend } from './colorLegend';
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import { pointerIn } from './lineChart';
import type { AttentionData, AttentionOptions, DataTable } from './types';

/** Throws unless probs is a non-ragged square matrix matching the tokens. */
export function validateAttention(d: AttentionData): void {
  const t = d.probs.length;
  d.probs.forEach((r, i) => {
    if (r.length !== t) throw new RangeError(`attentionPattern: row ${i} has ${r.length} values; a ${t}×${t} matrix needs ${t}`);
  });
  if (d.tokens !== undefined && d.tokens.length !== t) {
    throw new RangeError(`attentionPattern: ${d.tokens.length} tokens for a ${t}×${t} matrix`);
  }
}

/** 256 RGB entries of the colour scale on [0, max]: one lookup per cell instead of a parse. */
export function lut(interp: (t: number) => string): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = d3color(interp(i / 255))?.rgb();
    out[i * 3] = c?.r ?? 0;
    out[i * 3 + 1] = c?.g ?? 0;
    out[i * 3 + 2] = c?.b ?? 0;
  }
  return out;
}

function draw(ctx: DrawContext<AttentionOptions>, data: AttentionData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  validateAttention(data);
  const T = data.probs.length;
  const tokens = data.tokens ?? data.probs.map((_, i) => String(i));
  const table: DataTable = {
    columns: ['query', ...tokens.map((t, k) => `${k}:${t}`)],
    rows: data.probs.map((r, q) => [`${q}:${tokens[q]}`, ...r.map((v) => (Number.isFinite(v) ? v : null))]),
  };
  if (T === 0) {
    ctx.empty();
    return table;
  }
  let max = 1;
  if (o.max === 'auto') {
    max = 0;
    for (const r of data.probs) for (const v of r) if (Number.isFinite(v) && v > max) max = v;
    if (max === 0) max = 1;
  } else if (typeof o.max === 'number' && o.max > 0) max = o.max;

  const labeled = T <= (o.maxLabeledTokens ?? 48);
  const small = Math.max(10, theme.fontSize - 2);
  const longest = labeled ? Math.max(...tokens.map((t) => t.length)) * small * 0.6 : small * 2.2;
  const m = { top: 8, right: COLOR_LEGEND_WIDTH + 12, bottom: Math.min(90, longest + 12) + 20, left: Math.min(90, longest + 10) + 22 };
  const avail = width - m.left - m.right;
  const side = Math.max(40, Math.floor(Math.min(avail, o.height !== undefined ? o.height - m.top - m.bottom : 560)));
  const cell = side / T;
  const height = m.top + side + m.bottom;

  const wrap = root.ownerDocument.createElement('div');
  wrap.className = 'al-canvas-wrap';
  wrap.style.width = `${width}px`;
  wrap.style.height = `${height}px`;
  root.appendChild(wrap);

  // One pixel per (query, key): row q is image row q, column k is image column k.
  const canvas = root.ownerDocument.createElement('canvas');
  canvas.className = 'al-attention-canvas';
  canvas.width = T;
  canvas.height = T;
  canvas.style.left = `${m.left}px`;
  canvas.style.top = `${m.top}px`;
  canvas.style.width = `${side}px`;
  canvas.style.height = `${side}px`;
  canvas.setAttribute('aria-hidden', 'true');
  wrap.appendChild(canvas);
  const g2 = canvas.getContext('2d');
  if (g2 === null) throw new Error('attentionPattern: no 2-D canvas context');
  const img = g2.createImageData(T, T);
  const px = img.data;
  const colors = lut(theme.sequential);
  const missing = d3color(theme.missing)?.rgb();
  for (let q = 0; q < T; q++) {
    const row = data.probs[q] as number[];
    for (let k = 0; k < T; k++) {
      const v = row[k] as number;
      const o4 = (q * T + k) * 4;
      if (Number.isFinite(v)) {
        const i = Math.round(Math.max(0, Math.min(1, v / max)) * 255) * 3;
        px[o4] = colors[i] as number;
        px[o4 + 1] = colors[i + 1] as number;
        px[o4 + 2] = colors[i + 2] as number;
      } else {
        px[o4] = missing?.r ?? 128;
        px[o4 + 1] = missing?.g ?? 128;
        px[o4 + 2] = missing?.b ?? 128;
      }
      px[o4 + 3] = 255;
    }
  }
  g2.putImageData(img, 0, 0);

  const svg = ctx.addSvg(height, wrap);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  if (labeled) {
    const band = scaleBand<number>()
      .domain(tokens.map((_, i) => i))
      .range([0, side]);
    const fmt = (i: number): string => tokens[i] ?? '';
    const xa = plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${side})`);
    xa.call(axisBottom(band).tickFormat(fmt).tickSizeOuter(0));
    xa.selectAll('text').attr('transform', 'rotate(-60)').attr('text-anchor', 'end').attr('dx', '-0.5em').attr('dy', '0.2em');
    styleAxis(xa, theme);
    const ya = plot.append('g').attr('class', 'al-y-axis');
    ya.call(axisLeft(band).tickFormat(fmt).tickSizeOuter(0));
    styleAxis(ya, theme);
  } else {
    const lin = scaleLinear().domain([0, T]).range([0, side]);
    const xa = plot.append('g').attr('class', 'al-x-axis').attr('transform', `translate(0,${side})`);
    xa.call(axisBottom(lin).ticks(8).tickFormat((d) => tickFormat(d as number)).tickSizeOuter(0));
    styleAxis(xa, theme);
    const ya = plot.append('g').attr('class', 'al-y-axis');
    ya.call(axisLeft(lin).ticks(8).tickFormat((d) => tickFormat(d as number)).tickSizeOuter(0));
    styleAxis(ya, theme);
  }
  svg
    .append('text')
    .attr('class', 'al-axis-title al-x-title')
    .attr('x', m.left + side / 2)
    .attr('y', height - 4)
    .attr('text-anchor', 'middle')
    .attr('fill', theme.foreground)
    .text('key');
  svg
    .append('text')
    .attr('class', 'al-axis-title al-y-title')
    .attr('transform', `translate(12,${m.top + side / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('fill', theme.foreground)
    .text('query');
  const color = (v: number): string => {
    const i = Math.round(Math.max(0, Math.min(1, v / max)) * 255) * 3;
    return `rgb(${colors[i]}, ${colors[i + 1]}, ${colors[i + 2]})`;
  };
  drawColorLegend(svg, theme, m.left + side + 14, m.top, side, 0, max, color, 'attention probability');

  // Foreground, not the focus blue: it must stand out on the dark low end of the scale.
  const focus = plot.append('rect').attr('class', 'al-focus-mark').attr('fill', 'none').attr('stroke', theme.foreground).attr('stroke-width', 1.5).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let cur: [number, number] = [-1, -1];
  const show = (q: number, k: number): void => {
    q = Math.max(0, Math.min(T - 1, q));
    k = Math.max(0, Math.min(T - 1, k));
    cur = [q, k];
    const p = data.probs[q]?.[k] as number;
    const s = Math.max(cell, 3);
    focus
      .attr('x', k * cell + cell / 2 - s / 2)
      .attr('y', q * cell + cell / 2 - s / 2)
      .attr('width', s)
      .attr('height', s)
      .attr('visibility', 'visible');
    tooltip.show(
      `query ${q} (${tokens[q]}) → key ${k} (${tokens[k]})`,
      [{ label: 'p', value: Number.isFinite(p) ? formatValue(p) : 'missing' }],
      m.left + (k + 1) * cell,
      m.top + (q + 1) * cell,
    );
  };
  // Leaving (pointer out, Escape, blur) ends the cursor; the next arrow key starts at the corner.
  const hide = (): void => {
    cur = [-1, -1];
    focus.attr('visibility', 'hidden');
    tooltip.hide();
  };
  plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', side)
    .attr('height', side)
    .attr('fill', 'transparent')
    .on('pointermove', (ev: PointerEvent) => {
      const [x, y] = pointerIn(ev, ev.currentTarget as Element);
      show(Math.floor(y / cell), Math.floor(x / cell));
    })
    .on('pointerleave', hide);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Attention pattern'}: ${T} × ${T}; arrow keys move between query (up, down) and key (left, right)`)
    .on('keydown', (ev: KeyboardEvent) => {
      const first = cur[0] < 0;
      const [q, k] = first ? [0, 0] : cur;
      const step = ev.shiftKey ? 8 : 1;
      if (ev.key === 'ArrowRight') show(q, first ? k : k + step);
      else if (ev.key === 'ArrowLeft') show(q, first ? k : k - step);
      else if (ev.key === 'ArrowDown') show(first ? q : q + step, k);
      else if (ev.key === 'ArrowUp') show(first ? q : q - step, k);
      else if (ev.key === 'Escape') hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', hide);
  return table;
}

/** Draws a T×T attention matrix on a canvas; see AttentionOptions. */
export function attentionPattern(target: ChartTarget, data: AttentionData, options: AttentionOptions = {}): ChartHandle<AttentionData, AttentionOptions> {
  return makeChart('attention', target, data, options, draw);
}
