/**
 * The line chart's CSV: what is drawn (smoothed), the raw value when smoothed, and the band (± std,
 * or its low and high bounds). Pure, no DOM.
 */
import type { Drawn } from './lineScales';
import type { DataTable, LineSeries } from './types';

/** Each series' std by x, as given (the tooltip shows it unsmoothed). */
export type StdBySeries = Map<string, Map<number, number | undefined>>;

/** The table of the drawn series `all` of `data`, and the std lookup the tooltip shares. */
export function lineTable(data: LineSeries[], all: Drawn[], smoothing: number): { table: DataTable; stdOf: StdBySeries } {
  const hasStd = data.some((s) => s.points.some((p) => p.std !== undefined));
  const lohi = data.some((s) => s.points.some((p) => p.lo !== undefined));
  const columns = ['series', 'x', smoothing > 0 ? `y (EMA ${smoothing})` : 'y', ...(hasStd || !lohi ? ['std'] : []), ...(smoothing > 0 ? ['y raw'] : []), ...(lohi ? ['band low', 'band high'] : [])];
  const stdOf: StdBySeries = new Map(data.map((s) => [s.id, new Map(s.points.map((p) => [p.x, p.std]))]));
  const rows = all.flatMap((d) =>
    d.points.map((p) => {
      const std = smoothing > 0 ? (p.lo !== undefined && p.hi !== undefined ? (p.hi - p.lo) / 2 : null) : (stdOf.get(d.series.id)?.get(p.x) ?? null);
      return [d.series.label, p.x, p.y, ...(hasStd || !lohi ? [std] : []), ...(smoothing > 0 ? [p.raw] : []), ...(lohi ? [p.lo ?? null, p.hi ?? null] : [])];
    }),
  );
  return { table: { columns, rows }, stdOf };
}
