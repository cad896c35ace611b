/**
 * A sortable table (the optimizer comparison): click a header, or Tab to it and press
 * Enter/Space, to sort by that column; again to reverse. Numbers are right-aligned with fixed
 * digits and the full value in the cell's title; the best value of a column can be marked,
 * and with confidence intervals only when they separate it from every other row's.
 */
import { makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import { formatFixed, formatValue } from './format';
import type { ChartHandle, ChartTarget } from './handle';
import { intervalsSeparateBest } from './bestValue';
import { sortRows } from './sortRows';
import type { DataTable, TableColumn, TableData, TableOptions } from './types';

function isNumeric(col: TableColumn, rows: TableData['rows']): boolean {
  if (col.type !== undefined) return col.type === 'number';
  return rows.some((r) => typeof r[col.key] === 'number');
}

function draw(ctx: DrawContext<TableOptions>, data: TableData): DataTable {
  const { root, options: o } = ctx;
  const table: DataTable = {
    columns: data.columns.map((c) => c.label),
    rows: data.rows.map((r) => data.columns.map((c) => r[c.key] ?? null)),
  };
  if (data.rows.length === 0 || data.columns.length === 0) {
    ctx.empty();
    return table;
  }
  const doc = root.ownerDocument;
  const el = doc.createElement('table');
  el.className = 'al-table';
  if (o.title) el.setAttribute('aria-label', o.title);
  const numeric = new Map(data.columns.map((c) => [c.key, isNumeric(c, data.rows)]));
  const best = new Map<string, number>();
  for (const c of data.columns) {
    if (c.best === undefined) continue;
    const withValue = data.rows.filter((r) => typeof r[c.key] === 'number' && Number.isFinite(r[c.key]));
    const vs = withValue.map((r) => r[c.key] as number);
    if (vs.length === 0) continue;
    const b = c.best === 'min' ? Math.min(...vs) : Math.max(...vs);
    if (c.interval === undefined || intervalsSeparateBest(withValue, c.key, b, c.interval)) best.set(c.key, b);
  }
  const thead = el.createTHead().insertRow();
  for (const c of data.columns) {
    const th = doc.createElement('th');
    th.scope = 'col';
    if (numeric.get(c.key)) th.className = 'al-num';
    const sorted = o.sortBy === c.key;
    th.setAttribute('aria-sort', sorted ? (o.descending ? 'descending' : 'ascending') : 'none');
    const b = doc.createElement('button');
    b.type = 'button';
    b.dataset.key = c.key;
    b.textContent = c.label + (sorted ? (o.descending ? ' ▼' : ' ▲') : '');
    b.title = `Sort by ${c.label}`;
    b.addEventListener('click', () => {
      const descending = sorted ? !o.descending : false;
      o.onSort?.(c.key, descending);
      ctx.setOptions({ sortBy: c.key, descending });
      root.querySelector<HTMLButtonElement>(`th button[data-key="${CSS.escape(c.key)}"]`)?.focus();
    });
    th.appendChild(b);
    thead.appendChild(th);
  }
  const body = el.createTBody();
  const rows = o.sortBy !== undefined ? sortRows(data.rows, o.sortBy, o.descending === true) : data.rows;
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of data.columns) {
      const td = tr.insertCell();
      const v = r[c.key] ?? null;
      if (typeof v === 'number') {
        td.className = 'al-num';
        td.textContent = c.digits !== undefined ? formatFixed(v, c.digits) : formatValue(v);
        td.title = formatValue(v);
        td.dataset.value = String(v);
        if (best.get(c.key) === v) td.classList.add('al-best');
      } else {
        if (numeric.get(c.key)) td.className = 'al-num';
        td.textContent = v ?? '—';
      }
    }
  }
  // Wide tables scroll sideways in their card; group names stay on one line.
  const scroll = doc.createElement('div');
  scroll.className = 'al-table-scroll';
  scroll.appendChild(el);
  root.appendChild(scroll);
  return table;
}

/** Renders a sortable table; see TableOptions. */
export function tableChart(target: ChartTarget, data: TableData, options: TableOptions = {}): ChartHandle<TableData, TableOptions> {
  return makeChart('table', target, data, options, draw);
}
