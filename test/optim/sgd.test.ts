import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { useTestBackend } from '../backends/testBackend';
import { Sgd } from '../../src/engine/optim/sgd';
import type { Tensor } from '../../src/engine/tf';
import type { SgdConfig } from '../../src/protocol/config';
import { BACKENDS, assertClose, disposeParams, makeParam, stepWith, values } from './helpers';

const config: SgdConfig = { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
const theta0 = [1, -2, 0.5, 3];
const grads = [
  [1, -1, 0, 2],
  [-0.05, 0.5, 0, -3],
  [-0.2, 0.5, 1, 0],
];
const lrs = [0.1, 0.05, 0.02];

/** torch.optim.SGD (dampening 0, no nesterov) in doubles: g += λθ; b = μb + g (b = g at first); θ −= ηb. */
function referenceSgd(c: SgdConfig): { theta: number[][]; buf: number[] } {
  const theta = [...theta0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  grads.forEach((g, s) => {
    const d = g.map((gi, i) => gi + c.weightDecay * (theta[i] as number));
    buf = buf === null ? d : buf.map((bi, i) => c.momentum * bi + (d[i] as number));
    for (let i = 0; i < theta.length; i++) theta[i] = (theta[i] as number) - (lrs[s] as number) * (buf[i] as number);
    out.push([...theta]);
  });
  return { theta: out, buf: buf ?? [] };
}

for (const backend of BACKENDS) {
  test(`SGD: three steps match torch.optim.SGD with momentum and L2 decay (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', theta0, [2, 2]);
    const opt = new Sgd(config);
    const ref = referenceSgd(config);
    // Element 0:
    //  step 1 (η 0.1): g = 1 + 0.01·1 = 1.01; b = 1.01; θ = 1 − 0.101 = 0.899
    //  step 2 (η 0.05): g = −0.05 + 0.00899 = −0.04101; b = 0.909 − 0.04101 = 0.86799; θ = 0.899 − 0.0433995 = 0.8556005
    //  step 3 (η 0.02): g = −0.2 + 0.008556005 = −0.191443995; b = 0.781191 − 0.191443995 = 0.589747005;
    //                   θ = 0.8556005 − 0.0117949401 = 0.8438055599
    // Element 2 (g = 0 at first): g = 0.005 → θ = 0.5 − 0.0005 = 0.4995.
    const byHand = [0.899, 0.8556005, 0.8438055599];
    grads.forEach((g, s) => {
      stepWith(opt, [w], { w: g }, { step: s, lr: lrs[s] as number, measure: false });
      const got = values(w.variable);
      assertClose(got.slice(0, 1), [byHand[s] as number], `step ${s + 1} by hand`);
      if (s === 0) assertClose(got.slice(2, 3), [0.4995], 'step 1, element 2');
      assertClose(got, ref.theta[s] as number[], `step ${s + 1} (reference)`);
    });
    assertClose(values(opt.getState().get('w/momentum') as Tensor), ref.buf, 'momentum buffer');
    opt.dispose();
    disposeParams([w]);
  });

  test(`SGD without momentum or decay is θ − ηg, and the buffer survives the caller disposing g (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'bias', [1, 2]);
    const opt = new Sgd({ name: 'sgd', lr: 0.5, momentum: 0, weightDecay: 0 });
    stepWith(opt, [w], { w: [0.5, -1] }, { step: 0, lr: 0.5, measure: false });
    assertClose(values(w.variable), [0.75, 2.5], 'θ − ηg');
    // stepWith disposed its gradient tensor; the buffer (which then holds g) must still read.
    assert.deepEqual(values(opt.getState().get('w/momentum') as Tensor), [0.5, -1]);
    opt.dispose();
    disposeParams([w]);
  });
}
