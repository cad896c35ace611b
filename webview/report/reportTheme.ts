/**
 * A VS Code theme for the static HTML report, which opens in a browser where none of VS Code's
 * `--vscode-*` variables exist. Without them the UI toolkit falls back to its built-in dark
 * palette (light-grey text, dark dropdowns) on the report's white page. The report sets the
 * variables the toolkit and the page styles read — Light Modern or Dark Modern values, chosen by
 * the browser's colour scheme — and the body class VS Code would set, which the toolkit and the
 * charts watch, before the toolkit applies its theme on the window's `load` event.
 */

type Palette = Record<string, string>;

const COMMON: Palette = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", Ubuntu, "DejaVu Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
};

/** VS Code's Light Modern theme, the colours the toolkit and the page read. */
export const LIGHT: Palette = {
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-border': '#0000001a',
  '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-checkbox-background': '#f8f8f8',
  '--vscode-checkbox-border': '#cecece',
  '--vscode-checkbox-foreground': '#3b3b3b',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-settings-dropdownListBorder': '#cecece',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-input-placeholderForeground': '#767676',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-list-activeSelectionBackground': '#e8e8e8',
  '--vscode-list-activeSelectionForeground': '#000000',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-panel-background': '#f8f8f8',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-panelTitle-activeBorder': '#005fb8',
  '--vscode-panelTitle-activeForeground': '#3b3b3b',
  '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
  '--vscode-progressBar-background': '#005fb8',
  '--vscode-scrollbarSlider-background': '#64646466',
  '--vscode-scrollbarSlider-hoverBackground': '#646464b3',
  '--vscode-scrollbarSlider-activeBackground': '#00000099',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-textLink-activeForeground': '#005fb8',
  '--vscode-editorHoverWidget-background': '#f8f8f8',
  '--vscode-editorHoverWidget-foreground': '#3b3b3b',
  '--vscode-editorHoverWidget-border': '#c8c8c8',
};

/** VS Code's Dark Modern theme. */
export const DARK: Palette = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-border': '#ffffff12',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-checkbox-background': '#313131',
  '--vscode-checkbox-border': '#3c3c3c',
  '--vscode-checkbox-foreground': '#cccccc',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-settings-dropdownListBorder': '#454545',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-activeSelectionForeground': '#ffffff',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-panel-background': '#181818',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-panelTitle-activeBorder': '#0078d4',
  '--vscode-panelTitle-activeForeground': '#cccccc',
  '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
  '--vscode-progressBar-background': '#0078d4',
  '--vscode-scrollbarSlider-background': '#79797966',
  '--vscode-scrollbarSlider-hoverBackground': '#646464b3',
  '--vscode-scrollbarSlider-activeBackground': '#bfbfbf66',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-textLink-activeForeground': '#4daafc',
  '--vscode-editorHoverWidget-background': '#202020',
  '--vscode-editorHoverWidget-foreground': '#cccccc',
  '--vscode-editorHoverWidget-border': '#454545',
};

function apply(doc: Document, dark: boolean): void {
  const root = doc.documentElement;
  for (const [k, v] of Object.entries({ ...COMMON, ...(dark ? DARK : LIGHT) })) root.style.setProperty(k, v);
  root.style.colorScheme = dark ? 'dark' : 'light';
  const body = doc.body;
  body.classList.toggle('vscode-dark', dark);
  body.classList.toggle('vscode-light', !dark);
  body.setAttribute('data-vscode-theme-kind', dark ? 'vscode-dark' : 'vscode-light');
}

/**
 * Applies the theme of the browser's colour scheme now, and again when it changes (the toolkit
 * and the charts redraw on the body class change). Call before the toolkit's controls are built.
 */
export function applyReportTheme(doc: Document = document): void {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  apply(doc, media?.matches === true);
  media?.addEventListener('change', (e) => apply(doc, e.matches));
}
