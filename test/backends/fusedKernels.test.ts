/**
 * Attention Lab's fused TensorFlow kernels (src/core/native/fusedKernels.c, src/engine/fusedKernels.ts):
 * on the native backend, where the setup builds them, LayerNorm, GELU (each with its gradient),
 * AdamW, Lion and Tiger must compute what their TensorFlow-op formulas compute — AdamW and Lion
 * bit for bit, LayerNorm, GELU and Tiger (whose RMS sums run in another order) to float32
 * rounding — and training with them must follow the same losses. Elsewhere they
 * are absent and the formulas run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { referenceModel } from '../../bench/referenceRun';
import { FUSED_KERNELS_VERSION, fusedKernelsPath } from '../../src/core/native/fusedKernelsFile';
import { fusedKernels, fusedKernelsState, withoutFusedKernels } from '../../src/engine/fusedKernels';
import { gelu } from '../../src/engine/model/gelu';
import { layerNorm } from '../../src/engine/model/layerNorm';
import { createModel } from '../../src/engine/model/transformer';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import { tf } from '../../src/engine/tf';
import type { Tensor } from '../../src/engine/tf';
import { optimizationStep } from '../../src/engine/train/trainer';
import { versions } from '../../src/engine/versions';
import type { ModelParam } from '../../src/engine/model/params';
import { makeParam } from '../optim/helpers';
import { liveTensors, testBackends, useTestBackend } from './testBackend';

const backends = testBackends();

function values(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed + 0.37 * i) * (1 + (i % 7) / 3) * scale);
}

/** Largest |a − b| over the entries, and the largest |b| (for a relative bound). */
function gap(a: Tensor, b: Tensor): { abs: number; scale: number } {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    abs = Math.max(abs, Math.abs((x[i] as number) - (y[i] as number)));
    scale = Math.max(scale, Math.abs(y[i] as number));
  }
  return { abs, scale };
}

function close(name: string, fused: Tensor, plain: Tensor, rel: number): void {
  const g = gap(fused, plain);
  assert.ok(Number.isFinite(g.abs) && g.abs <= rel * Math.max(g.scale, 1), `${name}: fused differs by ${g.abs} (largest value ${g.scale}; allowed ${rel} relative)`);
}

/**
 * Steps a fresh optimizer over `params()` with deterministic gradients, with or without the fused
 * kernels; returns the parameters and then the optimizer state (by slot name) as plain numbers.
 */
function trainParams(name: 'adamw' | 'lion' | 'tiger', fused: boolean, params: () => ModelParam[], steps: number, accumulate = 1): number[][] {
  const ps = params();
  const opt = createOptimizer({ ...defaultOptimizerConfig(name), weightDecay: name === 'tiger' ? 0.05 : 0.1 } as never);
  for (let step = 0; step < steps; step++) {
    for (let micro = 0; micro < accumulate; micro++) {
      const grads = new Map<string, Tensor>(ps.map((p, i) => [p.name, tf.tensor(values(p.variable.size, 10 * step + i + micro, 3), p.variable.shape)]));
      const go = (): void => void opt.step(ps, grads, { step, lr: 1e-2, gradClip: 1, measure: false, accumulate, micro });
      if (fused) go();
      else withoutFusedKernels(go);
      for (const g of grads.values()) g.dispose();
    }
  }
  const out = ps.map((p) => Array.from(p.variable.dataSync()));
  const state = opt.getState();
  for (const key of [...state.keys()].sort()) out.push(Array.from((state.get(key) as Tensor).dataSync()));
  opt.dispose();
  ps.forEach((p) => p.variable.dispose());
  return out;
}

