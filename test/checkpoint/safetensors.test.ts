import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors, SafetensorsError, writeSafetensors, type TensorToWrite } from '../../src/core/checkpoint/safetensors';
import { rawFile, rejectsWithSafetensorsError, tempDir } from './helpers';

const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1.5, -3.25];

/** One tensor per dtype, with the edge values of each. */
function everyDtype(): TensorToWrite[] {
  return [
    { name: 'f64', dtype: 'F64', shape: [2, 5], data: new Float64Array([...SPECIALS, Math.PI, 5e-324, -1.7976931348623157e308]) },
    { name: 'f32', dtype: 'F32', shape: [10], data: new Float32Array([...SPECIALS, Math.fround(Math.PI), 1.401298464324817e-45, 3.4028234663852886e38]) },
    // F16/BF16 take numbers; these are all exactly representable.
    { name: 'f16', dtype: 'F16', shape: [10], data: [...SPECIALS, 65504, 2 ** -24, 0.333251953125] },
    { name: 'bf16', dtype: 'BF16', shape: [10], data: [...SPECIALS, 3.140625, 2 ** -133, 3.3895313892515355e38] },
    { name: 'i64', dtype: 'I64', shape: [5], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 2n ** 53n + 1n, -7n]) },
    { name: 'u64', dtype: 'U64', shape: [3], data: [0n, 2n ** 64n - 1n, 12345678901234567890n] },
    { name: 'i32', dtype: 'I32', shape: [2, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1]) },
    { name: 'u32', dtype: 'U32', shape: [2], data: [0, 2 ** 32 - 1] },
    { name: 'i16', dtype: 'I16', shape: [3], data: [-32768, 32767, 5] },
    { name: 'u16', dtype: 'U16', shape: [3], data: new Uint16Array([0, 65535, 7]) },
    { name: 'i8', dtype: 'I8', shape: [3], data: new Int8Array([-128, 127, 0]) },
    { name: 'u8', dtype: 'U8', shape: [3], data: [0, 255, 17] },
    { name: 'bool', dtype: 'BOOL', shape: [4], data: [true, false, 1, 0] as unknown as ArrayLike<number> },
    { name: 'scalar', dtype: 'F32', shape: [], data: [42] },
    { name: 'empty', dtype: 'F32', shape: [0, 3], data: [] },
  ];
}

function sameValue(a: number | bigint, b: number | bigint): boolean {
  return Object.is(a, b);
}

test('every dtype round-trips exactly, including NaN, ±Inf, -0 and 64-bit integers', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'all.safetensors');
    const tensors = everyDtype();
    await writeSafetensors(file, tensors);
    const st = await openSafetensors(file);
    try {
      assert.deepEqual(
        st.tensors.map((t) => t.name),
        tensors.map((t) => t.name),
      );
      for (const t of tensors) {
        const info = st.get(t.name);
        assert.ok(info);
        assert.equal(info.dtype, t.dtype);
        assert.deepEqual(info.shape, t.shape);
        const got = await st.read(t.name);
        const expectedCtor = {
          F64: Float64Array, F32: Float32Array, F16: Float32Array, BF16: Float32Array, I64: BigInt64Array, U64: BigUint64Array,
          I32: Int32Array, U32: Uint32Array, I16: Int16Array, U16: Uint16Array, I8: Int8Array, U8: Uint8Array, BOOL: Uint8Array,
        }[t.dtype];
        assert.ok(got instanceof expectedCtor, `${t.name}: ${got.constructor.name}`);
        assert.equal(got.length, t.data.length);
        for (let i = 0; i < got.length; i++) {
          const want = t.dtype === 'BOOL' ? Number(t.data[i]) : (t.data[i] as number | bigint);
          assert.ok(sameValue(got[i] as number | bigint, want), `${t.name}[${i}]: got ${String(got[i])}, want ${String(want)}`);
        }
      }
      // readAsFloat32 converts everything; exact where float32 can hold the value.
      assert.deepEqual([...(await st.readAsFloat32('i32'))], [-(2 ** 31), 2 ** 31, 0, -1].map(Math.fround));
      assert.deepEqual([...(await st.readAsFloat32('i64'))].slice(2), [0, 2 ** 53, -7]);
      assert.deepEqual([...(await st.readAsFloat32('bool'))], [1, 0, 1, 0]);
      assert.ok(Object.is((await st.readAsFloat32('f16'))[3], -0));
    } finally {
      await st.close();
    }
  } finally {
    cleanup();
  }
});

