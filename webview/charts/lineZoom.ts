/**
 * The line chart's pointer and keyboard: the overlay moves the crosshair, a drag across the plot
 * zooms into that x range (at least 5 px; double-click or the Reset zoom button resets), and on the
 * focused plot the arrow keys move the crosshair (Shift: 10 steps; Home/End), + and − halve or
 * double the window around it, 0 resets, Escape hides the crosshair (or, without one, resets).
 */
import { bisectCenter } from 'd3';
import type { Selection } from 'd3';
import type { DrawContext } from './chartFrame';
import type { Crosshair } from './lineCrosshair';
import { xValueText } from './lineCrosshair';
import type { LineScales } from './lineScales';
import { pointerIn } from './pointer';
import type { LineChartOptions } from './types';

/**
 * The window after a keyboard zoom by `factor` around `centre` (in log space on a log axis), kept
 * inside the data's extent; null once it covers all of it (no zoom).
 */
export function keyZoom(domain: readonly [number, number], full: readonly [number, number], centre: number, factor: number, log: boolean): [number, number] | null {
  const to = (v: number): number => (log ? Math.log(v) : v);
  const from = (v: number): number => (log ? Math.exp(v) : v);
  const [f0, f1] = [to(full[0]), to(full[1])];
  const half = ((to(domain[1]) - to(domain[0])) * factor) / 2;
  if (2 * half >= f1 - f0) return null;
  let a = to(centre) - half;
  let b = to(centre) + half;
  if (a < f0) [a, b] = [f0, f0 + 2 * half];
  if (b > f1) [a, b] = [f1 - 2 * half, f1];
  return [from(a), from(b)];
}

export interface ZoomInput {
  ctx: DrawContext<LineChartOptions>;
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  plot: Selection<SVGGElement, unknown, null, undefined>;
  pw: number;
  ph: number;
  scales: LineScales;
  crosshair: Crosshair;
  /** How many group lines are visible (the svg's aria-label). */
  lines: number;
}

/** The Reset zoom button before the plot, titled with the window shown. */
function addResetButton(input: ZoomInput, setZoom: (domain: [number, number] | null) => void): void {
  const { root, options: o } = input.ctx;
  const { xDomain } = input.scales;
  const reset = root.ownerDocument.createElement('button');
  reset.type = 'button';
  reset.className = 'al-zoom-reset';
  reset.textContent = 'Reset zoom';
  reset.title = `Showing ${o.xLabel ?? 'x'} ${xValueText(o, xDomain[0])} – ${xValueText(o, xDomain[1])}; double-click the plot also resets`;
  reset.addEventListener('click', () => setZoom(null));
  root.insertBefore(reset, root.querySelector('svg.al-plot'));
}

/** The brush and the overlay that track the pointer (crosshair, drag to zoom, double-click to reset). */
function addOverlay(input: ZoomInput, setZoom: (domain: [number, number] | null) => void): void {
  const { ctx, plot, pw, ph, crosshair } = input;
  const { x, zoom } = input.scales;
  const brush = plot.append('rect').attr('class', 'al-brush').attr('y', 0).attr('height', ph).attr('fill', ctx.theme.focus).attr('fill-opacity', 0.15).attr('visibility', 'hidden').attr('pointer-events', 'none');
  let dragFrom: number | null = null;
  const overlay = plot
    .append('rect')
    .attr('class', 'al-overlay')
    .attr('width', pw)
    .attr('height', ph)
    .attr('fill', 'transparent')
    .style('cursor', 'crosshair')
    .on('pointerdown', (ev: PointerEvent) => {
      if (ev.button !== 0) return;
      dragFrom = pointerIn(ev, overlay.node() as SVGRectElement)[0];
      (overlay.node() as SVGRectElement).setPointerCapture?.(ev.pointerId);
    })
    .on('pointermove', (ev: PointerEvent) => {
      const [mx] = pointerIn(ev, overlay.node() as SVGRectElement);
      if (dragFrom !== null) {
        const a = Math.max(0, Math.min(dragFrom, mx));
        const b = Math.min(pw, Math.max(dragFrom, mx));
        brush.attr('visibility', 'visible').attr('x', a).attr('width', b - a);
      }
      crosshair.show(bisectCenter(crosshair.xs, x.invert(mx)));
    })
    .on('pointerup', (ev: PointerEvent) => {
      if (dragFrom === null) return;
      const [mx] = pointerIn(ev, overlay.node() as SVGRectElement);
      const [a, b] = [Math.max(0, Math.min(dragFrom, mx)), Math.min(pw, Math.max(dragFrom, mx))];
      dragFrom = null;
      brush.attr('visibility', 'hidden');
      // A click is not a drag: at least 5 pixels.
      if (b - a >= 5) setZoom([x.invert(a), x.invert(b)]);
    })
    .on('dblclick', () => {
      if (zoom) setZoom(null);
    })
    .on('pointerleave', () => {
      if (dragFrom === null) crosshair.hide();
    });
}

/** Adds the overlay, the reset button (when zoomed) and the keyboard handlers. */
export function attachZoomAndKeys(input: ZoomInput): void {
  const { ctx, svg, crosshair } = input;
  const { options: o } = ctx;
  const { xDomain, full, zoom } = input.scales;
  const { xs } = crosshair;
  const logX = o.logX === true;
  const setZoom = (domain: [number, number] | null): void => {
    o.onZoom?.(domain);
    ctx.setOptions({ xDomain: domain } as Partial<LineChartOptions>);
  };
  addOverlay(input, setZoom);
  if (zoom) addResetButton(input, setZoom);
  svg
    .attr('tabindex', 0)
    .attr('aria-label', `${o.title ?? 'Line chart'}: ${input.lines} series; arrow keys move the crosshair; + and − zoom around it, 0 resets${zoom ? ' (Escape twice too)' : ''}`)
    .on('keydown', (ev: KeyboardEvent) => {
      const step = ev.shiftKey ? 10 : 1;
      const active = crosshair.active();
      if (ev.key === 'ArrowRight') crosshair.show(active < 0 ? 0 : active + step);
      else if (ev.key === 'ArrowLeft') crosshair.show(active < 0 ? xs.length - 1 : active - step);
      else if (ev.key === 'Home') crosshair.show(0);
      else if (ev.key === 'End') crosshair.show(xs.length - 1);
      else if (ev.key === '+' || ev.key === '=' || ev.key === '-' || ev.key === '−') {
        // The keyboard's zoom: halve (or double) the window around the crosshair (else its middle).
        const centre = active >= 0 && xs[active] !== undefined ? (xs[active] as number) : (xDomain[0] + xDomain[1]) / 2;
        const next = keyZoom(xDomain, full, centre, ev.key === '+' || ev.key === '=' ? 0.5 : 2, logX);
        setZoom(next);
      } else if (ev.key === '0') {
        if (zoom) setZoom(null);
      } else if (ev.key === 'Escape') {
        if (active < 0 && zoom) setZoom(null);
        else crosshair.clear();
      } else return;
      ev.preventDefault();
    })
    .on('blur', crosshair.hide);
}