for (const backend of backends) {
  if (backend !== 'tensorflow') {
    test(`${backend}: no fused kernels off the native backend; the TensorFlow-op formulas run`, async () => {
      await useTestBackend(backend);
      assert.equal(fusedKernels(), null);
      assert.equal(fusedKernelsState().loaded, false);
      assert.equal(versions()['attention-lab-kernels'], undefined);
    });
    continue;
  }

  test('tensorflow: the native setup built the fused kernels and the engine loads them', async () => {
    await useTestBackend('tensorflow');
    const pkg = path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
    assert.ok(fs.existsSync(fusedKernelsPath(pkg)), `${fusedKernelsPath(pkg)} is missing: npm run setup:native builds it (needs a C compiler)`);
    const state = fusedKernelsState();
    assert.ok(state.loaded, `not loaded: ${state.loaded ? '' : state.reason}`);
    assert.ok(fusedKernels());
    assert.equal(withoutFusedKernels(() => fusedKernels()), null);
    assert.equal(versions()['attention-lab-kernels'], `v${FUSED_KERNELS_VERSION}`, 'run.json and checkpoints record the kernels');
  });

  test('tensorflow: LayerNorm and GELU, values and gradients, fused against the TensorFlow-op formulas', async () => {
    await useTestBackend('tensorflow');
    const before = liveTensors();
    tf.tidy(() => {
      // The model's shapes (B·T = 1024 rows of d_model 64, d_ff 256) and an odd width (row sums' tail).
      for (const [n, d] of [[1024, 64], [7, 37]] as const) {
        const x = tf.tensor2d(values(n * d, 1, 3), [n, d]);
        const gain = tf.add(tf.tensor1d(values(d, 2)), 1);
        const bias = tf.tensor1d(values(d, 3, 0.2));
        const dy = tf.tensor2d(values(n * d, 4), [n, d]);
        const f = (xx: Tensor, gg: Tensor, bb: Tensor): Tensor => tf.sum(tf.mul(layerNorm(xx, gg, bb), dy));
        const fused = tf.grads(f)([x, gain, bias]);
        const plain = withoutFusedKernels(() => tf.grads(f)([x, gain, bias]));
        close(`layerNorm [${n}, ${d}] value`, layerNorm(x, gain, bias), withoutFusedKernels(() => layerNorm(x, gain, bias)), 1e-5);
        ['dx', 'dgain', 'dbias'].forEach((name, i) => close(`layerNorm [${n}, ${d}] ${name}`, fused[i] as Tensor, plain[i] as Tensor, 1e-4));

        const h = tf.tensor2d(values(n * d * 4, 5, 4), [n, d * 4]); // GELU over ±16: both tails of σ
        const dh = tf.tensor2d(values(n * d * 4, 6), [n, d * 4]);
        close(`gelu [${n}, ${d * 4}] value`, gelu(h), withoutFusedKernels(() => gelu(h)), 1e-6);
        const g = (hh: Tensor): Tensor => tf.sum(tf.mul(gelu(hh), dh));
        close(`gelu [${n}, ${d * 4}] gradient`, tf.grad(g)(h), withoutFusedKernels(() => tf.grad(g)(h)), 1e-5);
      }
    });
    assert.equal(liveTensors(), before, 'tensors leaked');
  });

  for (const name of ['adamw', 'lion'] as const) test(`tensorflow: ${name} with the fused kernel gives bit for bit the unfused update (decay, clipping${name === 'adamw' ? ', bias correction' : ''})`, async () => {
    await useTestBackend('tensorflow');
    const params = (): ModelParam[] => [makeParam('w', 'matrix', Array.from(values(64 * 48, 7)), [64, 48]), makeParam('b', 'bias', Array.from(values(48, 8)))];
    assert.deepEqual(trainParams(name, true, params, 5), trainParams(name, false, params, 5));
  });

  test('tensorflow: tiger with the fused kernel follows the unfused update (matrices alone and stacked, embeddings by row, half steps, decay, accumulation)', async () => {
    await useTestBackend('tensorflow');
    const params = (): ModelParam[] => [
      makeParam('w1', 'matrix', Array.from(values(64 * 48, 7)), [64, 48]),
      makeParam('w2', 'matrix', Array.from(values(64 * 48, 17)), [64, 48]), // stacked with w1
      makeParam('w3', 'matrix', Array.from(values(48 * 8, 27)), [48, 8]),
      makeParam('emb', 'embedding', Array.from(values(32 * 16, 9)), [32, 16]),
      makeParam('b', 'bias', Array.from(values(48, 8))),
      makeParam('g', 'norm-gain', Array.from(values(16, 11))),
    ];
    for (const accumulate of [1, 2]) {
      const a = trainParams('tiger', true, params, 4, accumulate);
      const b = trainParams('tiger', false, params, 4, accumulate);
      a.forEach((xs, i) => {
        const ys = b[i] as number[];
        const worst = Math.max(...xs.map((x, j) => Math.abs(x - (ys[j] as number))));
        assert.ok(worst <= 1e-6, `accumulate ${accumulate}, tensor ${i}: fused differs by ${worst}`);
      });
      assert.notDeepEqual(a[0], Array.from(values(64 * 48, 7)), 'the parameters moved');
    }
  });

  test('tensorflow: the fused kernels refuse wrong shapes with a message naming the op', async () => {
    await useTestBackend('tensorflow');
    const k = fusedKernels();
    assert.ok(k);
    tf.tidy(() => {
      assert.throws(() => k.layerNorm(tf.zeros([4, 8]), tf.zeros([7]), tf.zeros([8]), 1e-5), /AttentionLabLayerNorm: x must be \[N, D\], gain and bias \[D\]/);
      assert.throws(() => k.geluGrad(tf.zeros([4]), tf.zeros([5]), tf.zeros([5])), /AttentionLabGeluGrad: dy, x and s must have one shape/);
      assert.throws(() => k.adamw(tf.zeros([3]), tf.zeros([3]), tf.zeros([3]), tf.zeros([3]), tf.zeros([6])), /AttentionLabAdamW: hyper must hold 7 numbers/);
      assert.throws(() => k.lion(tf.zeros([3]), tf.zeros([4]), tf.zeros([3]), tf.zeros([6])), /AttentionLabLion: theta, m and grad must have one shape/);
      assert.throws(() => k.tiger(tf.zeros([6]), tf.zeros([6]), tf.zeros([6]), tf.zeros([4]), 4), /AttentionLabTiger: group must divide the number of entries/);
    });
  });

  test('tensorflow: the reference model trains along the same losses with and without the fused kernels', async () => {
    await useTestBackend('tensorflow');
    const T = 16;
    const batch = 8;
    const train = (): number[] => {
      const model = createModel(referenceModel(T), 3);
      const opt = createOptimizer(defaultOptimizerConfig('adamw'));
      const targets = new Int32Array(batch * T).map((_, i) => (i * 7) % 32);
      const losses: number[] = [];
      for (let step = 0; step < 30; step++) {
        const tokens = tf.tensor2d(new Int32Array(batch * T).map((_, i) => (i * 7 + step) % 32), [batch, T], 'int32');
        const r = optimizationStep(model, opt, { tokens, targets, seedBits: undefined, positions: undefined, mask: null, nodes: undefined, inputs: batch, seeds: 1, n: T }, {
          step, lr: 3e-3, gradClip: 1, q: 1, measure: false,
        });
        tokens.dispose();
        losses.push(r.loss);
      }
      model.dispose();
      opt.dispose();
      return losses;
    };
    const fused = train();
    const plain = withoutFusedKernels(train);
    const worst = Math.max(...fused.map((l, i) => Math.abs(l - (plain[i] as number)) / (plain[i] as number)));
    assert.ok(worst < 1e-3, `losses differ by up to ${(worst * 100).toFixed(3)} % (fused ${fused.slice(-3).join(', ')}; plain ${plain.slice(-3).join(', ')})`);
    assert.ok((fused.at(-1) as number) < 0.8 * (fused[0] as number), `no learning: ${fused[0]} → ${fused.at(-1)}`);
  });
}