test('the header is padded with spaces to a multiple of 8 and keeps the given order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (let n = 1; n <= 9; n++) {
      const file = path.join(dir, `pad-${n}.safetensors`);
      // Names that JS objects would reorder ("10" before "b") must stay in the given order.
      const names = ['b', '10', 'x'.repeat(n), '2'];
      await writeSafetensors(file, names.map((name, i) => ({ name, dtype: 'U8', shape: [i], data: new Uint8Array(i).fill(i) })));
      const bytes = fs.readFileSync(file);
      const headerLength = Number(bytes.readBigUInt64LE(0));
      assert.equal(headerLength % 8, 0, `n=${n}: header length ${headerLength}`);
      const header = bytes.subarray(8, 8 + headerLength).toString('utf8');
      assert.match(header, /^\{.*\} *$/);
      assert.ok(header.trimEnd().length > headerLength - 8, 'at most 7 padding spaces');
      assert.equal(bytes.length, 8 + headerLength + 0 + 1 + 2 + 3);
      const st = await openSafetensors(file);
      assert.deepEqual(st.tensors.map((t) => t.name), names);
      assert.deepEqual([...(await st.read('2'))], [3, 3, 3]);
      await st.close();
    }
  } finally {
    cleanup();
  }
});

test('metadata round-trips, unicode included, and an empty map writes no __metadata__', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'meta.safetensors');
    const metadata = { format: 'pt', '10': 'ten', note: 'Grüße ✓ "quoted" \n newline', empty: '' };
    await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [1], data: [1] }], metadata);
    const st = await openSafetensors(file);
    assert.deepEqual(st.metadata, metadata);
    await st.close();

    await writeSafetensors(file, [], {});
    assert.ok(!fs.readFileSync(file).toString('utf8').includes('__metadata__'));
    const empty = await openSafetensors(file);
    assert.deepEqual(empty.metadata, {});
    assert.deepEqual(empty.tensors, []);
    await empty.close();
  } finally {
    cleanup();
  }
});

test('opening reads only the header: a file declaring a 2 GiB tensor opens at once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'huge.safetensors');
    const huge = 2 ** 31; // bytes: 2^29 float32 values
    const header = {
      huge: { dtype: 'F32', shape: [2 ** 29], data_offsets: [0, huge] },
      tail: { dtype: 'I32', shape: [2], data_offsets: [huge, huge + 8] },
    };
    const head = rawFile(header);
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, head);
    // The tail's values at the very end; the 2 GiB before them is a hole in a sparse file.
    fs.writeSync(fd, new Uint8Array(new Int32Array([7, -9]).buffer), 0, 8, head.length + huge);
    fs.closeSync(fd);
    assert.equal(fs.statSync(file).size, head.length + huge + 8);

    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const st = await openSafetensors(file);
    assert.deepEqual([...(await st.read('tail'))], [7, -9]);
    const elapsed = performance.now() - started;
    const grown = process.memoryUsage().arrayBuffers - before;
    await st.close();
    assert.equal(st.get('huge')?.byteLength, huge);
    assert.ok(grown < 16 * 2 ** 20, `array buffers grew by ${grown} bytes`);
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  } finally {
    cleanup();
  }
});

test('reading a missing tensor or after close is a clear error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'a.safetensors');
    await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [1], data: [1] }]);
    const st = await openSafetensors(file);
    await rejectsWithSafetensorsError(st.read('nope'), file, '"nope"', 'no such tensor', 'has: w');
    await st.close();
    await rejectsWithSafetensorsError(st.read('w'), 'closed');
    await st.close(); // closing twice is harmless
  } finally {
    cleanup();
  }
});

test('a file truncated after opening gives a SafetensorsError on read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'a.safetensors');
    await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [100], data: new Float32Array(100) }]);
    const st = await openSafetensors(file);
    fs.truncateSync(file, fs.statSync(file).size - 10);
    await rejectsWithSafetensorsError(st.read('w'), '"w"', 'file ended after');
    await st.close();
  } finally {
    cleanup();
  }
});

