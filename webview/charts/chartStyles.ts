/**
 * The charts' stylesheet, installed once per document through `adoptedStyleSheets`: a strict
 * webview CSP (style-src with a nonce only) blocks <style> elements and style attributes we do
 * not own, but not constructed stylesheets or CSSOM writes (webview-notes.md). Colours come from
 * custom properties that each chart root sets from the current theme (`applyThemeVars`).
 */
import type { ChartTheme } from '../theme/theme';

const CSS = `
.al-chart { position: relative; box-sizing: border-box; width: 100%; color: var(--al-fg); font-family: var(--al-font); font-size: var(--al-font-size); line-height: 1.35; }
.al-chart svg { display: block; overflow: visible; font-family: var(--al-font); }
.al-chart .al-plot:focus { outline: none; }
.al-chart .al-plot:focus-visible { outline: 1px solid var(--al-focus); outline-offset: 2px; }
.al-chart .al-empty { display: flex; align-items: center; justify-content: center; min-height: 120px; border: 1px dashed var(--al-grid); border-radius: 4px; color: var(--al-muted); font-style: italic; padding: 12px; text-align: center; }
.al-chart .al-legend { display: flex; flex-wrap: wrap; gap: 2px 6px; margin: 0 0 4px 0; padding: 0; list-style: none; }
.al-chart .al-legend button { display: inline-flex; align-items: center; gap: 6px; font: inherit; color: var(--al-fg); background: transparent; border: 1px solid transparent; border-radius: 3px; padding: 2px 6px; cursor: pointer; }
.al-chart .al-legend button:hover { border-color: var(--al-grid); }
.al-chart .al-legend button:focus-visible { outline: 1px solid var(--al-focus); outline-offset: 0; }
.al-chart .al-legend button[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
.al-chart .al-swatch { display: inline-block; width: 14px; height: 3px; border-radius: 2px; }
.al-chart .al-swatch.al-box { width: 10px; height: 10px; }
.al-chart .al-caption { color: var(--al-muted); font-size: 0.92em; margin-top: 2px; }
.al-chart .al-tooltip { position: absolute; z-index: 10; pointer-events: none; min-width: 80px; max-width: 320px; padding: 5px 8px; background: var(--al-tip-bg); color: var(--al-tip-fg); border: 1px solid var(--al-border); border-radius: 3px; box-shadow: 0 2px 8px rgba(0,0,0,0.25); font-size: 0.95em; white-space: nowrap; }
.al-chart .al-tooltip[hidden] { display: none; }
.al-chart .al-tooltip .al-tip-title { font-weight: 600; margin-bottom: 2px; }
.al-chart .al-tooltip .al-tip-row { display: flex; align-items: center; gap: 6px; }
.al-chart .al-tooltip .al-tip-row .al-tip-value { margin-left: auto; padding-left: 12px; font-variant-numeric: tabular-nums; }
.al-chart .al-canvas-wrap { position: relative; }
.al-chart .al-canvas-wrap canvas { position: absolute; image-rendering: pixelated; }
.al-chart .al-canvas-wrap svg { position: absolute; left: 0; top: 0; }
.al-chart table.al-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.al-chart table.al-table th, .al-chart table.al-table td { padding: 4px 10px; border-bottom: 1px solid var(--al-grid); text-align: left; }
.al-chart table.al-table td.al-num, .al-chart table.al-table th.al-num { text-align: right; }
.al-chart .al-table-scroll { overflow-x: auto; }
.al-chart table.al-table td:first-child { white-space: nowrap; }
.al-chart table.al-table th { font-weight: 600; }
.al-chart table.al-table th button { font: inherit; font-weight: 600; color: inherit; background: none; border: none; padding: 0; cursor: pointer; }
.al-chart table.al-table th button:focus-visible { outline: 1px solid var(--al-focus); outline-offset: 2px; }
.al-chart table.al-table td.al-best { font-weight: 700; color: var(--al-accent); }
.al-chart table.al-table tbody tr:hover { background: var(--al-hover); }
.al-chart .al-zoom-reset { position: absolute; right: 16px; z-index: 5; font: inherit; font-size: 0.9em; color: var(--al-fg); background: var(--al-tip-bg); border: 1px solid var(--al-grid); border-radius: 3px; padding: 1px 8px; cursor: pointer; }
.al-chart .al-zoom-reset:focus-visible { outline: 1px solid var(--al-focus); }
.al-export { position: relative; display: inline-block; }
.al-export > button { font: inherit; font-size: 0.9em; color: var(--al-fg, inherit); background: transparent; border: 1px solid var(--al-grid, #888); border-radius: 3px; padding: 1px 8px; cursor: pointer; }
.al-export > button:focus-visible, .al-export [role="menuitem"]:focus-visible { outline: 1px solid var(--al-focus, #0078d4); }
.al-export [role="menu"] { position: absolute; right: 0; z-index: 20; margin: 2px 0 0 0; padding: 3px 0; min-width: 90px; list-style: none; background: var(--al-tip-bg, #fff); border: 1px solid var(--al-border, #888); border-radius: 3px; box-shadow: 0 2px 8px rgba(0,0,0,0.25); }
.al-export [role="menu"][hidden] { display: none; }
.al-export [role="menuitem"] { display: block; width: 100%; text-align: left; font: inherit; color: var(--al-tip-fg, inherit); background: none; border: none; padding: 3px 12px; cursor: pointer; }
.al-export [role="menuitem"]:hover { background: var(--al-hover, rgba(128,128,128,0.2)); }
`;

const installed = new WeakSet<Document>();

/** Installs the stylesheet in `doc` once. */
export function ensureChartStyles(doc: Document = document): void {
  if (installed.has(doc)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  installed.add(doc);
}

/** Sets the theme's colours as custom properties on a chart root (CSSOM: allowed by the CSP). */
export function applyThemeVars(el: HTMLElement, theme: ChartTheme): void {
  const s = el.style;
  s.setProperty('--al-fg', theme.foreground);
  s.setProperty('--al-muted', theme.muted);
  s.setProperty('--al-grid', theme.grid);
  s.setProperty('--al-border', theme.border);
  s.setProperty('--al-focus', theme.focus);
  s.setProperty('--al-tip-bg', theme.tooltipBackground);
  s.setProperty('--al-tip-fg', theme.tooltipForeground);
  s.setProperty('--al-accent', theme.series[0] ?? theme.foreground);
  s.setProperty('--al-hover', theme.kind === 'dark' || theme.kind === 'high-contrast' ? 'rgba(255,255,255,0.06)' : 'rgba(0,0,0,0.04)');
  s.setProperty('--al-font', theme.fontFamily);
  s.setProperty('--al-font-size', `${theme.fontSize}px`);
}
