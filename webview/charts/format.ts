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
