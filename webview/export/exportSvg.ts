/**
 * SVG export of a chart root: its SVG plots, canvases (embedded as PNG images), legend entries
 * and caption, placed where they are on screen, on the theme's background. Colours are already
 * concrete in the charts' SVG (no CSS variables), so the file looks the same outside VS Code.
 */
import { readTheme } from '../theme/theme';

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Elements that only make sense on screen: hover marks, hit areas, focus rings. */
const INTERACTIVE = '.al-crosshair, .al-overlay, .al-focus-mark, .al-hover';

/** The chart under `chartRoot` as a standalone SVG document (a string). */
export function exportSvg(chartRoot: Element): string {
  const doc = chartRoot.ownerDocument;
  const theme = readTheme(chartRoot);
  const box = chartRoot.getBoundingClientRect();
  const width = Math.ceil(box.width);
  const height = Math.ceil(box.height);
  const out = doc.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('xmlns:xlink', XLINK_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  out.setAttribute('font-family', theme.fontFamily);
  out.setAttribute('font-size', String(theme.fontSize));
  const bg = doc.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', String(width));
  bg.setAttribute('height', String(height));
  bg.setAttribute('fill', theme.background);
  out.appendChild(bg);

  const offset = (el: Element): [number, number] => {
    const r = el.getBoundingClientRect();
    return [r.left - box.left, r.top - box.top];
  };

  for (const canvas of chartRoot.querySelectorAll('canvas')) {
    const [x, y] = offset(canvas);
    const img = doc.createElementNS(SVG_NS, 'image');
    img.setAttribute('x', String(x));
    img.setAttribute('y', String(y));
    img.setAttribute('width', String(canvas.clientWidth));
    img.setAttribute('height', String(canvas.clientHeight));
    img.setAttribute('preserveAspectRatio', 'none');
    img.setAttribute('image-rendering', 'pixelated');
    img.setAttributeNS(XLINK_NS, 'xlink:href', canvas.toDataURL('image/png'));
    img.setAttribute('href', canvas.toDataURL('image/png'));
    out.appendChild(img);
  }

  for (const svg of chartRoot.querySelectorAll('svg')) {
    if (svg.closest('.al-legend, .al-tooltip') !== null) continue;
    const [x, y] = offset(svg);
    const clone = svg.cloneNode(true) as SVGSVGElement;
    clone.querySelectorAll(INTERACTIVE).forEach((n) => n.remove());
    clone.removeAttribute('tabindex');
    clone.removeAttribute('class');
    clone.setAttribute('x', String(x));
    clone.setAttribute('y', String(y));
    out.appendChild(clone);
  }

  // Legend entries and captions are HTML on screen: redraw them as SVG text.
  for (const item of chartRoot.querySelectorAll<HTMLElement>('.al-legend > *')) {
    const sw = item.querySelector<HTMLElement>('.al-swatch');
    const label = item.textContent ?? '';
    const hidden = item.getAttribute('aria-pressed') === 'false';
    if (sw !== null) {
      const [sx, sy] = offset(sw);
      const r = doc.createElementNS(SVG_NS, 'rect');
      r.setAttribute('x', String(sx));
      r.setAttribute('y', String(sy));
      r.setAttribute('width', String(sw.offsetWidth));
      r.setAttribute('height', String(sw.offsetHeight));
      r.setAttribute('fill', solidColor(getComputedStyle(sw)) ?? theme.foreground);
      if (hidden) r.setAttribute('fill-opacity', '0.4');
      out.appendChild(r);
    }
    const textEl = item.querySelector('span:last-child') ?? item;
    appendText(out, textEl, offset(textEl), label, hidden ? theme.muted : theme.foreground);
  }
  for (const cap of chartRoot.querySelectorAll<HTMLElement>('.al-caption, .al-empty')) {
    appendText(out, cap, offset(cap), cap.textContent ?? '', theme.muted);
  }
  return new XMLSerializer().serializeToString(out);
}

function appendText(out: SVGSVGElement, el: Element, [x, y]: [number, number], text: string, fill: string): void {
  const t = out.ownerDocument.createElementNS(SVG_NS, 'text');
  const h = el.getBoundingClientRect().height;
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y + h * 0.72));
  t.setAttribute('fill', fill);
  t.textContent = text;
  out.appendChild(t);
}

/** The background colour of a swatch (the first stop of a dashed gradient). */
function solidColor(style: CSSStyleDeclaration): string | undefined {
  if (style.backgroundColor !== '' && style.backgroundColor !== 'rgba(0, 0, 0, 0)') return style.backgroundColor;
  const m = /rgba?\([^)]*\)|#[0-9a-f]{3,8}/i.exec(style.backgroundImage);
  return m?.[0];
}
