import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { encodeBf16, encodeF16 } from '../../src/core/checkpoint/float16';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';
import { fixturePath } from './helpers';

/** python-dtypes.json, written by make_fixtures.py beside the file Python's safetensors wrote. */
interface Expected {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[]; bits?: number[]; from?: (number | string)[] }>;
}

/** The fixture JSON spells what JSON cannot hold as strings. */
function decodeValue(v: number | string, dtype: string): number | bigint {
  if (dtype === 'I64' || dtype === 'U64') return BigInt(v);
  if (typeof v === 'number') return v;
  const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
  const x = special[v];
  if (x === undefined) throw new Error(`unexpected fixture value ${v}`);
  return x;
}

test('reads every tensor of a file written by Python safetensors', async () => {
  const expected = JSON.parse(fs.readFileSync(fixturePath('python-dtypes.json'), 'utf8')) as Expected;
  const st = await openSafetensors(fixturePath('python-dtypes.safetensors'));
  try {
    assert.deepEqual(st.metadata, expected.metadata);
    assert.deepEqual(st.tensors.map((t) => t.name).sort(), Object.keys(expected.tensors).sort());
    for (const [name, want] of Object.entries(expected.tensors)) {
      const info = st.get(name);
      assert.ok(info, name);
      assert.equal(info.dtype, want.dtype, name);
      assert.deepEqual(info.shape, want.shape, name);
      const got = await st.read(name);
      assert.equal(got.length, want.values.length, name);
      want.values.forEach((v, i) => {
        const w = decodeValue(v, want.dtype);
        assert.ok(Object.is(got[i], w), `${name}[${i}]: got ${String(got[i])}, want ${String(w)}`);
      });
    }
  } finally {
    await st.close();
  }
});

test('our F16/BF16 encoders give the bits numpy and the fixture script give', () => {
  const expected = JSON.parse(fs.readFileSync(fixturePath('python-dtypes.json'), 'utf8')) as Expected;
  const f16 = expected.tensors.f16;
  const bf16 = expected.tensors.bf16;
  assert.ok(f16?.bits && bf16?.bits && bf16.from);
  assert.deepEqual([...encodeF16(f16.values.map((v) => decodeValue(v, 'F16') as number))], f16.bits);
  // BF16 from the float32 source values (rounded by hand in make_fixtures.py).
  const from = bf16.from.map((v) => Math.fround(decodeValue(v, 'F32') as number));
  assert.deepEqual([...encodeBf16(from)], bf16.bits);
});
