import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { useTestBackend } from '../backends/testBackend';
import { AdamW } from '../../src/engine/optim/adamw';
import type { AdamWConfig } from '../../src/protocol/config';
import type { Tensor } from '../../src/engine/tf';
import { BACKENDS, assertClose, disposeParams, makeParam, stepWith, values } from './helpers';

const config: AdamWConfig = { name: 'adamw', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
const theta0 = [1, -2, 0.5, 3];
// Three steps with a changing gradient and a scheduled (non-constant) lr.
const grads = [
  [0.5, -1, 0, 2],
  [-0.5, 0.25, 1e-3, 2],
  [0.1, -3, -0.2, 0],
];
const lrs = [0.1, 0.05, 0.02];

/** torch.optim.AdamW written out in doubles from docs/science.md §3 (t is 1-based). */
function referenceAdamW(c: AdamWConfig): number[][] {
  const theta = [...theta0];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, s) => {
    const t = s + 1;
    const lr = lrs[s] as number;
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i] as number;
      theta[i] = (theta[i] as number) * (1 - lr * c.weightDecay);
      m[i] = c.beta1 * (m[i] as number) + (1 - c.beta1) * gi;
      v[i] = c.beta2 * (v[i] as number) + (1 - c.beta2) * gi * gi;
      const mHat = (m[i] as number) / (1 - c.beta1 ** t);
      const denom = Math.sqrt(v[i] as number) / Math.sqrt(1 - c.beta2 ** t) + c.eps;
      theta[i] = (theta[i] as number) - (lr * mHat) / denom;
    }
    out.push([...theta]);
  });
  return out;
}

for (const backend of BACKENDS) {
  test(`AdamW: three steps match torch.optim.AdamW worked by hand (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', theta0, [2, 2]);
    const opt = new AdamW(config);
    const expected = referenceAdamW(config);

    stepWith(opt, [w], { w: grads[0] as number[] }, { step: 0, lr: 0.1, measure: false });
    // Step 1 (t = 1, η = 0.1, λ = 0.1), element 0: θ = 1·(1 − 0.01) = 0.99;
    //   m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5;
    //   √v / √(1 − 0.999) = √0.25 = 0.5; θ = 0.99 − 0.1·0.5/(0.5 + 1e-8) = 0.890000002.
    // Element 1: −2·0.99 = −1.98, g = −1 → m̂ = −1, √v̂ = 1 → θ = −1.98 + 0.1/(1 + 1e-8) = −1.880000001.
    // Element 2: g = 0 → m = v = 0, no step: θ = 0.5·0.99 = 0.495 (decay only).
    assertClose(values(w.variable), [0.890000002, -1.880000001, 0.495, expected[0]?.[3] as number], 'step 1');
    assertClose(values(w.variable), expected[0] as number[], 'step 1 (reference)');

    stepWith(opt, [w], { w: grads[1] as number[] }, { step: 1, lr: 0.05, measure: false });
    // Step 2 (t = 2, η = 0.05), element 0: θ = 0.890000002·(1 − 0.005) = 0.885550002;
    //   m = 0.9·0.05 + 0.1·(−0.5) = −0.005; v = 0.999·0.00025 + 0.001·0.25 = 0.00049975;
    //   m̂ = −0.005/(1 − 0.81) = −0.0263157895; v̂ = 0.00049975/(1 − 0.998001) = 0.25, √ = 0.5;
    //   θ = 0.885550002 + 0.05·0.0263157895/0.5 = 0.888181581.
    assertClose(values(w.variable).slice(0, 1), [0.888181581], 'step 2, element 0');
    assertClose(values(w.variable), expected[1] as number[], 'step 2 (reference)');

    stepWith(opt, [w], { w: grads[2] as number[] }, { step: 2, lr: 0.02, measure: false });
    assertClose(values(w.variable), expected[2] as number[], 'step 3 (reference)');

    // The state holds the moments of the reference: element 0 after step 3, m = 0.9·(−0.005) + 0.1·0.1 = 0.0055.
    const state = opt.getState();
    assert.deepEqual([...state.keys()].sort(), ['w/m', 'w/v']);
    assertClose(values(state.get('w/m') as Tensor).slice(0, 1), [0.0055], 'm after step 3');
    opt.dispose();
    disposeParams([w]);
  });

  test(`AdamW: without weight decay the step is the plain Adam step (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'bias', theta0);
    const c: AdamWConfig = { ...config, weightDecay: 0 };
    const opt = new AdamW(c);
    const expected = referenceAdamW(c);
    grads.forEach((g, s) => {
      stepWith(opt, [w], { w: g }, { step: s, lr: lrs[s] as number, measure: false });
      // Step 1 by hand: element 0: 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002; element 2 (g = 0) stays 0.5.
      if (s === 0) assertClose(values(w.variable).slice(0, 3), [0.900000002, -1.899999999, 0.5], 'step 1 by hand');
      assertClose(values(w.variable), expected[s] as number[], `step ${s + 1}`);
    });
    opt.dispose();
    disposeParams([w]);
  });
}
