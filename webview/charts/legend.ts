/** An HTML legend whose entries are toggle buttons (reachable with Tab, toggled with Enter/Space). */

export interface LegendEntry {
  id: string;
  label: string;
  color: string;
  /** 'line' swatch (default) or a filled 'box'. */
  shape?: 'line' | 'box';
  dashed?: boolean;
}

/**
 * Appends a legend to `parent`. With `onToggle`, entries are buttons with aria-pressed; without,
 * plain labels.
 */
export function drawLegend(
  parent: HTMLElement,
  entries: LegendEntry[],
  hidden: ReadonlySet<string>,
  onToggle?: (id: string) => void,
): HTMLElement {
  const doc = parent.ownerDocument;
  const list = doc.createElement('div');
  list.className = 'al-legend';
  list.setAttribute('role', onToggle ? 'group' : 'list');
  list.setAttribute('aria-label', 'Legend');
  for (const e of entries) {
    const item = doc.createElement(onToggle ? 'button' : 'span');
    item.dataset.series = e.id;
    const sw = doc.createElement('span');
    sw.className = e.shape === 'box' ? 'al-swatch al-box' : 'al-swatch';
    if (e.dashed) sw.style.background = `repeating-linear-gradient(90deg, ${e.color} 0 4px, transparent 4px 7px)`;
    else sw.style.background = e.color;
    const text = doc.createElement('span');
    text.textContent = e.label;
    item.append(sw, text);
    if (onToggle && item instanceof HTMLButtonElement) {
      item.type = 'button';
      item.setAttribute('aria-pressed', String(!hidden.has(e.id)));
      item.title = `Show or hide ${e.label}`;
      item.addEventListener('click', () => onToggle(e.id));
    } else {
      item.setAttribute('role', 'listitem');
      item.style.display = 'inline-flex';
      item.style.alignItems = 'center';
      item.style.gap = '6px';
      item.style.padding = '2px 6px';
    }
    list.appendChild(item);
  }
  parent.appendChild(list);
  return list;
}

/** Adds or removes `id` in a hidden list. */
export function toggled(hidden: readonly string[] | undefined, id: string): string[] {
  const set = new Set(hidden ?? []);
  if (set.has(id)) set.delete(id);
  else set.add(id);
  return [...set];
}
