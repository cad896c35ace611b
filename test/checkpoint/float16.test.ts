import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  bf16BitsToF32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
} from '../../src/core/checkpoint/float16';

// Bit patterns worked out by hand: F16 = sign | exponent (bias 15) << 10 | mantissa (10 bits).
const F16_CASES: [number, number, string][] = [
  [1, 0x3c00, 'one: exponent 15'],
  [-2, 0xc000, 'sign bit, exponent 16'],
  [0.5, 0x3800, 'exponent 14'],
  [65504, 0x7bff, 'largest finite'],
  [65519, 0x7bff, 'just under the rounding midpoint to infinity'],
  [65520, 0x7c00, 'midpoint between 65504 and 2^16 rounds (to even) to infinity'],
  [2 ** -14, 0x0400, 'smallest normal'],
  [2 ** -24, 0x0001, 'smallest subnormal'],
  [2 ** -25, 0x0000, 'half the smallest subnormal: tie to even gives +0'],
  [3 * 2 ** -26, 0x0001, '0.75 of the smallest subnormal rounds up'],
  [1023 * 2 ** -24, 0x03ff, 'largest subnormal'],
  [2 ** -14 - 2 ** -25, 0x0400, 'tie between largest subnormal (odd) and smallest normal (even)'],
  [1 + 2 ** -11, 0x3c00, 'tie between 1 (even mantissa) and 1+2^-10: stays 1'],
  [1 + 3 * 2 ** -11, 0x3c02, 'tie between mantissa 1 (odd) and 2 (even): rounds up'],
  [1 / 3, 0x3555, '0x155 = 0.0101010101b'],
  [0.1, 0x2e66, '0.1 = 1.6 · 2^-4, mantissa round(0.6 · 1024) = 614 = 0x266'],
  [-0, 0x8000, 'negative zero keeps its sign'],
  [Infinity, 0x7c00, '+inf'],
  [-Infinity, 0xfc00, '-inf'],
  [NaN, 0x7e00, 'canonical quiet NaN'],
  [1e10, 0x7c00, 'far beyond the range'],
  [1e-10, 0x0000, 'far below the smallest subnormal'],
];

// BF16 = the upper 16 bits of the float32, rounded to nearest even.
const BF16_CASES: [number, number, string][] = [
  [1, 0x3f80, 'one'],
  [-2, 0xc000, 'minus two'],
  [Math.fround(Math.PI), 0x4049, 'f32 0x40490fdb: low half 0x0fdb < 0x8000 rounds down'],
  [Math.fround(0.1), 0x3dcd, 'f32 0x3dcccccd: low half 0xcccd > 0x8000 rounds up'],
  [1 + 2 ** -8, 0x3f80, 'tie, even mantissa kept'],
  [1 + 3 * 2 ** -8, 0x3f82, 'tie, odd mantissa rounds up'],
  [3.3895313892515355e38, 0x7f7f, 'largest finite bf16'],
  [Math.fround(3.4028234663852886e38), 0x7f80, 'largest float32 rounds to infinity'],
  [2 ** -126, 0x0080, 'smallest normal'],
  [2 ** -133, 0x0001, 'smallest subnormal'],
  [-0, 0x8000, 'negative zero'],
  [Infinity, 0x7f80, '+inf'],
  [-Infinity, 0xff80, '-inf'],
  [NaN, 0x7fc0, 'canonical quiet NaN'],
];

const hex = (n: number): string => '0x' + n.toString(16).padStart(4, '0');

test('f32ToF16Bits matches hand-computed bit patterns', () => {
  for (const [x, bits, why] of F16_CASES) assert.equal(hex(f32ToF16Bits(x)), hex(bits), `${x}: ${why}`);
});

test('f32ToBf16Bits matches hand-computed bit patterns', () => {
  for (const [x, bits, why] of BF16_CASES) assert.equal(hex(f32ToBf16Bits(x)), hex(bits), `${x}: ${why}`);
});

test('decoding gives the exact values', () => {
  assert.equal(f16BitsToF32(0x3c00), 1);
  assert.equal(f16BitsToF32(0x0001), 2 ** -24);
  assert.equal(f16BitsToF32(0x03ff), 1023 * 2 ** -24);
  assert.equal(f16BitsToF32(0x7bff), 65504);
  assert.equal(f16BitsToF32(0xfc00), -Infinity);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16BitsToF32(0x7c01)));
  assert.ok(Number.isNaN(f16BitsToF32(0xfe00)));
  assert.equal(f16BitsToF32(0x3555), 0.333251953125);
  assert.equal(bf16BitsToF32(0x3f80), 1);
  assert.equal(bf16BitsToF32(0x4049), 3.140625);
  assert.equal(bf16BitsToF32(0x0001), 2 ** -133);
  assert.equal(bf16BitsToF32(0xff80), -Infinity);
  assert.ok(Object.is(bf16BitsToF32(0x8000), -0));
  assert.ok(Number.isNaN(bf16BitsToF32(0x7fc1)));
});

test('every one of the 65,536 patterns survives decode → encode (NaNs become the canonical NaN)', () => {
  for (let b = 0; b < 65536; b++) {
    const h = f16BitsToF32(b);
    assert.equal(f32ToF16Bits(h), Number.isNaN(h) ? 0x7e00 : b, `f16 ${hex(b)}`);
    const g = bf16BitsToF32(b);
    assert.equal(f32ToBf16Bits(g), Number.isNaN(g) ? 0x7fc0 : b, `bf16 ${hex(b)}`);
  }
});

test('array helpers agree with the scalar functions', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const f16 = decodeF16(all);
  const bf16 = decodeBf16(all);
  for (let b = 0; b < 65536; b += 1) {
    assert.ok(Object.is(f16[b], Math.fround(f16BitsToF32(b))) || (Number.isNaN(f16[b]) && Number.isNaN(f16BitsToF32(b))));
    assert.ok(Object.is(bf16[b], bf16BitsToF32(b)) || (Number.isNaN(bf16[b]) && Number.isNaN(bf16BitsToF32(b))));
  }
  const xs = F16_CASES.map(([x]) => x);
  assert.deepEqual([...encodeF16(xs)], xs.map(f32ToF16Bits));
  const ys = BF16_CASES.map(([x]) => x);
  assert.deepEqual([...encodeBf16(ys)], ys.map(f32ToBf16Bits));
});
