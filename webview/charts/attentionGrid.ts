/**
 * Every head at once: one small attention matrix per (layer, head), layers as rows and heads as
 * columns, all on the same colour scale, so a head that attends to the previous token, one that
 * attends uniformly and one that has collapsed onto a single key stand apart at a glance (as
 * BertViz's model view). Each tile is a canvas with one pixel per (query, key); hovering shows
 * the cell's probability, and a click (or Enter on a focused tile) selects that head for the
 * single-head view (`onSelect`).
 */
import { color as d3color } from 'd3';
import { lut } from './attentionPattern';
import { COLOR_LEGEND_WIDTH, drawColorLegend } from './colorLegend';
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import { pointerIn } from './pointer';
import type { AttentionGridData, AttentionGridOptions, DataTable } from './types';
import { paintMatrixPixels } from './matrixPixels';

/** Throws unless every head's matrix is T × T for the same T, with T tokens when given. */
export function validateAttentionGrid(d: AttentionGridData): number {
  const T = d.probs[0]?.[0]?.length ?? 0;
  d.probs.forEach((layer, l) =>
    layer.forEach((head, h) => {
      if (head.length !== T || head.some((row) => row.length !== T)) throw new RangeError(`attentionGrid: layer ${l} head ${h} is not ${T}×${T}`);
    }),
  );
  if (d.tokens !== undefined && T > 0 && d.tokens.length !== T) throw new RangeError(`attentionGrid: ${d.tokens.length} tokens for ${T}×${T} matrices`);
  return T;
}

/** One head's T × T matrix as a canvas with one pixel per (query, key), coloured on the shared scale up to `max`. */
function paintTile(doc: Document, m: number[][], T: number, max: number, colors: ArrayLike<number>, missing: { r: number; g: number; b: number } | undefined): HTMLCanvasElement {
  const canvas = doc.createElement('canvas');
  canvas.className = 'al-attention-tile';
  canvas.width = T;
  canvas.height = T;
  canvas.setAttribute('aria-hidden', 'true');
  const g2 = canvas.getContext('2d');
  if (g2 === null) throw new Error('attentionGrid: no 2-D canvas context');
  const img = g2.createImageData(T, T);
  const px = img.data;
  paintMatrixPixels(px, m, T, max, colors, missing);
  g2.putImageData(img, 0, 0);
  return canvas;
}

