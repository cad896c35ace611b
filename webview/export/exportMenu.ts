/**
 * A small "Export" menu button for any chart: PNG, SVG, CSV. Saving is the app's business (a
 * webview cannot download: the dashboard posts the file to the extension host, which shows a
 * save dialog); the default `save` downloads through a link, which works in a browser or a
 * static HTML report.
 */
import { exportCsv } from './exportCsv';
import { exportPng } from './exportPng';
import { exportSvg } from './exportSvg';
import type { DataTable } from '../charts/types';

export type ExportFormat = 'png' | 'svg' | 'csv';

export interface ExportFile {
  format: ExportFormat;
  /** File name with extension, e.g. "loss.png". */
  name: string;
  mime: string;
  /** Text for SVG and CSV, a Blob for PNG. */
  data: string | Blob;
}

/** What the menu exports: any chart handle fits. */
export interface Exportable {
  readonly root: HTMLElement;
  table(): DataTable;
}

export interface ExportMenuOptions {
  /** File name stem; "chart" by default. */
  filename?: string;
  /** PNG scale; 2 by default. */
  scale?: number;
  save?: (file: ExportFile) => void | Promise<void>;
  /** Called when an export fails (e.g. a CSP that blocks data: images). */
  onError?: (error: Error) => void;
}

/** Builds the file of one format. */
export async function exportChart(chart: Exportable, format: ExportFormat, filename = 'chart', scale = 2): Promise<ExportFile> {
  const stem = filename.replace(/[^\w.-]+/g, '-') || 'chart';
  if (format === 'csv') return { format, name: `${stem}.csv`, mime: 'text/csv', data: exportCsv(chart.table()) };
  if (format === 'svg') return { format, name: `${stem}.svg`, mime: 'image/svg+xml', data: exportSvg(chart.root) };
  return { format, name: `${stem}.png`, mime: 'image/png', data: await exportPng(chart.root, scale) };
}

/** Downloads through a temporary link (browsers and static reports). */
export function downloadFile(file: ExportFile): void {
  const blob = typeof file.data === 'string' ? new Blob([file.data], { type: file.mime }) : file.data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Appends the menu to `parent` (e.g. the chart card's header) and returns its element. */
export function attachExportMenu(parent: HTMLElement, chart: Exportable, options: ExportMenuOptions = {}): HTMLElement {
  const doc = parent.ownerDocument;
  const wrap = doc.createElement('div');
  wrap.className = 'al-export';
  const button = doc.createElement('button');
  button.type = 'button';
  button.textContent = 'Export';
  button.setAttribute('aria-haspopup', 'menu');
  button.setAttribute('aria-expanded', 'false');
  const menu = doc.createElement('div');
  menu.setAttribute('role', 'menu');
  menu.hidden = true;
  const items: HTMLButtonElement[] = [];
  const close = (): void => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  };
  for (const format of ['png', 'svg', 'csv'] as const) {
    const item = doc.createElement('button');
    item.type = 'button';
    item.setAttribute('role', 'menuitem');
    item.dataset.format = format;
    item.tabIndex = -1;
    item.textContent = format.toUpperCase();
    item.addEventListener('click', () => {
      close();
      button.focus();
      exportChart(chart, format, options.filename, options.scale)
        .then((file) => (options.save ?? downloadFile)(file))
        .catch((e: unknown) => options.onError?.(e instanceof Error ? e : new Error(String(e))));
    });
    items.push(item);
    menu.appendChild(item);
  }
  button.addEventListener('click', () => {
    const open = menu.hidden;
    menu.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) items[0]?.focus();
  });
  menu.addEventListener('keydown', (ev) => {
    const i = items.indexOf(doc.activeElement as HTMLButtonElement);
    if (ev.key === 'ArrowDown') items[(i + 1) % items.length]?.focus();
    else if (ev.key === 'ArrowUp') items[(i - 1 + items.length) % items.length]?.focus();
    else if (ev.key === 'Escape') {
      close();
      button.focus();
    } else return;
    ev.preventDefault();
  });
  wrap.addEventListener('focusout', (ev) => {
    if (!wrap.contains(ev.relatedTarget as Node | null)) close();
  });
  wrap.append(button, menu);
  parent.appendChild(wrap);
  return wrap;
}
