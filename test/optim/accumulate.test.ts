/**
 * Gradient accumulation (StepOptions.accumulate = k, docs/science.md §3), hand-worked:
 * - AdamW, Lion and SGD sum the micro-gradients in a buffer and update once, on the last
 *   micro-batch, with the mean (clipping the mean: SGD below would move 3× less if each
 *   micro-gradient were clipped on its own);
 * - Tiger folds each micro-gradient into its momentum (b1 = β on micro-batch 0, 1 after;
 *   b2 = (1 − β)/k) and moves θ on the last;
 * - the buffer is counted in the state bytes, and those are the bytes tf.memory() sees.
 * The values: first step micro-gradients [5, 2] and [−1, −6] average [2, −2], whose signs differ
 * from the last micro-gradient's, so a rule that stepped on the last one alone would fail.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import type { ModelParam } from '../../src/engine/model/params';
import type { Tensor } from '../../src/engine/tf';
import { OPTIMIZER_NAMES } from '../../src/protocol/config';
import type { OptimizerConfig } from '../../src/protocol/config';
import { liveBytes, useTestBackend } from '../backends/testBackend';
import { BACKENDS, assertClose, disposeParams, makeParam, stepWith, values } from './helpers';

/** Runs the micro-batches of one training step; returns θ after each call. */
function accumulate(
  opt: ReturnType<typeof createOptimizer>,
  params: readonly ModelParam[],
  micros: readonly Record<string, readonly number[]>[],
  step: number,
  lr: number,
  gradClip = 0,
): number[][][] {
  return micros.map((g, micro) => {
    stepWith(opt, params, g, { step, lr, measure: false, gradClip, accumulate: micros.length, micro });
    return params.map((p) => values(p.variable));
  });
}

