import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_HEADER_BYTES, openSafetensors } from '../../src/core/checkpoint/safetensors';
import { rawFile, rejectsWithSafetensorsError, tempDir } from './helpers';

const { dir, cleanup } = tempDir();
test.after(cleanup);

let counter = 0;
function write(bytes: Uint8Array): string {
  const file = path.join(dir, `case-${counter++}.safetensors`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Asserts that opening a file with this content fails with a message naming the file and saying why. */
async function rejects(bytes: Uint8Array, ...patterns: (string | RegExp)[]): Promise<void> {
  const file = write(bytes);
  await rejectsWithSafetensorsError(openSafetensors(file), file, ...patterns);
}

const f32 = (name: string, shape: number[], begin: number, end: number) => ({ [name]: { dtype: 'F32', shape, data_offsets: [begin, end] } });

test('surrounding whitespace in the header is accepted, as by the reference implementation', async () => {
  const st = await openSafetensors(write(rawFile('  {"__metadata__": {"__proto__": "kept"}} ')));
  assert.deepEqual(Object.entries(st.metadata), [['__proto__', 'kept']]);
  await st.close();
});

test('a well-formed file with zero-sized and scalar tensors opens (the control case)', async () => {
  const file = write(rawFile({ ...f32('a', [2], 0, 8), ...f32('none', [0, 5], 8, 8), ...f32('s', [], 8, 12) }, new Uint8Array(12)));
  const st = await openSafetensors(file);
  assert.deepEqual(st.tensors.map((t) => [t.name, t.byteOffset, t.byteLength]), [['a', 0, 8], ['none', 8, 0], ['s', 8, 4]]);
  await st.close();
});

test('file shorter than 8 bytes', async () => {
  await rejects(new Uint8Array(0), 'file has 0 bytes', '8-byte header length');
  await rejects(new Uint8Array(5), 'file has 5 bytes');
});

test('header length 0', async () => {
  await rejects(rawFile('', new Uint8Array(4)), 'header length is 0');
});

test('header length larger than the file', async () => {
  await rejects(rawFile('{}', new Uint8Array(0), 3n), 'header length 3 runs past the end of the 10-byte file');
});

test('header length above the sanity cap', async () => {
  await rejects(rawFile('{}', new Uint8Array(0), BigInt(MAX_HEADER_BYTES) + 1n), `exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  await rejects(rawFile('{}', new Uint8Array(0), 2n ** 64n - 1n), 'header length 18446744073709551615 exceeds');
});

test('header that is not UTF-8', async () => {
  const bytes = rawFile('{"a":1}');
  bytes[9] = 0xff;
  await rejects(bytes, 'not valid UTF-8');
});

test('header that is not JSON, or not a JSON object', async () => {
  await rejects(rawFile('{"a": {"dtype": '), 'header is not valid JSON');
  await rejects(rawFile('[1, 2]'), 'header must be a JSON object, got an array');
  await rejects(rawFile('null'), 'header must be a JSON object, got null');
  await rejects(rawFile('"{}"'), 'header must be a JSON object, got the string "{}"');
});

test('tensor entry that is not an object', async () => {
  await rejects(rawFile({ w: [1, 2] }), 'tensor "w"', 'must be an object with dtype, shape and data_offsets', 'an array');
});

test('a dtype that is no dtype name, or a missing one (other tools\' dtypes open as opaque: foreignFiles.test.ts)', async () => {
  await rejects(rawFile({ w: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w"', 'unknown dtype the string "f32"', 'readable: F64, F32');
  await rejects(rawFile({ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), 'unknown dtype number 7');
  // An 8-bit float whose size does not match its shape is still refused.
  await rejects(rawFile({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 1] } }, new Uint8Array(1)), 'tensor "w"', 'F8_E4M3 (8 bits each) needs 2');
  await rejects(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), 'tensor "w"', 'missing "dtype"');
});

test('shape that is not a list of non-negative integers', async () => {
  for (const shape of [[-1], [1.5], ['2'], null, 3, [2 ** 60]]) {
    await rejects(rawFile({ w: { dtype: 'U8', shape, data_offsets: [0, 0] } }), 'tensor "w"', '"shape" must be a list of non-negative integers');
  }
  // Dimensions whose product is not a safe integer.
  await rejects(rawFile({ w: { dtype: 'U8', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 0] } }), 'tensor "w"', 'too many elements');
});

test('data_offsets that are not two non-negative integers', async () => {
  await rejects(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: [0] } }, new Uint8Array(1)), 'tensor "w"', '"data_offsets" must be [begin, end]', 'of length 1');
  await rejects(rawFile({ w: { dtype: 'U8', shape: [1] } }, new Uint8Array(1)), 'tensor "w"', 'missing "data_offsets"');
  await rejects(rawFile({ w: { dtype: 'U8', data_offsets: [0, 1] } }, new Uint8Array(1)), 'tensor "w"', 'missing "shape"');
  for (const offsets of [[0, '1'], [0, 1.5], [-1, 0], [null, 1]]) {
    await rejects(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: offsets } }, new Uint8Array(1)), 'tensor "w"', 'two non-negative integers');
  }
});

test('data_offsets with begin > end', async () => {
  await rejects(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: [4, 3] } }, new Uint8Array(4)), 'tensor "w"', '[4, 3] has begin > end');
});

test('data_offsets outside the buffer', async () => {
  await rejects(rawFile(f32('w', [2], 0, 8), new Uint8Array(6)), 'tensor "w"', '[0, 8] lie outside the byte buffer, which has 6 bytes');
});

test('byte size that does not match the shape and dtype', async () => {
  await rejects(rawFile(f32('w', [3], 0, 8), new Uint8Array(8)), 'tensor "w"', 'holds 8 bytes but shape [3] of F32 needs 3 × 4 = 12');
});

test('overlapping tensors', async () => {
  await rejects(rawFile({ ...f32('a', [2], 0, 8), ...f32('b', [2], 4, 12) }, new Uint8Array(12)), 'tensor "b"', 'overlap tensor "a" at [0, 8)');
  await rejects(rawFile({ ...f32('a', [2], 0, 8), ...f32('b', [2], 0, 8) }, new Uint8Array(8)), 'overlap');
});

test('a hole between tensors', async () => {
  await rejects(rawFile({ ...f32('a', [1], 0, 4), ...f32('b', [1], 8, 12) }, new Uint8Array(12)), 'tensor "b"', 'starts at byte 8 but the previous tensor ends at 4', 'holes');
  await rejects(rawFile(f32('a', [1], 4, 8), new Uint8Array(8)), 'tensor "a"', 'starts at byte 4');
});

test('bytes after the last tensor', async () => {
  await rejects(rawFile(f32('a', [1], 0, 4), new Uint8Array(7)), 'cover 4 bytes of the 7-byte buffer', '3 trailing bytes');
  await rejects(rawFile({}, new Uint8Array(1)), 'cover 0 bytes of the 1-byte buffer');
});

test('__metadata__ that is not a string→string map', async () => {
  await rejects(rawFile({ __metadata__: ['a'] }), '"__metadata__" must be an object of strings, got an array');
  await rejects(rawFile({ __metadata__: 'x' }), '"__metadata__" must be an object of strings');
  await rejects(rawFile({ __metadata__: { step: 3 } }), '"__metadata__" must map strings to strings, but "step" is number 3');
  await rejects(rawFile({ __metadata__: { nested: { a: 'b' } } }), '"nested" is an object');
});

test('the error carries the file and the tensor as fields', async () => {
  const file = write(rawFile(f32('w', [3], 0, 8), new Uint8Array(8)));
  const err = await rejectsWithSafetensorsError(openSafetensors(file));
  assert.equal(err.file, file);
  assert.equal(err.tensor, 'w');
  assert.equal(err.name, 'SafetensorsError');
});
