/**
 * Checks one optimizer hyper-parameter and throws a message naming the optimizer, the field,
 * the allowed range and the value: configs come from JSON files and the command line.
 * `lo`/`hi` are bounds; `open` marks which of them are excluded.
 */
export function checkHyper(
  optimizer: string,
  field: string,
  value: unknown,
  lo: number,
  hi: number,
  open: { lo?: boolean; hi?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (open.lo ? value > lo : value >= lo) &&
    (open.hi ? value < hi : value <= hi);
  if (!ok) {
    const range = `${open.lo ? '(' : '['}${lo}, ${hi === Infinity ? '∞)' : `${hi}${open.hi ? ')' : ']'}`}`;
    throw new Error(`${optimizer}: ${field} must be a finite number in ${range}, got ${String(value)}`);
  }
  return value;
}
