/**
 * Chart colours taken from the VS Code theme. VS Code puts a theme class on <body>
 * (`vscode-dark`, `vscode-light`, `vscode-high-contrast`, `vscode-high-contrast-light`) and the
 * theme's colours as CSS variables (`--vscode-editor-background`, `--vscode-charts-blue`, …) on
 * <html>. Charts resolve them to concrete colours when they draw, so an exported SVG or PNG
 * looks like the screen; outside VS Code (a static HTML report, the gallery) the fallbacks below
 * apply (./palettes.ts), chosen by the body class or else the browser's colour-scheme preference.
 */
import { interpolateRdBu, interpolateViridis, interpolateCividis } from 'd3';
import { distinctColors } from './colorDistance';
import { FALLBACKS, type ThemeKind } from './palettes';
export type { ThemeKind } from './palettes';
export { seriesCandidates } from './palettes';

export interface ChartTheme {
  readonly kind: ThemeKind;
  readonly background: string;
  readonly foreground: string;
  /** Secondary text: axis labels, captions. */
  readonly muted: string;
  /** Grid lines and axis domains. */
  readonly grid: string;
  /** Borders of tooltips, menus and (in high contrast) marks. */
  readonly border: string;
  readonly focus: string;
  readonly tooltipBackground: string;
  readonly tooltipForeground: string;
  /** Categorical colours for series, in order; cycled when there are more series. */
  readonly series: readonly string[];
  /** Colour for missing (NaN) cells. */
  readonly missing: string;
  /** Reference marks (ln n, training length, minima). */
  readonly reference: string;
  /** t ∈ [0, 1] → colour, low to high. */
  readonly sequential: (t: number) => string;
  /** t ∈ [0, 1] → colour, 0.5 is the neutral midpoint. */
  readonly diverging: (t: number) => string;
  readonly fontFamily: string;
  /** Pixels. */
  readonly fontSize: number;
  /** Stroke width of lines: thicker in high contrast. */
  readonly lineWidth: number;
}

/** The theme kind from VS Code's body class; the colour-scheme preference outside VS Code. */
export function themeKind(doc: Document = document): ThemeKind {
  const c = doc.body?.classList;
  if (c?.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c?.contains('vscode-high-contrast')) return 'high-contrast';
  if (c?.contains('vscode-light')) return 'light';
  if (c?.contains('vscode-dark')) return 'dark';
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  return dark ? 'dark' : 'light';
}

/**
 * Reads the current theme. `el` is where CSS variables are looked up (they inherit, so any
 * element inside the page sees VS Code's values); `document.documentElement` by default.
 */
export function readTheme(el: Element = document.documentElement): ChartTheme {
  const kind = themeKind(el.ownerDocument);
  const fb = FALLBACKS[kind];
  const style = getComputedStyle(el);
  const v = (name: string, fallback: string): string => {
    const value = style.getPropertyValue(name).trim();
    return value === '' ? fallback : value;
  };
  const vscodeSeries = ['blue', 'orange', 'green', 'red', 'purple'].map((c, i) => v(`--vscode-charts-${c}`, fb.series[i] as string));
  const yellow = style.getPropertyValue('--vscode-charts-yellow').trim();
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const contrastBorder = style.getPropertyValue('--vscode-contrastBorder').trim();
  const fontSize = Number.parseFloat(v('--vscode-font-size', '13px'));
  const background = v('--vscode-editor-background', fb.background);
  return {
    kind,
    background,
    foreground: v('--vscode-charts-foreground', v('--vscode-editor-foreground', fb.foreground)),
    muted: v('--vscode-descriptionForeground', fb.muted),
    grid: highContrast && contrastBorder !== '' ? contrastBorder : v('--vscode-charts-lines', fb.grid),
    border: v('--vscode-editorHoverWidget-border', contrastBorder === '' ? fb.border : contrastBorder),
    focus: v('--vscode-focusBorder', fb.focus),
    tooltipBackground: v('--vscode-editorHoverWidget-background', fb.tooltipBackground),
    tooltipForeground: v('--vscode-editorHoverWidget-foreground', v('--vscode-editor-foreground', fb.foreground)),
    series: distinctColors([...vscodeSeries, ...fb.series.slice(5), ...(yellow === '' ? [] : [yellow])]),
    missing: fb.missing,
    reference: fb.reference,
    // Viridis reads on dark and light backgrounds and in grey scale; cividis for high contrast
    // (colour-vision safe, monotone lightness).
    sequential: highContrast ? interpolateCividis : interpolateViridis,
    // RdBu reversed: blue below the midpoint, red above.
    diverging: (t: number) => interpolateRdBu(1 - t),
    fontFamily: v('--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", Ubuntu, "DejaVu Sans", sans-serif'),
    fontSize: Number.isFinite(fontSize) && fontSize > 0 ? fontSize : 13,
    lineWidth: highContrast ? 2.5 : 1.75,
  };
}

/** The series colour for index i (cycled). */
export function seriesColor(theme: ChartTheme, i: number): string {
  return theme.series[((i % theme.series.length) + theme.series.length) % theme.series.length] as string;
}

/**
 * Calls `onChange` when VS Code switches theme: the body class changes, or the CSS variables
 * on <html> are rewritten. Returns the function that stops watching.
 */
export function watchTheme(onChange: () => void, doc: Document = document): () => void {
  let pending = false;
  const fire = (): void => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  if (doc.body) observer.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(doc.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  media?.addEventListener('change', fire);
  return () => {
    observer.disconnect();
    media?.removeEventListener('change', fire);
  };
}
