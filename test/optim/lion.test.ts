import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { useTestBackend } from '../backends/testBackend';
import { Lion } from '../../src/engine/optim/lion';
import type { Tensor } from '../../src/engine/tf';
import type { LionConfig } from '../../src/protocol/config';
import { BACKENDS, assertClose, disposeParams, makeParam, stepWith, values } from './helpers';

const config: LionConfig = { name: 'lion', lr: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0.5 };
const theta0 = [1, -2, 0.5, 3];
const grads = [
  [1, -1, 0, 2],
  [-0.05, 0.5, 0, -3],
  [-0.2, 0.5, 1, 0],
];
const lrs = [0.1, 0.05, 0.02];

/** Lion from docs/science.md §3 in doubles: u = sign(β1 m + (1 − β1) g); θ −= η(u + λθ); m = β2 m + (1 − β2) g. */
function referenceLion(c: LionConfig): { theta: number[][]; m: number[] } {
  const theta = [...theta0];
  const m = theta.map(() => 0);
  const out: number[][] = [];
  grads.forEach((g, s) => {
    const lr = lrs[s] as number;
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i] as number;
      const u = Math.sign(c.beta1 * (m[i] as number) + (1 - c.beta1) * gi);
      theta[i] = (theta[i] as number) - lr * (u + c.weightDecay * (theta[i] as number));
      m[i] = c.beta2 * (m[i] as number) + (1 - c.beta2) * gi;
    }
    out.push([...theta]);
  });
  return { theta: out, m };
}

for (const backend of BACKENDS) {
  test(`Lion: three steps worked by hand, sign(0) = 0, decay (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', theta0, [2, 2]);
    const opt = new Lion(config);
    const ref = referenceLion(config);
    // Element 0:
    //  step 1 (η 0.1): c = 0.1·1 = 0.1 → u = 1; θ = 1 − 0.1(1 + 0.5·1) = 0.85; m = 0.01·1 = 0.01
    //  step 2 (η 0.05): c = 0.9·0.01 + 0.1·(−0.05) = 0.004 → u = +1 although g < 0;
    //          θ = 0.85 − 0.05(1 + 0.425) = 0.77875; m = 0.99·0.01 + 0.01·(−0.05) = 0.0094
    //  step 3 (η 0.02): c = 0.9·0.0094 + 0.1·(−0.2) = −0.01154 → u = −1;
    //          θ = 0.77875 − 0.02(−1 + 0.389375) = 0.7909625
    // Element 2 (g = 0, 0, 1): c = 0 twice → u = 0, decay only: 0.5 − 0.1·0.25 = 0.475,
    //          0.475 − 0.05·0.2375 = 0.463125; then c = 0.1 → u = 1: 0.463125 − 0.02(1 + 0.2315625) = 0.43849375
    // Element 3 (g = 2, −3, 0): θ = 3 − 0.1(1 + 1.5) = 2.75, m = 0.02;
    //          c = 0.018 − 0.3 < 0 → θ = 2.75 − 0.05(−1 + 1.375) = 2.73125, m = 0.0198 − 0.03 = −0.0102;
    //          c = −0.00918 → θ = 2.73125 − 0.02(−1 + 1.365625) = 2.7239375
    const byHand: [number, number][] = [
      [0.85, 0.475],
      [0.77875, 0.463125],
      [0.7909625, 0.43849375],
    ];
    const byHand3 = [2.75, 2.73125, 2.7239375];
    grads.forEach((g, s) => {
      stepWith(opt, [w], { w: g }, { step: s, lr: lrs[s] as number, measure: false });
      const got = values(w.variable);
      assertClose([got[0] as number, got[2] as number, got[3] as number], [...(byHand[s] as [number, number]), byHand3[s] as number], `step ${s + 1} by hand`);
      assertClose(got, ref.theta[s] as number[], `step ${s + 1} (reference)`);
    });
    assertClose(values(opt.getState().get('w/m') as Tensor), ref.m, 'momentum');
    assert.equal(opt.stateBytes(), 4 * 4);
    opt.dispose();
    disposeParams([w]);
  });
}
