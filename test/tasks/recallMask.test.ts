import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { createTask } from '../../src/core/tasks';
import { layoutBatch } from '../../src/core/tasks/layout';

const n = 3;
const M = 2;
const task = createTask({ name: 'recall', trainLengths: [n], evalLengths: [4], options: { capacity: M } });
// Prompt: k v k v k v <mem> <mem> | q  → pairs [0, 6), memory [6, 8), read side from 8 on.
const pairs = [0, 1, 2, 3, 4, 5];
const memory = [6, 7];

function sees(mask: Uint8Array, T: number, q: number, k: number): boolean {
  return mask[q * T + k] === 1;
}

for (const causal of [true, false]) {
  test(`capacity mask (${causal ? 'causal' : 'bidirectional'}): the read side sees memory, never the pairs; the store never sees the read side`, () => {
    const b = layoutBatch(task, [task.example(new Rng(1), n)], n, causal);
    const T = b.length;
    const mask = b.mask;
    assert.ok(mask, 'capacity > 0 gives a mask');
    assert.equal(T, causal ? 2 * n + M + 2 + 2 : 2 * n + M + 2 + 3);
    const readSide = Array.from({ length: T - 8 }, (_, i) => 8 + i);
    for (const q of readSide) {
      for (const k of pairs) assert.ok(!sees(mask, T, q, k), `read position ${q} must not see pair position ${k}`);
      for (const k of memory) assert.ok(sees(mask, T, q, k), `read position ${q} sees memory slot ${k}`);
      assert.ok(sees(mask, T, q, q), 'a position sees itself');
    }
    for (const q of memory) {
      for (const k of pairs) assert.ok(sees(mask, T, q, k), `memory slot ${q} sees pair position ${k}`);
      for (const k of readSide) assert.ok(!sees(mask, T, q, k), `memory slot ${q} must not see read position ${k}`);
    }
    for (let q = 0; q < T; q++) {
      for (let k = 0; k < T; k++) {
        if (causal && k > q) assert.ok(!sees(mask, T, q, k), `causal: ${q} must not see the later ${k}`);
      }
    }
    if (causal) {
      assert.ok(!sees(mask, T, 6, 7), 'causal: the first memory slot does not see the second');
      assert.ok(sees(mask, T, T - 1, 8), 'causal: the last answer slot sees the separator');
    } else {
      assert.ok(sees(mask, T, 0, 7), 'bidirectional: a pair sees the memory slots');
      assert.ok(sees(mask, T, 8, T - 1), 'bidirectional: the separator sees the last answer slot');
    }
  });
}

test('no capacity, no mask; the mask follows n, not the token count', () => {
  const plain = createTask({ name: 'recall', trainLengths: [n], evalLengths: [], options: {} });
  assert.equal(layoutBatch(plain, [plain.example(new Rng(0), n)], n, true).mask, null);
  const short = task.attentionMask!(n, 9, true)!; // a decoding step: prompt + SEP only
  const full = task.attentionMask!(n, 12, true)!;
  for (let q = 0; q < 9; q++) for (let k = 0; k < 9; k++) assert.equal(short[q * 9 + k], full[q * 12 + k]);
});
