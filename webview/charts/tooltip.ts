/** The hover tooltip every chart shares: text only (no HTML from data), kept inside the chart. */

export interface TooltipRow {
  label: string;
  value: string;
  /** A colour swatch before the label. */
  color?: string;
}

export interface Tooltip {
  readonly element: HTMLElement;
  /** Shows a title and rows near (x, y), in pixels relative to the chart root. */
  show(title: string, rows: TooltipRow[], x: number, y: number): void;
  hide(): void;
}

export function createTooltip(root: HTMLElement): Tooltip {
  const el = document.createElement('div');
  el.className = 'al-tooltip';
  el.setAttribute('role', 'tooltip');
  el.hidden = true;
  root.appendChild(el);
  return {
    element: el,
    show(title, rows, x, y) {
      el.replaceChildren();
      const t = document.createElement('div');
      t.className = 'al-tip-title';
      t.textContent = title;
      el.appendChild(t);
      for (const r of rows) {
        const row = document.createElement('div');
        row.className = 'al-tip-row';
        if (r.color !== undefined) {
          const sw = document.createElement('span');
          sw.className = 'al-swatch';
          sw.style.background = r.color;
          row.appendChild(sw);
        }
        const label = document.createElement('span');
        label.textContent = r.label;
        const value = document.createElement('span');
        value.className = 'al-tip-value';
        value.textContent = r.value;
        row.append(label, value);
        el.appendChild(row);
      }
      el.hidden = false;
      // Place right-below the pointer, flipped to stay inside the chart.
      const w = el.offsetWidth;
      const h = el.offsetHeight;
      const maxX = root.clientWidth;
      let left = x + 14;
      if (left + w > maxX) left = Math.max(0, x - 14 - w);
      let top = y + 14;
      if (top + h > root.clientHeight && y - 14 - h >= 0) top = y - 14 - h;
      el.style.left = `${left}px`;
      el.style.top = `${top}px`;
    },
    hide() {
      el.hidden = true;
    },
  };
}
