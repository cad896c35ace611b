import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { liveTensors, testBackends, useTestBackend } from '../backends/testBackend';
import { tf } from '../../src/engine/tf';
import { Rng } from '../../src/core/random';
import { createModel, randomPositions, randomSeedBits } from '../../src/engine/model/transformer';
import type { Model } from '../../src/engine/model/transformer';
import type { ModelConfig } from '../../src/protocol/config';
import { maxAbsDiff, smallConfig } from './modelConfig';

const B = 3;
const T = 6;

function inputs(config: ModelConfig) {
  const rng = new Rng(99);
  const tokens = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, config.vocabSize)));
  const weights = Float32Array.from({ length: B * T * config.vocabSize }, () => rng.normal());
  const bits = config.rseBits > 0 ? randomSeedBits(rng, B, config.rseBits) : null;
  const positions = config.randomizePositions ? randomPositions(rng, T, config.positionRange) : undefined;
  return { tokens, weights, bits, positions };
}

/** One forward + backward of a simple loss (mean of log-softmax · fixed random weights); returns the gradients as arrays. */
function gradients(model: Model, config: ModelConfig): Map<string, Float32Array> {
  const { tokens, weights, bits, positions } = inputs(config);
  const t = tf.tensor2d(tokens, undefined, 'int32');
  const w = tf.tensor3d(weights, [B, T, config.vocabSize]);
  const s = bits ? tf.tensor2d(bits, [B, config.rseBits]) : undefined;
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = model.forward({ tokens: t, ...(s ? { seedBits: s } : {}), ...(positions ? { positions } : {}) });
    return tf.mean(tf.mul(tf.logSoftmax(logits), w)) as tf.Scalar;
  }, model.params.map((p) => p.variable));
  const out = new Map<string, Float32Array>();
  for (const p of model.params) {
    const g = grads[p.variable.name];
    assert.ok(g, `no gradient for ${p.name}`);
    out.set(p.name, g.dataSync() as Float32Array);
  }
  tf.dispose([t, w, value, ...Object.values(grads), ...(s ? [s] : [])]);
  return out;
}

function logits(config: ModelConfig, seed: number): Float32Array {
  const m = createModel(config, seed);
  const { tokens, bits, positions } = inputs(config);
  const t = tf.tensor2d(tokens, undefined, 'int32');
  const s = bits ? tf.tensor2d(bits, [B, config.rseBits]) : undefined;
  const out = m.forward({ tokens: t, ...(s ? { seedBits: s } : {}), ...(positions ? { positions } : {}) });
  const data = out.logits.dataSync() as Float32Array;
  tf.dispose([t, out.logits, ...(s ? [s] : [])]);
  m.dispose();
  return data;
}

const configs: ModelConfig[] = [
  smallConfig({ causal: true, position: 'learned', rseBits: 3 }),
  smallConfig({ causal: true, position: 'rope', attentionScaling: 'logn' }),
  smallConfig({ causal: false, position: 'sinusoidal', randomizePositions: true, embedScale: 4, attentionScaling: 'logn-train', trainLength: 4 }),
  smallConfig({ causal: true, position: 'rope', randomizePositions: true }),
  // the randomized-Transformers recall model: linear attention, its own key/value sizes, no MLP, fan-in init, seed projection
  smallConfig({ attention: 'linear', keySize: 3, valueSize: 5, dFf: 0, init: 'fan-in', position: 'sinusoidal', rseBits: 2, rseProjection: true }),
];

for (const backend of testBackends()) {
  test(`${backend}: every parameter gets a finite, non-zero gradient`, async () => {
    await useTestBackend(backend);
    for (const config of configs) {
      const m = createModel(config, 5);
      const grads = gradients(m, config);
      for (const [name, g] of grads) {
        assert.ok(g.every(Number.isFinite), `${config.position}: gradient of ${name} is not finite`);
        assert.ok(g.some((x) => x !== 0), `${config.position}: gradient of ${name} is all zero`);
      }
      m.dispose();
    }
  });

  test(`${backend}: no tensor leaks across forward + gradient calls`, async () => {
    await useTestBackend(backend);
    const config = configs[0] as ModelConfig;
    const m = createModel(config, 5);
    gradients(m, config); // warm-up
    const before = liveTensors();
    for (let i = 0; i < 3; i++) gradients(m, config);
    const out = tf.tidy(() => m.forward({ tokens: tf.tensor2d([[1, 2]], undefined, 'int32'), seedBits: tf.ones([1, 3]) as tf.Tensor2D, returnAttention: true }));
    tf.dispose([out.logits, ...out.attention]);
    assert.equal(liveTensors(), before);
    m.dispose();
  });
}

// The pure-JS cpu backend is the reference every other backend is compared with.
for (const other of testBackends().filter((b) => b !== 'cpu')) {
  test(`${other} and cpu logits agree within 1e-4`, async () => {
    for (const config of configs) {
      await initBackend('cpu');
      const onCpu = logits(config, 9);
      await useTestBackend(other);
      const onOther = logits(config, 9);
      const diff = maxAbsDiff(onCpu, onOther);
      assert.ok(diff < 1e-4, `${config.position}: backends differ by ${diff}`);
      assert.ok(onCpu.some((x) => Math.abs(x) > 1e-3), 'logits are not trivially zero');
    }
  });

  test(`${other} and cpu gradients agree`, async () => {
    const config = configs[1] as ModelConfig;
    await initBackend('cpu');
    const mc = createModel(config, 4);
    const onCpu = gradients(mc, config);
    mc.dispose();
    await useTestBackend(other);
    const mo = createModel(config, 4);
    const onOther = gradients(mo, config);
    mo.dispose();
    for (const [name, g] of onCpu) {
      const scale = Math.max(...Array.from(g, Math.abs));
      assert.ok(maxAbsDiff(g, onOther.get(name) ?? new Float32Array()) <= 1e-3 * scale + 1e-7, name);
    }
  });
}
