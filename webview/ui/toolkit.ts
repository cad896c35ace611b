/**
 * The ONE module through which webview code uses @vscode/webview-ui-toolkit. The package is
 * archived upstream (January 2025); apps import these helpers instead of the package, so moving
 * to its successor (@vscode-elements/elements) or to plain elements changes this file only.
 *
 * Call `registerToolkit()` once at start-up, before building controls (the toolkit registers
 * nothing by itself). Avoided on purpose because their templates set inline style attributes that
 * a strict CSP reports: <vscode-badge> (replaced by `badge`) and a determinate
 * <vscode-progress-ring> (only the indeterminate ring is offered). Every helper returns a ready element with its listener attached; text goes
 * in through textContent, never HTML.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the toolkit's custom elements (idempotent). */
export function registerToolkit(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
  registered = true;
}

/** A control whose current value can be read and set. */
export interface ValueElement extends HTMLElement {
  value: string;
}

/** A control with a checked state. */
export interface CheckedElement extends HTMLElement {
  checked: boolean;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary' | 'icon';
  /** Tooltip and accessible name (required for icon buttons). */
  title?: string;
  disabled?: boolean;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (options.appearance) b.setAttribute('appearance', options.appearance);
  if (options.title) {
    b.setAttribute('title', options.title);
    b.setAttribute('aria-label', options.title);
  }
  if (options.disabled) b.setAttribute('disabled', '');
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export interface Choice<T extends string> {
  value: T;
  label: string;
}

/** A dropdown of choices; `onChange` gets the chosen value (one of `choices`). */
export function dropdown<T extends string>(choices: readonly Choice<T>[], selected: T | undefined, onChange: (value: T) => void, ariaLabel: string): ValueElement {
  const d = document.createElement('vscode-dropdown') as unknown as ValueElement;
  d.setAttribute('aria-label', ariaLabel);
  for (const c of choices) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', c.value);
    o.textContent = c.label;
    if (c.value === selected) o.setAttribute('selected', '');
    d.appendChild(o);
  }
  d.addEventListener('change', () => {
    const c = choices.find((x) => x.value === d.value);
    if (c !== undefined) onChange(c.value);
  });
  return d;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): CheckedElement {
  const c = document.createElement('vscode-checkbox') as unknown as CheckedElement;
  c.textContent = label;
  if (checked) c.setAttribute('checked', '');
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

export function textField(label: string, value: string, onInput: (value: string) => void, placeholder?: string): ValueElement {
  const t = document.createElement('vscode-text-field') as unknown as ValueElement;
  t.textContent = label;
  t.setAttribute('value', value);
  if (placeholder) t.setAttribute('placeholder', placeholder);
  t.addEventListener('input', () => onInput(t.value));
  return t;
}

/**
 * A native range input (the toolkit has no slider): the smoothing slider. Styled by the page;
 * `onInput` gets the number on every move.
 */
export function slider(label: string, min: number, max: number, step: number, value: number, onInput: (value: number) => void): HTMLLabelElement {
  ensureToolkitStyles();
  const wrap = document.createElement('label');
  wrap.className = 'al-slider';
  const text = document.createElement('span');
  text.textContent = label;
  const input = document.createElement('input');
  input.type = 'range';
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  input.value = String(value);
  const out = document.createElement('output');
  out.textContent = String(value);
  input.addEventListener('input', () => {
    out.textContent = input.value;
    onInput(Number(input.value));
  });
  wrap.append(text, input, out);
  return wrap;
}

/**
 * A count badge. Not the toolkit's <vscode-badge>: its template carries an inline style attribute,
 * which the webview CSP (no 'unsafe-inline') reports as a violation. Styled with VS Code's badge
 * colours through the stylesheet installed by `ensureToolkitStyles`.
 */
export function badge(text: string): HTMLElement {
  ensureToolkitStyles();
  const b = document.createElement('span');
  b.className = 'al-badge';
  b.textContent = text;
  return b;
}

const TOOLKIT_CSS = `
.al-badge { display: inline-block; box-sizing: border-box; min-width: 18px; padding: 2px 6px; border-radius: 11px; font-size: 11px; line-height: 14px; text-align: center; background: var(--vscode-badge-background, #616161); color: var(--vscode-badge-foreground, #f8f8f8); }
.al-slider { display: inline-flex; align-items: center; gap: 8px; }
.al-slider input[type="range"] { accent-color: var(--vscode-button-background, #0078d4); }
.al-slider output { min-width: 3ch; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground, inherit); }
`;
let stylesInstalled = false;

/** The few styles of our own controls, as a constructed stylesheet (allowed by the CSP). */
function ensureToolkitStyles(): void {
  if (stylesInstalled) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(TOOLKIT_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  stylesInstalled = true;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}

export function progressRing(ariaLabel = 'Loading'): HTMLElement {
  const p = document.createElement('vscode-progress-ring');
  p.setAttribute('aria-label', ariaLabel);
  return p;
}

export interface Tab {
  id: string;
  label: string;
  content: HTMLElement;
}

/** Tabbed panels; `onChange` gets the id of the tab the user opens. */
export function panels(tabs: readonly Tab[], activeId?: string, onChange?: (id: string) => void): HTMLElement {
  const p = document.createElement('vscode-panels');
  for (const t of tabs) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${t.id}`;
    tab.textContent = t.label;
    p.appendChild(tab);
  }
  for (const t of tabs) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${t.id}`;
    view.appendChild(t.content);
    p.appendChild(view);
  }
  if (activeId !== undefined) p.setAttribute('activeid', `tab-${activeId}`);
  let last = activeId;
  p.addEventListener('change', (ev) => {
    if (ev.target !== p) return;
    // The `activeid` property is current when `change` fires; the attribute may lag behind.
    const active = (p as unknown as { activeid?: string }).activeid ?? '';
    const id = active.startsWith('tab-') ? active.slice(4) : undefined;
    if (id !== undefined && id !== last) {
      last = id;
      onChange?.(id);
    }
  });
  return p;
}

/** A read-only data grid (e.g. the inspector's tensor table); columns in the given order. */
export function dataGrid(columns: readonly { key: string; title: string }[], rows: readonly Record<string, string | number>[], ariaLabel: string): HTMLElement {
  const g = document.createElement('vscode-data-grid');
  g.setAttribute('aria-label', ariaLabel);
  g.setAttribute('generate-header', 'none');
  const header = document.createElement('vscode-data-grid-row');
  header.setAttribute('row-type', 'header');
  columns.forEach((c, i) => {
    const cell = document.createElement('vscode-data-grid-cell');
    cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(i + 1));
    cell.textContent = c.title;
    header.appendChild(cell);
  });
  g.appendChild(header);
  for (const r of rows) {
    const row = document.createElement('vscode-data-grid-row');
    columns.forEach((c, i) => {
      const cell = document.createElement('vscode-data-grid-cell');
      cell.setAttribute('grid-column', String(i + 1));
      cell.textContent = String(r[c.key] ?? '');
      row.appendChild(cell);
    });
    g.appendChild(row);
  }
  return g;
}
