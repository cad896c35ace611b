/**
 * The chart gallery: renders every chart from fixture data given by the caller (the browser
 * tests pass the fixtures in test/fixtures/charts), each in a card with its export menu. Used by
 * the tests and to take screenshots; not part of the extension (exclude it from the .vsix).
 */
import { attentionGrid, attentionPattern, barChart, coloredGraph, gridTrajectories, contourFromTraces, contourPaths, heatmap, histogram, lineChart, tableChart } from '../charts/index';
import type { ChartHandle } from '../charts/handle';
import { ensureChartStyles } from '../charts/chartStyles';
import { attachExportMenu, exportCsv, exportPng, exportSvg } from '../export/index';
import type { GalleryApi, GalleryEntry, GalleryWindow } from './galleryApi';

type AnyHandle = ChartHandle<unknown, Record<string, unknown>>;

const PAGE_CSS = `
body { margin: 0; padding: 16px; background: var(--vscode-editor-background, #1f1f1f); color: var(--vscode-editor-foreground, #ccc); }
body.vscode-light { background: var(--vscode-editor-background, #fff); color: var(--vscode-editor-foreground, #3b3b3b); }
body.vscode-high-contrast { background: #000; color: #fff; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
.card { padding: 10px 12px 12px; border: 1px solid rgba(128,128,128,0.35); border-radius: 6px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card header { display: flex; align-items: center; justify-content: space-between; margin-bottom: 6px; }
.card h2 { font-size: 13px; font-weight: 600; margin: 0; font-family: system-ui, "DejaVu Sans", sans-serif; }
`;

const handles = new Map<string, AnyHandle>();
const cspViolations: string[] = [];
const errors: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`));
window.addEventListener('error', (e) => errors.push(String(e.message)));

function draw(el: HTMLElement, e: GalleryEntry): AnyHandle {
  const h = ((): unknown => {
    switch (e.kind) {
      case 'line':
        return lineChart(el, e.data, e.options);
      case 'heatmap':
        return heatmap(el, e.data, e.options);
      case 'attention':
        return attentionPattern(el, e.data, e.options);
      case 'attention-grid':
        return attentionGrid(el, e.data, e.options);
      case 'bar':
        return barChart(el, e.data, e.options);
      case 'table':
        return tableChart(el, e.data, e.options);
      case 'contour':
        return contourPaths(el, e.data, e.options);
      case 'traces':
        return contourPaths(el, contourFromTraces(e.data), e.options);
      case 'histogram':
        return histogram(el, e.data, e.options);
      case 'coloredGraph':
        return coloredGraph(el, e.data, e.options);
      case 'gridTrajectories':
        return gridTrajectories(el, e.data, e.options);
    }
  })();
  return h as AnyHandle;
}

function get(id: string): AnyHandle {
  const h = handles.get(id);
  if (h === undefined) throw new Error(`gallery: no chart "${id}"`);
  return h;
}

function base64(blob: Blob): Promise<string> {
  return blob.arrayBuffer().then((buf) => {
    let s = '';
    const bytes = new Uint8Array(buf);
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
}

const api: GalleryApi = {
  render(entries) {
    const t0 = performance.now();
    ensureChartStyles();
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(PAGE_CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    for (const h of handles.values()) h.destroy();
    handles.clear();
    let grid = document.querySelector<HTMLElement>('.gallery');
    if (grid === null) {
      grid = document.createElement('main');
      grid.className = 'gallery';
      document.body.appendChild(grid);
    }
    grid.replaceChildren();
    for (const e of entries) {
      const card = document.createElement('section');
      card.className = e.wide ? 'card wide' : 'card';
      card.id = `chart-${e.id}`;
      const header = document.createElement('header');
      const h2 = document.createElement('h2');
      h2.textContent = e.title;
      header.appendChild(h2);
      const body = document.createElement('div');
      card.append(header, body);
      grid.appendChild(card);
      const h = draw(body, { ...e, options: { title: e.title, ...e.options } } as GalleryEntry);
      handles.set(e.id, h);
      attachExportMenu(header, h, { filename: e.id });
    }
    return performance.now() - t0;
  },
  update(id, options) {
    const h = get(id);
    h.update(undefined, options);
  },
  table: (id) => get(id).table(),
  exportSvg: (id) => exportSvg(get(id).root),
  exportPng: async (id, scale) => base64(await exportPng(get(id).root, scale)),
  exportCsv: (id) => exportCsv(get(id).table()),
  redrawMs(id, times) {
    const h = get(id);
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      h.update();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return ms[Math.floor(ms.length / 2)] ?? NaN;
  },
  cspViolations,
  errors,
};

(window as unknown as GalleryWindow).attentionLabGallery = api;