function draw(ctx: DrawContext<AttentionGridOptions>, data: AttentionGridData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  const T = validateAttentionGrid(data);
  const layers = data.probs.length;
  const heads = Math.max(0, ...data.probs.map((l) => l.length));
  const tokens = data.tokens ?? Array.from({ length: T }, (_, i) => String(i));
  const table: DataTable = { columns: ['layer', 'head', 'query', 'key', 'p'], rows: [] };
  data.probs.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, q) => row.forEach((v, k) => table.rows.push([l, h, q, k, Number.isFinite(v) ? v : null])))));
  if (T === 0 || layers === 0) {
    ctx.empty();
    return table;
  }
  let max = 1;
  if (o.max === 'auto') {
    max = 0;
    for (const layer of data.probs) for (const head of layer) for (const row of head) for (const v of row) if (Number.isFinite(v) && v > max) max = v;
    if (max === 0) max = 1;
  } else if (typeof o.max === 'number' && o.max > 0) max = o.max;

  const gap = 10;
  const labelH = theme.fontSize + 4;
  const left = theme.fontSize * 2.5;
  const avail = width - left - COLOR_LEGEND_WIDTH - 16;
  const tile = Math.max(24, Math.min(o.tileSize ?? 140, Math.floor((avail - gap * (heads - 1)) / heads)));
  const gridW = heads * tile + (heads - 1) * gap;
  const gridH = layers * (tile + labelH) + (layers - 1) * gap;
  const height = gridH + 8;

  const wrap = root.ownerDocument.createElement('div');
  wrap.className = 'al-canvas-wrap al-attention-grid';
  wrap.style.width = `${width}px`;
  wrap.style.height = `${height}px`;
  root.appendChild(wrap);
  const colors = lut(theme.sequential);
  const missing = d3color(theme.missing)?.rgb();
  const color = (v: number): string => {
    const i = Math.round(Math.max(0, Math.min(1, v / max)) * 255) * 3;
    return `rgb(${colors[i]}, ${colors[i + 1]}, ${colors[i + 2]})`;
  };
  const tileX = (h: number): number => left + h * (tile + gap);
  const tileY = (l: number): number => l * (tile + labelH + gap) + labelH;

  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < (data.probs[l]?.length ?? 0); h++) {
      const m = data.probs[l]?.[h] as number[][];
      const canvas = paintTile(root.ownerDocument, m, T, max, colors, missing);
      canvas.style.left = `${tileX(h)}px`;
      canvas.style.top = `${tileY(l)}px`;
      canvas.style.width = `${tile}px`;
      canvas.style.height = `${tile}px`;
      wrap.appendChild(canvas);
    }
  }

  const svg = ctx.addSvg(height, wrap);
  svg.attr('aria-label', `${o.title ?? 'Attention of every head'}: ${layers} layers × ${heads} heads, ${T} tokens; Tab to a head, Enter to open it`);
  for (let l = 0; l < layers; l++) {
    svg
      .append('text')
      .attr('x', 0)
      .attr('y', tileY(l) + tile / 2)
      .attr('dominant-baseline', 'middle')
      .attr('fill', theme.muted)
      .text(`L${l}`);
    for (let h = 0; h < (data.probs[l]?.length ?? 0); h++) {
      const selected = o.selected?.layer === l && o.selected.head === h;
      svg
        .append('text')
        .attr('x', tileX(h) + tile / 2)
        .attr('y', tileY(l) - 4)
        .attr('text-anchor', 'middle')
        .attr('fill', selected ? theme.foreground : theme.muted)
        .attr('font-weight', selected ? 600 : null)
        .text(`H${h}`);
      const frame = svg
        .append('rect')
        .attr('class', 'al-tile')
        .attr('data-layer', l)
        .attr('data-head', h)
        .attr('x', tileX(h) - 0.5)
        .attr('y', tileY(l) - 0.5)
        .attr('width', tile + 1)
        .attr('height', tile + 1)
        .attr('fill', 'transparent')
        .attr('stroke', selected ? theme.focus : theme.grid)
        .attr('stroke-width', selected ? 2 : 1)
        .attr('tabindex', o.onSelect ? 0 : null)
        .attr('role', o.onSelect ? 'button' : null)
        .attr('aria-label', `layer ${l} head ${h}`)
        .style('cursor', o.onSelect ? 'pointer' : 'default');
      const m = data.probs[l]?.[h] as number[][];
      frame
        .on('pointermove', (ev: PointerEvent) => {
          const [x, y] = pointerIn(ev, ev.currentTarget as Element);
          const q = Math.max(0, Math.min(T - 1, Math.floor((y / tile) * T)));
          const k = Math.max(0, Math.min(T - 1, Math.floor((x / tile) * T)));
          const p = m[q]?.[k] as number;
          tooltip.show(`L${l}·H${h}: query ${q} (${tokens[q]}) → key ${k} (${tokens[k]})`, [{ label: 'p', value: Number.isFinite(p) ? formatValue(p) : 'missing' }], tileX(h) + tile, tileY(l) + (q / T) * tile);
        })
        .on('pointerleave', () => tooltip.hide())
        .on('click', () => o.onSelect?.(l, h))
        .on('keydown', (ev: KeyboardEvent) => {
          if (ev.key !== 'Enter' && ev.key !== ' ') return;
          ev.preventDefault();
          o.onSelect?.(l, h);
        });
    }
  }
  drawColorLegend(svg, theme, Math.min(width - COLOR_LEGEND_WIDTH, left + gridW + 16), labelH, Math.min(gridH - labelH, 240), 0, max, color, 'attention probability');
  return table;
}

/** Draws the attention of every layer and head as a grid of small matrices; see AttentionGridOptions. */
export function attentionGrid(target: ChartTarget, data: AttentionGridData, options: AttentionGridOptions = {}): ChartHandle<AttentionGridData, AttentionGridOptions> {
  return makeChart('attention-grid', target, data, options, draw);
}
