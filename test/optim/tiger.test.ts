import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { useTestBackend } from '../backends/testBackend';
import type { ParamKind } from '../../src/engine/model/params';
import { scheduleFactor } from '../../src/engine/optim/schedule';
import { Tiger } from '../../src/engine/optim/tiger';
import type { Tensor } from '../../src/engine/tf';
import type { TigerConfig } from '../../src/protocol/config';
import { BACKENDS, assertClose, disposeParams, makeParam, stepWith, values } from './helpers';

const config: TigerConfig = { name: 'tiger', lr: 0.1, beta: 0.9, weightDecay: 0.1, shrink: 0.99 };

const rms = (xs: readonly number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

/**
 * Tiger from docs/science.md §3 in doubles, for one tensor of `rows` rows (the last axis has
 * θ.length / rows entries), as the reference counts: t counts micro-batches from 0, k of them
 * per update; lrs[t] is η_t.
 */
function referenceTiger(
  c: TigerConfig,
  kind: ParamKind,
  theta0: readonly number[],
  rows: number,
  grads: readonly (readonly number[])[],
  lrs: readonly number[],
  k = 1,
): { theta: number[][]; m: number[][] } {
  const theta = [...theta0];
  let m = theta.map(() => 0);
  const thetas: number[][] = [];
  const ms: number[][] = [];
  const cols = theta.length / rows;
  grads.forEach((g, t) => {
    if (g.some((x) => !Number.isFinite(x))) {
      const centre = kind === 'norm-gain' ? 1 : 0;
      for (let i = 0; i < theta.length; i++) theta[i] = ((theta[i] as number) - centre) * c.shrink + centre;
    } else {
      const b1 = t % k === 0 ? c.beta : 1;
      const b2 = (1 - c.beta) / k;
      const lr = (t + 1) % k === 0 ? (lrs[t] as number) : 0;
      m = m.map((mi, i) => b1 * mi + b2 * (g[i] as number));
      const halfStep = kind === 'bias' || kind === 'norm-gain' || kind === 'norm-bias';
      const lambda = halfStep ? 0 : c.weightDecay;
      const eff = theta.map((_, i) => {
        if (halfStep) return 0.5 * lr;
        if (kind === 'embedding') {
          const r = Math.floor(i / cols);
          return lr * rms(theta.slice(r * cols, (r + 1) * cols));
        }
        return lr * rms(theta);
      });
      for (let i = 0; i < theta.length; i++) {
        theta[i] = (theta[i] as number) - (eff[i] as number) * (Math.sign(m[i] as number) + lambda * (theta[i] as number));
      }
    }
    thetas.push([...theta]);
    ms.push([...m]);
  });
  return { theta: thetas, m: ms };
}

const theta0 = [1, -2, 0.5, 3];
const grads3 = [
  [1, -1, 0, 2],
  [-0.05, 0.5, 0, -3],
  [-0.2, 0.5, 1, 0],
];
const lrs3 = [0.1, 0.05, 0.02];

for (const backend of BACKENDS) {
  test(`Tiger 'matrix': step η_t·RMS(θ) over the whole tensor, with decay (${backend})`, async () => {
    await useTestBackend(backend);
    const w = makeParam('w', 'matrix', theta0, [2, 2]);
    const opt = new Tiger(config);
    const ref = referenceTiger(config, 'matrix', theta0, 2, grads3, lrs3);
    // Step 1 (t = 0, η 0.1): RMS = √((1 + 4 + 0.25 + 9)/4) = 1.887458609, η_eff = 0.1887458609;
    //   m = 0.1·g = [0.1, −0.1, 0, 0.2] → sign [1, −1, 0, 1];
    //   θ0 = 1 − 0.18874586(1 + 0.1·1) = 0.792379553;  θ1 = −2 − 0.18874586(−1 − 0.2) = −1.773504967;
    //   θ2 = 0.5 − 0.18874586(0 + 0.05) = 0.490562707 (sign(0) = 0: decay only);
    //   θ3 = 3 − 0.18874586(1 + 0.3) = 2.754630381.
    // Step 2 (t = 1): m0 = 0.9·0.1 + 0.1·(−0.05) = 0.085 > 0, so element 0 still steps down.
    grads3.forEach((g, t) => {
      stepWith(opt, [w], { w: g }, { step: t, lr: lrs3[t] as number, measure: false });
      if (t === 0) assertClose(values(w.variable), [0.792379553, -1.773504967, 0.490562707, 2.754630381], 'step 1 by hand');
      assertClose(values(w.variable), ref.theta[t] as number[], `step ${t + 1} (reference)`);
    });
    assertClose(values(opt.getState().get('w/m') as Tensor), ref.m[2] as number[], 'momentum');
    opt.dispose();
    disposeParams([w]);
  });

  test(`Tiger 'embedding': RMS per row over the last axis (${backend})`, async () => {
    await useTestBackend(backend);
    const e0 = [3, 4, 0, 0.1, -0.2, 0.2];
    const grads = [
      [1, -1, 1, -1, 1, 0],
      [1, 1, -1, 0.5, -0.5, 0],
      [-2, 0.3, 0.1, 1, 1, 1],
    ];
    const e = makeParam('tok.embedding', 'embedding', e0, [2, 3]);
    const opt = new Tiger(config);
    const ref = referenceTiger(config, 'embedding', e0, 2, grads, lrs3);
    // Step 1: row 0 RMS = √(25/3) = 2.886751346 → η_eff = 0.2886751346;
    //   row 1 RMS = √(0.09/3) = 0.1732050808 → η_eff = 0.01732050808.
    //   (0,0): 3 − 0.28867513(1 + 0.3) = 2.624722325;  (0,2): 0 − 0.28867513(1 + 0) = −0.288675135;
    //   (1,0): 0.1 − 0.01732051(−1 + 0.01) = 0.117147303;  (1,2): g = 0 → 0.2 − 0.01732051·0.02 = 0.19965359.
    stepWith(opt, [e], { 'tok.embedding': grads[0] as number[] }, { step: 0, lr: 0.1, measure: false });
    const got = values(e.variable);
    assertClose([got[0], got[2], got[3], got[5]] as number[], [2.624722325, -0.288675135, 0.117147303, 0.19965359], 'step 1 by hand');
    // A per-tensor RMS would have moved (1,0) by 0.1·RMS(all)·0.99 ≈ 0.2, not ≈ 0.017.
    assert.ok(Math.abs((got[3] as number) - 0.1) < 0.02);
    assertClose(got, ref.theta[0] as number[], 'step 1 (reference)');
    for (let t = 1; t < 3; t++) {
      stepWith(opt, [e], { 'tok.embedding': grads[t] as number[] }, { step: t, lr: lrs3[t] as number, measure: false });
      assertClose(values(e.variable), ref.theta[t] as number[], `step ${t + 1} (reference)`);
    }
    opt.dispose();
    disposeParams([e]);
  });

  test(`Tiger biases and LayerNorm parameters: half step, no decay (${backend})`, async () => {
    await useTestBackend(backend);
    const start = [1, -2, 0.5];
    const kinds: ParamKind[] = ['bias', 'norm-gain', 'norm-bias'];
    const params = kinds.map((k) => makeParam(k, k, start));
    const grads = [
      [1, -1, 0],
      [-2, 0.05, 0],
      [0.5, 0.5, -1],
    ];
    const opt = new Tiger(config); // λ = 0.1 in the config must be ignored for these kinds
    const ref = referenceTiger(config, 'bias', start, 1, grads, lrs3);
    // Step 1 (η 0.1): η_eff = 0.05, no RMS, no decay; m = 0.1 g → sign [1, −1, 0]:
    //   θ = [1 − 0.05, −2 + 0.05, 0.5] = [0.95, −1.95, 0.5].
    // Step 2 (η 0.05): m = 0.9·[0.1, −0.1, 0] + 0.1·[−2, 0.05, 0] = [−0.11, −0.085, 0] → sign [−1, −1, 0]:
    //   θ = [0.95 + 0.025, −1.95 + 0.025, 0.5] = [0.975, −1.925, 0.5].
    // Step 3 (η 0.02): m = [−0.099 + 0.05, −0.0765 + 0.05, −0.1] → sign [−1, −1, −1]: θ = [0.985, −1.915, 0.51].
    const byHand = [
      [0.95, -1.95, 0.5],
      [0.975, -1.925, 0.5],
      [0.985, -1.915, 0.51],
    ];
    grads.forEach((g, t) => {
      stepWith(opt, params, { bias: g, 'norm-gain': g, 'norm-bias': g }, { step: t, lr: lrs3[t] as number, measure: false });
      for (const p of params) {
        assertClose(values(p.variable), byHand[t] as number[], `${p.kind} step ${t + 1} by hand`);
        assertClose(values(p.variable), ref.theta[t] as number[], `${p.kind} step ${t + 1} (reference)`);
      }
    });
    opt.dispose();
    disposeParams(params);
  });

  test(`Tiger NaN guard: momentum unchanged, shrink towards 1 (norm-gain) or 0 (others) (${backend})`, async () => {
    await useTestBackend(backend);
    const gain = makeParam('ln.gain', 'norm-gain', [1.5, 0.8]);
    const w = makeParam('w', 'matrix', [2, -4]);
    const b = makeParam('b', 'bias', [0.3, 0.3]);
    const params = [gain, w, b];
    const opt = new Tiger(config);
    stepWith(opt, params, { 'ln.gain': [1, -1], w: [1, 2], b: [1, -1] }, { step: 0, lr: 0.1, measure: false });
    const before = params.map((p) => values(p.variable));
    const mBefore = opt.getState();
    const mGain = Array.from((mBefore.get('ln.gain/m') as Tensor).dataSync());
    const mW = Array.from((mBefore.get('w/m') as Tensor).dataSync());
    const report = stepWith(
      opt,
      params,
      { 'ln.gain': [Number.NaN, 1], w: [Number.POSITIVE_INFINITY, 0], b: [-1, 1] },
      { step: 1, lr: 0.1, measure: false },
    );
    assert.equal(report.nanEvents, 2);
    // θ ← (θ − c)·0.99 + c: the gain with c = 1, the matrix with c = 0.
    const g0 = before[0] as number[];
    const w0 = before[1] as number[];
    assertClose(values(gain.variable), g0.map((x) => (x - 1) * 0.99 + 1), 'norm-gain shrinks towards 1');
    assertClose(values(w.variable), w0.map((x) => x * 0.99), 'matrix shrinks towards 0');
    // By hand from step 1 (gain: half step 0.05 → [1.45, 0.85]): (0.45·0.99 + 1, −0.15·0.99 + 1) = (1.4455, 0.8515).
    assertClose(values(gain.variable), [1.4455, 0.8515], 'norm-gain by hand');
    const mAfter = opt.getState();
    assert.deepEqual(Array.from((mAfter.get('ln.gain/m') as Tensor).dataSync()), mGain, 'gain momentum unchanged');
    assert.deepEqual(Array.from((mAfter.get('w/m') as Tensor).dataSync()), mW, 'matrix momentum unchanged');
    // The finite tensor in the same step updates normally: m = 0.9·[0.1, −0.1] + 0.1·[−1, 1] = [−0.01, 0.01].
    assertClose(values(mAfter.get('b/m') as Tensor), [-0.01, 0.01], 'bias momentum');
    assertClose(values(b.variable), [0.3, 0.3], 'bias: 0.3 − 0.05 + 0.05 and 0.3 + 0.05 − 0.05');
    opt.dispose();
    disposeParams(params);
  });

  test(`Tiger accumulation k = 2: momentum collects 2 micro-gradients, θ moves on the 2nd (${backend})`, async () => {
    await useTestBackend(backend);
    const c = config;
    const grads = [
      [1, -1, 0, 2],
      [-3, 0.5, 0, -1],
      [1, 1, 1, 1],
      [0, 0, -3, 0],
    ];
    const lrs = [0.1, 0.1, 0.1, 0.1];
    const ref = referenceTiger(c, 'matrix', theta0, 2, grads, lrs, 2);
    const w = makeParam('w', 'matrix', theta0, [2, 2]);
    const opt = new Tiger(c);
    // t = 0: b1 = β = 0.9, b2 = 0.1/2 = 0.05 → m = 0.05·g0 = [0.05, −0.05, 0, 0.1]; (t + 1) mod 2 ≠ 0: θ unchanged.
    // t = 1: b1 = 1 → m = m + 0.05·g1 = 0.05·(g0 + g1) = [−0.1, −0.025, 0, 0.05]; θ steps with
    //        η_eff = 0.1·1.887458609: θ0 = 1 − 0.18874586(−1 + 0.1) = 1.169871275.
    // t = 2: m = 0.9·m + 0.05·g2 = [−0.04, 0.0275, 0.05, 0.095]; θ unchanged.
    // t = 3: m = m + 0.05·g3 = [−0.04, 0.0275, −0.1, 0.095]; θ steps.
    const mByHand = [
      [0.05, -0.05, 0, 0.1],
      [-0.1, -0.025, 0, 0.05],
      [-0.04, 0.0275, 0.05, 0.095],
      [-0.04, 0.0275, -0.1, 0.095],
    ];
    let prev = values(w.variable);
    grads.forEach((g, t) => {
      // Training step ⌊t/2⌋, micro-batch t mod 2 (the reference's micro-batch counter t).
      stepWith(opt, [w], { w: g }, { step: Math.floor(t / 2), lr: 0.1, measure: false, accumulate: 2, micro: t % 2 });
      const now = values(w.variable);
      if (t % 2 === 0) assert.deepEqual(now, prev, `t = ${t}: parameters unchanged`);
      else assert.notDeepEqual(now, prev, `t = ${t}: parameters updated`);
      if (t === 1) assertClose(now.slice(0, 1), [1.169871275], 't = 1 by hand');
      assertClose(values(opt.getState().get('w/m') as Tensor), mByHand[t] as number[], `m at t = ${t}`);
      assertClose(now, ref.theta[t] as number[], `θ at t = ${t} (reference)`);
      prev = now;
    });
    assert.equal(opt.stateBytes(), 4 * 4, 'still one state tensor under accumulation');
    opt.dispose();
    disposeParams([w]);
  });

  test(`Tiger with a piecewise schedule: η_t = η·factor(t), momentum moves while η_t = 0 (${backend})`, async () => {
    await useTestBackend(backend);
    const schedule = { kind: 'piecewise' as const, points: { '2': 1 } };
    // factor(t): 0, 0.5, 1, 1 (from (0, 0) up to (2, 1), then constant).
    const lrs = [0, 1, 2, 3].map((t) => config.lr * scheduleFactor(schedule, t, 4));
    assert.deepEqual(lrs, [0, 0.05, 0.1, 0.1]);
    const b = makeParam('b', 'bias', [1, 1]);
    const opt = new Tiger(config);
    const grads = [
      [1, -1],
      [1, -1],
      [-1, -1],
      [-5, 1],
    ];
    // t = 0: η_t = 0 → θ = [1, 1]; m = [0.1, −0.1].
    // t = 1: m = [0.19, −0.19]; θ = 1 ∓ 0.5·0.05 = [0.975, 1.025].
    // t = 2: m = [0.171 − 0.1, −0.171 − 0.1] = [0.071, −0.271]; θ = [0.975 − 0.05, 1.025 + 0.05] = [0.925, 1.075].
    // t = 3: m = [0.0639 − 0.5, −0.2439 + 0.1] = [−0.4361, −0.1439]; θ = [0.925 + 0.05, 1.075 + 0.05] = [0.975, 1.125].
    const byHand = [
      [1, 1],
      [0.975, 1.025],
      [0.925, 1.075],
      [0.975, 1.125],
    ];
    grads.forEach((g, t) => {
      stepWith(opt, [b], { b: g }, { step: t, lr: lrs[t] as number, measure: false });
      assertClose(values(b.variable), byHand[t] as number[], `t = ${t}`);
    });
    assertClose(values(opt.getState().get('b/m') as Tensor), [-0.4361, -0.1439], 'momentum');
    opt.dispose();
    disposeParams([b]);
  });
}
