/**
 * A titled card holding one chart, with the chart library's export menu (PNG, SVG, CSV). In VS
 * Code the export goes to the host (a save dialog); in the static report it downloads.
 */
import { attachExportMenu, type ExportFile } from '../export/index';
import type { DataTable } from '../charts/types';
import type { AppHost } from './host';
import { el } from './dom';

export interface ChartCard {
  readonly card: HTMLElement;
  readonly body: HTMLElement;
  /** Wires the export menu to the chart now in the body (call again after replacing it). */
  setChart(chart: { readonly root: HTMLElement; table(): DataTable } | null): void;
}

async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The save function for a host: post to VS Code, or download in a plain browser page. */
export function saveThrough(host: AppHost): ((file: ExportFile) => Promise<void>) | undefined {
  if (!host.connected) return undefined;
  return async (file) => {
    const data = typeof file.data === 'string' ? file.data : await blobToBase64(file.data);
    await host.request('export/save', { format: file.format, fileName: file.name, data });
  };
}

export function chartCard(parent: HTMLElement, host: AppHost, id: string, title: string, opts: { wide?: boolean; note?: string } = {}): ChartCard {
  const head = el('div', { class: 'al-card-head' }, el('h2', {}, title));
  const body = el('div', { class: 'al-card-body' });
  const card = el('section', { class: `al-card${opts.wide ? ' al-wide' : ''}`, id: `card-${id}`, 'aria-label': title }, head);
  if (opts.note) card.append(el('div', { class: 'al-muted' }, opts.note));
  card.append(body);
  parent.append(card);
  let menu: HTMLElement | null = null;
  return {
    card,
    body,
    setChart(chart) {
      menu?.remove();
      menu = null;
      if (chart) {
        const save = saveThrough(host);
        menu = attachExportMenu(head, chart, { filename: id, ...(save ? { save } : {}), onError: (e) => console.warn(`export failed: ${e.message}`) });
      }
    },
  };
}