for (const backend of BACKENDS) {
  test(`AdamW k = 2: θ still until the last micro-batch, then the mean's step; bias correction counts updates (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', [1, -2]);
    const opt = createOptimizer({ name: 'adamw', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    // Step 0: mean g = [2, −2]; m = 0.1g, v = 0.001g², m̂ = g, v̂ = g² → θ −= 0.1·sign(g): [0.9, −1.9].
    const s0 = accumulate(opt, [w], [{ w: [5, 2] }, { w: [-1, -6] }], 0, 0.1);
    assert.deepEqual(s0[0]?.[0], [1, -2], 'unchanged after micro-batch 0');
    assertClose(s0[1]?.[0] as number[], [0.9, -1.9], 'after the update');
    // Step 1 (t = 2): mean g = [1, 1]; m = [0.28, −0.08], v = 0.999·0.004 + 0.001 = 0.004996;
    // m̂ = m/0.19, v̂ = v/0.001999 → θ = [0.9 − 0.0932180, −1.9 + 0.0266337] = [0.806782037, −1.873366297].
    const s1 = accumulate(opt, [w], [{ w: [0, 0] }, { w: [2, 2] }], 1, 0.1);
    assertClose(s1[1]?.[0] as number[], [0.806782037, -1.873366297], 'step 1 by hand', 1e-6);
    assertClose(values(opt.getState().get('w/m') as Tensor), [0.28, -0.08], 'm');
    assertClose(values(opt.getState().get('w/v') as Tensor), [0.004996, 0.004996], 'v');
    opt.dispose();
    disposeParams([w]);
  });

  test(`Lion k = 2: sign of the interpolation with the mean gradient, momentum with the mean (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', [1, -2]);
    const opt = createOptimizer({ name: 'lion', lr: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0 });
    // Step 0: u = sign(0.1·[2, −2]) → θ = [0.9, −1.9]; m = 0.01·[2, −2] = [0.02, −0.02].
    const s0 = accumulate(opt, [w], [{ w: [5, 2] }, { w: [-1, -6] }], 0, 0.1);
    assert.deepEqual(s0[0]?.[0], [1, -2]);
    assertClose(s0[1]?.[0] as number[], [0.9, -1.9], 'step 0');
    // Step 1: mean [−0.5, 0]; u = sign(0.9·[0.02, −0.02] + 0.1·[−0.5, 0]) = sign([−0.032, −0.018]) → θ = [1.0, −1.8];
    // m = 0.99·[0.02, −0.02] + 0.01·[−0.5, 0] = [0.0148, −0.0198].
    const s1 = accumulate(opt, [w], [{ w: [-1, 0] }, { w: [0, 0] }], 1, 0.1);
    assertClose(s1[1]?.[0] as number[], [1.0, -1.8], 'step 1');
    assertClose(values(opt.getState().get('w/m') as Tensor), [0.0148, -0.0198], 'm');
    opt.dispose();
    disposeParams([w]);
  });

  test(`SGD k = 3 with clipping: the mean of 3 micro-gradients is clipped, not each one (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', [0, 0]);
    const opt = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 });
    // Step 0: mean [1, 1], ‖·‖ = √2 > 1 → [0.70710678, 0.70710678]; buf = that; θ = −0.1·buf.
    // (Each micro-gradient clipped alone would give [1,0], [0,1], [0,0] → mean [1/3, 1/3] → θ = −0.0333.)
    const s0 = accumulate(opt, [w], [{ w: [3, 0] }, { w: [0, 3] }, { w: [0, 0] }], 0, 0.1, 1);
    assert.deepEqual(s0[0]?.[0], [0, 0]);
    assert.deepEqual(s0[1]?.[0], [0, 0]);
    assertClose(s0[2]?.[0] as number[], [-0.070710678, -0.070710678], 'step 0');
    // Step 1: mean [0.1, −0.2] (not clipped); buf = 0.9·0.70710678 + [0.1, −0.2] = [0.736396103, 0.436396103].
    const s1 = accumulate(opt, [w], [{ w: [0, 0] }, { w: [0, 0] }, { w: [0.3, -0.6] }], 1, 0.1, 1);
    assertClose(s1[2]?.[0] as number[], [-0.144350288, -0.114350288], 'step 1');
    assertClose(values(opt.getState().get('w/momentum') as Tensor), [0.736396103, 0.436396103], 'buffer');
    opt.dispose();
    disposeParams([w]);
  });

  test(`Tiger k = 3: b1 = β on micro-batch 0 then 1, b2 = (1 − β)/3, θ moves on micro-batch 2 (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', [1, -2, 0.5, 3], [2, 2]);
    const opt = createOptimizer({ name: 'tiger', lr: 0.1, beta: 0.9, weightDecay: 0.1, shrink: 0.99 });
    const mAfter: number[][] = [];
    const micros = [{ w: [1, -1, 0, 2] }, { w: [-3, 0.5, 0, -1] }, { w: [1, 1, -1, 0] }];
    const thetas = micros.map((g, micro) => {
      stepWith(opt, [w], g, { step: 0, lr: 0.1, measure: false, accumulate: 3, micro });
      mAfter.push(values(opt.getState().get('w/m') as Tensor));
      return values(w.variable);
    });
    // m: (0.1/3)·g0 = [0.0333, −0.0333, 0, 0.0667]; + (0.1/3)·g1 = [−0.0667, −0.0167, 0, 0.0333];
    //    + (0.1/3)·g2 = [−0.0333, 0.0167, −0.0333, 0.0333].
    assertClose(mAfter[0] as number[], [1 / 30, -1 / 30, 0, 2 / 30], 'm after micro-batch 0');
    assertClose(mAfter[1] as number[], [-2 / 30, -0.5 / 30, 0, 1 / 30], 'm after micro-batch 1');
    assertClose(mAfter[2] as number[], [-1 / 30, 0.5 / 30, -1 / 30, 1 / 30], 'm after micro-batch 2');
    assert.deepEqual(thetas[0], [1, -2, 0.5, 3]);
    assert.deepEqual(thetas[1], [1, -2, 0.5, 3]);
    // η_eff = 0.1·RMS(θ) = 0.1887458609; sign(m) = [−1, 1, −1, 1]:
    //   1 − 0.18874586(−1 + 0.1) = 1.169871275;  −2 − 0.18874586(1 − 0.2) = −2.150996689;
    //   0.5 − 0.18874586(−1 + 0.05) = 0.679308568;  3 − 0.18874586(1 + 0.3) = 2.754630381.
    // (The last micro-gradient alone has signs [1, 1, −1, 0]: element 0 would have moved down.)
    assertClose(thetas[2] as number[], [1.169871275, -2.150996689, 0.679308568, 2.754630381], 'θ after the update');
    // The next step's micro-batch 0 decays the momentum again: 0.9·m + (0.1/3)·[3, 0, 0, 0].
    stepWith(opt, [w], { w: [3, 0, 0, 0] }, { step: 1, lr: 0.1, measure: false, accumulate: 3, micro: 0 });
    assertClose(values(opt.getState().get('w/m') as Tensor), [0.07, 0.015, -0.03, 0.03], 'm at the next step');
    opt.dispose();
    disposeParams([w]);
  });

  test(`state bytes under accumulation: AdamW 3, Lion 2, SGD 2, Tiger 1 float32 per parameter, as tf.memory() measures (${backend})`, async () => {
    await useTestBackend(backend);
    const expected: Record<string, number> = { adamw: 3, lion: 2, sgd: 2, tiger: 1 };
    for (const name of OPTIMIZER_NAMES) {
      const params = [makeParam('a', 'matrix', [1, 2, 3, 4, 5, 6], [2, 3]), makeParam('b', 'bias', [1, 2, 3]), makeParam('c', 'matrix', [1, 2, 3, 4, 5, 6], [2, 3])];
      const P = 15;
      const bytesBefore = liveBytes();
      const opt = createOptimizer({ ...defaultOptimizerConfig(name), lr: 0.01 } as OptimizerConfig);
      for (let step = 0; step < 2; step++) {
        for (let micro = 0; micro < 2; micro++) {
          stepWith(opt, params, { a: [1, -1, 1, -1, 1, -1], b: [1, 2, 3], c: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5] }, { step, lr: 0.01, measure: true, gradClip: 1, accumulate: 2, micro });
        }
      }
      assert.equal(opt.stateBytes(), expected[name]! * P * 4, `${name}: state bytes`);
      assert.equal(liveBytes() - bytesBefore, opt.stateBytes(), `${name}: tf.memory() grew by the state bytes`);
      opt.dispose();
      assert.equal(liveBytes(), bytesBefore, `${name}: dispose frees the state and the buffer`);
      disposeParams(params);
    }
  });

  test(`a NaN in one micro-gradient of a buffered optimizer guards that tensor at the update, the others take the mean (${backend})`, async () => {
    await useTestBackend(backend);
    const a = makeParam('a', 'matrix', [1, -2]);
    const b = makeParam('b', 'matrix', [0.5, 0.5]);
    const opt = createOptimizer({ name: 'adamw', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    stepWith(opt, [a, b], { a: [5, 2], b: [Number.NaN, 1] }, { step: 0, lr: 0.1, measure: false, gradClip: 1, accumulate: 2, micro: 0 });
    const r = stepWith(opt, [a, b], { a: [-1, -6], b: [1, 1] }, { step: 0, lr: 0.1, measure: true, gradClip: 1, accumulate: 2, micro: 1 });
    assert.equal(r.nanEvents, 1);
    assertClose(values(a.variable), [0.9, -1.9], 'a: the mean [2, −2] (clipped, AdamW is scale-free here)');
    assert.deepEqual(values(b.variable), [0.5, 0.5], 'b skipped');
    assert.ok(Math.abs(r.gradNorm - Math.SQRT2 * 2) < 1e-5, `norm of a's mean only: ${r.gradNorm}`);
    assert.throws(() => stepWith(opt, [a, b], { a: [0, 0], b: [0, 0] }, { step: 1, lr: 0.1, measure: false, accumulate: 2, micro: 2 }), /micro must be an integer in \[0, 1\]/);
    assert.throws(() => stepWith(opt, [a, b], { a: [0, 0], b: [0, 0] }, { step: 1, lr: 0.1, measure: false, accumulate: 0 }), /accumulate must be an integer >= 1/);
    opt.dispose();
    disposeParams([a, b]);
  });
}
