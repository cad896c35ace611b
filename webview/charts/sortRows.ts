/** Row sorting for the table chart (no DOM: unit-tested in Node). */
import type { TableData } from './types';

type Cell = string | number | null;

/** Sorted copy of the rows: numbers numerically, text by locale, missing values last. */
export function sortRows(rows: TableData['rows'], key: string, descending: boolean): TableData['rows'] {
  const missing = (v: Cell | undefined): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  return rows
    .map((r, i) => [r, i] as const)
    .sort(([a, ia], [b, ib]) => {
      const va = a[key];
      const vb = b[key];
      if (missing(va) || missing(vb)) return missing(va) === missing(vb) ? ia - ib : missing(va) ? 1 : -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return (descending ? -c : c) || ia - ib;
    })
    .map(([r]) => r);
}
