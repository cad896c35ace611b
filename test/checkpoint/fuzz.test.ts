import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors, SafetensorsError, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { Rng } from '../../src/core/random';
import { tempDir } from './helpers';

type Mutation = { kind: string; apply: (bytes: Uint8Array, headerEnd: number, rng: Rng) => Uint8Array };

const JSON_CHARS = '{}[]",: 0123456789-.eE_aFIU';

const MUTATIONS: Mutation[] = [
  { kind: 'truncate', apply: (b, _h, rng) => b.slice(0, rng.int(0, b.length)) },
  {
    kind: 'flip bytes anywhere',
    apply: (b, _h, rng) => {
      const out = b.slice();
      for (let k = rng.int(1, 5); k > 0; k--) {
        const at = rng.int(0, out.length);
        out[at] = (out[at] as number) ^ (1 << rng.int(0, 8));
      }
      return out;
    },
  },
  {
    kind: 'random byte in the header',
    apply: (b, h, rng) => {
      const out = b.slice();
      out[rng.int(8, h)] = rng.int(0, 256);
      return out;
    },
  },
  {
    kind: 'JSON-significant character in the header',
    apply: (b, h, rng) => {
      const out = b.slice();
      for (let k = rng.int(1, 3); k > 0; k--) out[rng.int(8, h)] = JSON_CHARS.charCodeAt(rng.int(0, JSON_CHARS.length));
      return out;
    },
  },
  {
    kind: 'digit changed (offsets, shapes)',
    apply: (b, h, rng) => {
      const out = b.slice();
      const digits: number[] = [];
      for (let i = 8; i < h; i++) if ((out[i] as number) >= 0x30 && (out[i] as number) <= 0x39) digits.push(i);
      out[digits[rng.int(0, digits.length)] as number] = 0x30 + rng.int(0, 10);
      return out;
    },
  },
  {
    kind: 'header length changed',
    apply: (b, _h, rng) => {
      const out = b.slice();
      const view = new DataView(out.buffer);
      const n = view.getBigUint64(0, true);
      const choice = rng.int(0, 3);
      const next = choice === 0 ? n + BigInt(rng.int(-16, 17)) : choice === 1 ? BigInt(rng.int(0, 2 ** 31)) * BigInt(rng.int(1, 2 ** 31)) : BigInt(rng.int(0, out.length));
      view.setBigUint64(0, next < 0n ? 0n : next, true);
      return out;
    },
  },
  {
    kind: 'bytes inserted or deleted in the header',
    apply: (b, h, rng) => {
      const at = rng.int(8, h);
      const count = rng.int(1, 9);
      if (rng.next() < 0.5) return new Uint8Array([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + count))]);
      const extra = Array.from({ length: count }, () => JSON_CHARS.charCodeAt(rng.int(0, JSON_CHARS.length)));
      return new Uint8Array([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
    },
  },
];

test('300 seeded corruptions: each file parses or throws SafetensorsError, nothing else', { timeout: 60_000 }, async (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const original = path.join(dir, 'original.safetensors');
    await writeSafetensors(
      original,
      [
        { name: 'blocks.0.w', dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 3) },
        { name: 'half', dtype: 'F16', shape: [5], data: [1, 2, 3, 4, 5] },
        { name: 'brain', dtype: 'BF16', shape: [2, 2], data: [1, -1, 0.5, 8] },
        { name: 'ids', dtype: 'I64', shape: [3], data: [1n, 2n, 3n] },
        { name: 'mask', dtype: 'BOOL', shape: [6], data: [1, 0, 1, 0, 1, 1] },
        { name: 'scalar', dtype: 'F64', shape: [], data: [Math.E] },
        { name: 'empty', dtype: 'I32', shape: [0], data: [] },
      ],
      { format: 'pt', note: 'fuzz' },
    );
    const valid = new Uint8Array(fs.readFileSync(original));
    const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
    const rng = new Rng(20240611);
    const outcomes = new Map<string, { parsed: number; rejected: number }>();
    const file = path.join(dir, 'mutant.safetensors');
    for (let i = 0; i < 300; i++) {
      const mutation = MUTATIONS[i % MUTATIONS.length] as Mutation;
      const bytes = mutation.apply(valid, headerEnd, rng);
      fs.writeFileSync(file, bytes);
      const tally = outcomes.get(mutation.kind) ?? { parsed: 0, rejected: 0 };
      outcomes.set(mutation.kind, tally);
      try {
        const st = await openSafetensors(file);
        try {
          for (const t of st.tensors) {
            const data = await st.read(t.name);
            assert.equal(data.length, t.shape.reduce((a, b) => a * b, 1));
            await st.readAsFloat32(t.name);
          }
        } finally {
          await st.close();
        }
        tally.parsed++;
      } catch (err) {
        if (!(err instanceof SafetensorsError)) {
          assert.fail(`case ${i} (${mutation.kind}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
        assert.ok(err.message.startsWith(file + ': '), err.message);
        tally.rejected++;
      }
    }
    t.diagnostic(JSON.stringify(Object.fromEntries(outcomes)));
    // The corruptions reached the validation: every kind aimed at the header was caught at least once.
    for (const [kind, tally] of outcomes) {
      assert.ok(tally.rejected > 0, `${kind}: ${JSON.stringify(tally)}`);
    }
    const parsed = [...outcomes.values()].reduce((a, t) => a + t.parsed, 0);
    assert.ok(parsed > 0, 'some corruptions (in the data) leave a valid file');
  } finally {
    cleanup();
  }
});
