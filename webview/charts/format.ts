/** Number formatting shared by tooltips, cells and tables. */

/**
 * The value as a researcher wants to read it in a tooltip: integers in full, other numbers
 * with up to 6 significant digits (float32 data holds about 7), exponent form when tiny or huge.
 */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

/**
 * Fixed digits for cells and tables (tiny values read as 0.00: the tooltip or title has the
 * full value); exponent form from a million; em dash for missing.
 */
export function formatFixed(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Math.abs(v) >= 1e6) return v.toExponential(2);
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Seconds as a short duration: 42s, 3m05s, 1h02m (wall-time axes and tooltips). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '−' : '';
  const t = Math.abs(seconds);
  if (t < 10) return `${sign}${Number(t.toPrecision(2))}s`;
  if (t < 60) return `${sign}${Math.round(t)}s`;
  const m = Math.floor(t / 60);
  if (m < 60) return `${sign}${m}m${String(Math.round(t % 60)).padStart(2, '0')}s`;
  return `${sign}${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
