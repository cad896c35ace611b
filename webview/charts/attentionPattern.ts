/**
 * Attention pattern viewer: a T×T probability matrix (query rows, key columns) drawn on a canvas
 * with one pixel per cell through ImageData, scaled up by CSS with nearest-neighbour sampling, so
 * 256 × 256 is one putImageData call rather than 65,536 SVG nodes. Axes, token labels, the hover
 * cursor and the colour bar are a light SVG overlay. Layer/head/input pickers are the caller's.
 *
 * The steps: geometry and axes attentionPatternFrame.ts, the pixels attentionPatternCanvas.ts,
 * hover and keyboard attentionPatternCursor.ts.
 */
import { color as d3color } from 'd3';
import { paintPattern } from './attentionPatternCanvas';
import { attachPatternCursor } from './attentionPatternCursor';
import { drawPatternAxes, patternLayout } from './attentionPatternFrame';
import { drawColorLegend } from './colorLegend';
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import type { ChartHandle, ChartTarget } from './handle';
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

/** The colour scale's maximum: 1, a given number, or the largest finite value ('auto'; 1 when all are 0). */
function colourMax(probs: number[][], max: AttentionOptions['max']): number {
  if (max === 'auto') {
    let found = 0;
    for (const r of probs) for (const v of r) if (Number.isFinite(v) && v > found) found = v;
    return found === 0 ? 1 : found;
  }
  return typeof max === 'number' && max > 0 ? max : 1;
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
  const max = colourMax(data.probs, o.max);
  const layout = patternLayout(T, tokens, o, width, theme.fontSize);
  const { m, side } = layout;
  const colors = lut(theme.sequential);
  const wrap = paintPattern(root, data.probs, layout, width, max, colors, theme.missing);
  const svg = ctx.addSvg(layout.height, wrap);
  const plot = svg.append('g').attr('transform', `translate(${m.left},${m.top})`);
  drawPatternAxes(svg, plot, layout, tokens, theme);
  const color = (v: number): string => {
    const i = Math.round(Math.max(0, Math.min(1, v / max)) * 255) * 3;
    return `rgb(${colors[i]}, ${colors[i + 1]}, ${colors[i + 2]})`;
  };
  drawColorLegend(svg, theme, m.left + side + 14, m.top, side, 0, max, color, 'attention probability');
  attachPatternCursor({ svg, plot, layout, probs: data.probs, tokens, theme, tooltip, title: o.title });
  return table;
}

/** Draws a T×T attention matrix on a canvas; see AttentionOptions. */
export function attentionPattern(target: ChartTarget, data: AttentionData, options: AttentionOptions = {}): ChartHandle<AttentionData, AttentionOptions> {
  return makeChart('attention', target, data, options, draw);
}
