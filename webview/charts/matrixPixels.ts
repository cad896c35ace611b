/**
 * A T × T matrix written into RGBA pixels, one per (row, column): finite values through a
 * 256-entry RGB table (`lut`) on [0, max], non-finite ones in the missing colour (mid-grey if
 * none). Shared by the attention pattern and the all-heads grid.
 */
export function paintMatrixPixels(
  px: Uint8ClampedArray,
  m: readonly (readonly number[] | undefined)[],
  T: number,
  max: number,
  colors: ArrayLike<number>,
  missing: { r: number; g: number; b: number } | undefined,
): void {
  for (let q = 0; q < T; q++) {
    const row = m[q];
    for (let k = 0; k < T; k++) {
      const v = row?.[k] as number;
      const o4 = (q * T + k) * 4;
      if (Number.isFinite(v)) {
        const i = Math.round(Math.max(0, Math.min(1, v / max)) * 255) * 3;
        px[o4] = colors[i] as number;
        px[o4 + 1] = colors[i + 1] as number;
        px[o4 + 2] = colors[i + 2] as number;
      } else {
        px[o4] = missing?.r ?? 128;
        px[o4 + 1] = missing?.g ?? 128;
        px[o4 + 2] = missing?.b ?? 128;
      }
      px[o4 + 3] = 255;
    }
  }
}
