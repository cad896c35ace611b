/**
 * The attention pattern's pixels: one per (query, key) through ImageData on a T × T canvas, scaled
 * up by CSS to the square's side (nearest-neighbour), inside a positioned wrapper that the SVG
 * overlay shares. Non-finite probabilities take the theme's missing colour.
 */
import { color as d3color } from 'd3';
import type { PatternLayout } from './attentionPatternFrame';
import { paintMatrixPixels } from './matrixPixels';

/** Appends the wrapper with the painted canvas to `root`; `colors` is the scale's 256-entry RGB table (lut) on [0, max]. */
export function paintPattern(root: HTMLElement, probs: number[][], layout: PatternLayout, width: number, max: number, colors: Uint8ClampedArray, missingColor: string): HTMLDivElement {
  const { T, m, side, height } = layout;
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
  const missing = d3color(missingColor)?.rgb();
  paintMatrixPixels(px, probs, T, max, colors, missing);
  g2.putImageData(img, 0, 0);
  return wrap;
}
