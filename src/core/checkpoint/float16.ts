/**
 * IEEE 754 half precision (F16: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (BF16: 1 sign,
 * 8 exponent, 7 mantissa bits, the upper half of a float32) to and from JS numbers.
 *
 * Encoding rounds the exact double value once, to nearest with ties to even, as IEEE 754 and
 * numpy/PyTorch do; values beyond the largest finite number become ±Infinity, tiny values go
 * through the subnormals to ±0, and NaN becomes the canonical quiet NaN (payload and sign are not
 * kept: a JS number does not reliably carry them). Decoding is exact: every F16/BF16 value is a
 * float32 value.
 */

/** Rounds a non-negative double to an integer, ties to even (the IEEE default rounding). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f; // exact: v < 2^53 wherever this is called
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Bit pattern of `x` in a binary format with `expBits` exponent and `mantBits` mantissa bits. */
function encodeMinifloat(x: number, expBits: number, mantBits: number): number {
  const signBit = 2 ** (expBits + mantBits);
  const expMask = 2 ** expBits - 1;
  const bias = 2 ** (expBits - 1) - 1;
  const emin = 1 - bias;
  const mantOne = 2 ** mantBits;
  if (Number.isNaN(x)) return expMask * mantOne + mantOne / 2; // quiet NaN, positive
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  const a = Math.abs(x);
  const inf = sign + expMask * mantOne;
  if (a === Infinity) return inf;
  if (a === 0) return sign;
  if (a < 2 ** emin) {
    // Subnormal: value = m · 2^(emin − mantBits). Rounding up to 2^mantBits lands exactly on the
    // smallest normal number, whose bit pattern is that same integer.
    return sign + roundHalfEven(a * 2 ** (mantBits - emin));
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // log2 may be off by one ulp near powers of two
  else if (2 ** (e + 1) <= a) e += 1;
  if (e > bias) return inf;
  let m = roundHalfEven(a * 2 ** (mantBits - e)); // in [2^mantBits, 2^(mantBits+1)]
  if (m === 2 * mantOne) {
    m = mantOne;
    e += 1;
    if (e > bias) return inf;
  }
  return sign + (e + bias) * mantOne + (m - mantOne);
}

/** Value of a bit pattern in a binary format with `expBits` exponent and `mantBits` mantissa bits. */
function decodeMinifloat(bits: number, expBits: number, mantBits: number): number {
  const mantOne = 2 ** mantBits;
  const expMask = 2 ** expBits - 1;
  const bias = 2 ** (expBits - 1) - 1;
  const sign = bits >= 2 ** (expBits + mantBits) ? -1 : 1;
  const e = Math.floor(bits / mantOne) & expMask;
  const m = bits % mantOne;
  if (e === expMask) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** (1 - bias - mantBits);
  return sign * (mantOne + m) * 2 ** (e - bias - mantBits);
}

/** F16 bit pattern (0…0xffff) of `x`, rounded to nearest even. */
export function f32ToF16Bits(x: number): number {
  return encodeMinifloat(x, 5, 10);
}

/** The number an F16 bit pattern stands for. */
export function f16BitsToF32(bits: number): number {
  return decodeMinifloat(bits & 0xffff, 5, 10);
}

/** BF16 bit pattern (0…0xffff) of `x`, rounded to nearest even. */
export function f32ToBf16Bits(x: number): number {
  return encodeMinifloat(x, 8, 7);
}

/** The number a BF16 bit pattern stands for. */
export function bf16BitsToF32(bits: number): number {
  return decodeMinifloat(bits & 0xffff, 8, 7);
}

let f16Table: Float32Array | null = null;
/** All 65,536 F16 values, built once on first use (256 KB): decoding a tensor is then a lookup. */
function f16DecodeTable(): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16BitsToF32(i);
  }
  return f16Table;
}

/** Encodes numbers as F16 bit patterns. */
export function encodeF16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i] as number);
  return out;
}

/** Decodes F16 bit patterns to float32 (exact). */
export function decodeF16(bits: Uint16Array): Float32Array {
  const table = f16DecodeTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] as number] as number;
  return out;
}

/** Encodes numbers as BF16 bit patterns. */
export function encodeBf16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToBf16Bits(values[i] as number);
  return out;
}

/** Decodes BF16 bit patterns to float32 (exact, NaN payloads kept): a BF16 is the top half of an F32. */
export function decodeBf16(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = ((bits[i] as number) << 16) >>> 0;
  return new Float32Array(words.buffer);
}
