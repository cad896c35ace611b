import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';

test('auto picks a working backend and reports why', async () => {
  const info = await initBackend('auto');
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.name));
  assert.equal(tf.getBackend(), info.name);
  assert.ok(info.reason.length > 0);
  const c = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
  assert.deepEqual(await c.array(), [[19, 22], [43, 50]]);
  c.dispose();
});

test('wasm and cpu backends can be chosen explicitly', async () => {
  for (const b of ['wasm', 'cpu'] as const) {
    const info = await initBackend(b);
    assert.equal(info.name, b);
    const s = tf.sum(tf.tensor1d([1, 2, 3]));
    assert.equal((await s.data())[0], 6);
    s.dispose();
  }
});