function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

test('writing is atomic: no temporary file is left behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'a.safetensors');
    await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [3], data: [1, 2, 3] }]);
    await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [2], data: [4, 5] }]);
    assert.deepEqual(listDir(dir), ['a.safetensors']);
    const st = await openSafetensors(file);
    assert.deepEqual([...(await st.read('w'))], [4, 5]);
    await st.close();
  } finally {
    cleanup();
  }
});

test('a write failing midway leaves the existing file untouched and no temporary file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'a.safetensors');
    await writeSafetensors(file, [{ name: 'old', dtype: 'F32', shape: [2], data: [1, 2] }]);
    const before = fs.readFileSync(file);
    // The first tensor is written to the temporary file, then the second fails to encode.
    await rejectsWithSafetensorsError(
      writeSafetensors(file, [
        { name: 'ok', dtype: 'F32', shape: [1000], data: new Float32Array(1000) },
        { name: 'bad', dtype: 'I32', shape: [2], data: [1, 1.5] },
      ]),
      '"bad"',
      'element 1 (1.5)',
      'integer',
    );
    assert.deepEqual(listDir(dir), ['a.safetensors']);
    assert.deepEqual(fs.readFileSync(file), before);

    // A fresh name stays absent.
    const fresh = path.join(dir, 'fresh.safetensors');
    await assert.rejects(writeSafetensors(fresh, [{ name: 'x', dtype: 'U8', shape: [1], data: [256] }]), SafetensorsError);
    assert.deepEqual(listDir(dir), ['a.safetensors']);

    // The final rename fails (the name is a non-empty folder): the temporary file is removed.
    const blocked = path.join(dir, 'blocked.safetensors');
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, 'keep'), 'x');
    await assert.rejects(writeSafetensors(blocked, [{ name: 'x', dtype: 'U8', shape: [1], data: [1] }]), (err: NodeJS.ErrnoException) => typeof err.code === 'string');
    assert.deepEqual(listDir(dir), ['a.safetensors', 'blocked.safetensors']);
    assert.deepEqual(listDir(blocked), ['keep']);
  } finally {
    cleanup();
  }
});

test('the writer rejects bad input before creating any file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'x.safetensors');
    const cases: [TensorToWrite[], string[]][] = [
      [[{ name: 'a', dtype: 'F32', shape: [2, 2], data: [1, 2, 3] }], ['"a"', 'shape [2,2] has 4 elements but the data has 3']],
      [[{ name: 'a', dtype: 'F32', shape: [1], data: [1] }, { name: 'a', dtype: 'F32', shape: [1], data: [1] }], ['"a"', 'appears twice']],
      [[{ name: '__metadata__', dtype: 'F32', shape: [1], data: [1] }], ['reserved']],
      [[{ name: 'a', dtype: 'F8' as 'F32', shape: [1], data: [1] }], ['unknown dtype', 'F8']],
      [[{ name: 'a', dtype: 'F32', shape: [-1], data: [] }], ['non-negative integers']],
    ];
    for (const [tensors, patterns] of cases) {
      await rejectsWithSafetensorsError(writeSafetensors(file, tensors), file, ...patterns);
    }
    await rejectsWithSafetensorsError(writeSafetensors(file, [], { a: 1 as unknown as string }), 'metadata value of "a" must be a string');
    // Values an integer dtype cannot hold.
    await rejectsWithSafetensorsError(writeSafetensors(file, [{ name: 'i', dtype: 'I8', shape: [1], data: [128] }]), 'not an integer in [-128, 127]');
    await rejectsWithSafetensorsError(writeSafetensors(file, [{ name: 'i', dtype: 'I64', shape: [1], data: [2n ** 63n] }]), 'outside the range of I64');
    await rejectsWithSafetensorsError(writeSafetensors(file, [{ name: 'i', dtype: 'I64', shape: [1], data: [0.5] }]), 'is not an integer');
    await rejectsWithSafetensorsError(writeSafetensors(file, [{ name: 'b', dtype: 'BOOL', shape: [1], data: [2] }]), 'BOOL');
    assert.deepEqual(listDir(dir), []);
  } finally {
    cleanup();
  }
});
