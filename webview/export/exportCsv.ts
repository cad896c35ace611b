/** CSV export of a chart's data table (RFC 4180 quoting; numbers written in full precision). */
import type { DataTable } from '../charts/types';

function cell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The table as CSV text: a header line, then one line per row, lines ended by CRLF. */
export function exportCsv(table: DataTable): string {
  for (const [i, r] of table.rows.entries()) {
    if (r.length !== table.columns.length) {
      throw new RangeError(`exportCsv: row ${i} has ${r.length} cells, the header has ${table.columns.length}`);
    }
  }
  return [table.columns, ...table.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
