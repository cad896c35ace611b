/**
 * Attention Lab's attention against a float64 PyTorch reference (test/fixtures/peers/attention.safetensors,
 * written by bench/peers/attention_fixtures.py): standard, logn and logn-train scaling, causal and
 * bidirectional, plus RoPE. The unit is the whole (two-layer, d_model 8, 2 heads) model with fixed
 * random weights loaded into its parameters: that is how attention is reachable without widening
 * the model's API, and it checks the surroundings (pre-LN, fused qkv split into heads, masks,
 * per-row scales, GELU) on the way. Compared: each layer's attention probabilities, the logits,
 * the mean cross-entropy, and the gradient of that loss for every parameter (q, k, v projections
 * included: the attention backward pass). The reference was also checked against torch's fused
 * scaled_dot_product_attention (to 1e-14) when the fixture was written.
 *
 * Tolerances (measured worst on wasm and cpu in brackets): float32 against float64, so a few ulps
 * per op, growing through two layers and the backward pass. Probabilities 1e-5 absolute [2.9e-6],
 * logits 1e-4 relative to the largest logit [1.7e-6], loss 1e-5 relative [2.4e-7 absolute],
 * gradients 1e-4 relative to the largest entry of that parameter's gradient [1.7e-5].
 * The scalings differ from each other by far more than that (checked first), so a model that
 * applied the wrong scale, mask or head split could not pass.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createModel } from '../../src/engine/model/transformer';
import { tf } from '../../src/engine/tf';
import { maskedCrossEntropy, qNormLoss } from '../../src/engine/train/loss';
import type { ModelConfig } from '../../src/protocol/config';
import { testBackends, useTestBackend } from '../backends/testBackend';
import { loadPeerFixture, maxAbs, maxAbsDiff } from './peerFixture';

interface AttentionCase {
  id: string;
  model: ModelConfig;
}

const PROB_TOL = 1e-5;
const LOGIT_REL_TOL = 1e-4;
const LOSS_REL_TOL = 1e-5;
const GRAD_REL_TOL = 1e-4;

for (const backend of testBackends()) {
  test(`[${backend}] attention (standard, logn, logn-train; causal and bidirectional; RoPE) matches PyTorch: probabilities, logits, gradients`, async (t) => {
    await useTestBackend(backend);
    const fx = await loadPeerFixture('attention.safetensors');
    const cases = fx.meta.cases as AttentionCase[];
    assert.equal(cases.length, 7);
    const tokensT = fx.get('tokens');
    const [B, T] = tokensT.shape as [number, number];
    const targets = Int32Array.from(fx.get('targets').data);
    for (const [a, b] of [['standard-causal', 'logn-causal'], ['standard-causal', 'logn-train-causal'], ['standard-causal', 'standard-bidirectional']]) {
      const apart = maxAbsDiff(fx.get(`${a}/probs/1`).data, fx.get(`${b}/probs/1`).data);
      assert.ok(apart > 1000 * PROB_TOL, `fixture cases ${a} and ${b} are too alike to tell apart (${apart})`);
    }
    for (const c of cases) {
      const model = createModel(c.model, 0);
      try {
        for (const p of model.params) {
          const v = fx.get(`params/${p.name}`);
          assert.deepEqual(p.variable.shape, v.shape, p.name);
          tf.tidy(() => p.variable.assign(tf.tensor(v.data, v.shape, 'float32')));
        }
        const tokens = tf.tensor2d(Int32Array.from(tokensT.data), [B, T], 'int32');
        const out = model.forward({ tokens, returnAttention: true });
        out.attention.forEach((probs, l) => {
          const d = maxAbsDiff(probs.dataSync(), fx.get(`${c.id}/probs/${l}`).data);
          t.diagnostic(`${c.id} layer ${l} probabilities: max |Δ| ${d.toExponential(1)}`);
          assert.ok(d <= PROB_TOL, `${c.id} layer ${l}: probabilities differ by ${d}`);
        });
        const wantLogits = fx.get(`${c.id}/logits`).data;
        const dLogits = maxAbsDiff(out.logits.dataSync(), wantLogits) / maxAbs(wantLogits);
        assert.ok(dLogits <= LOGIT_REL_TOL, `${c.id}: logits differ by ${dLogits} (relative)`);
        tf.dispose([out.logits, ...out.attention]);

        const { value, grads } = tf.variableGrads(() => {
          const { logits } = model.forward({ tokens });
          const ce = maskedCrossEntropy(logits, targets);
          ce.predictions.dispose();
          return qNormLoss(ce.perExample, B, 1, 1) as tf.Scalar;
        }, model.params.map((p) => p.variable));
        const loss = value.dataSync()[0] as number;
        const wantLoss = fx.get(`${c.id}/loss`).data[0] as number;
        assert.ok(Math.abs(loss - wantLoss) <= LOSS_REL_TOL * wantLoss, `${c.id}: loss ${loss} vs PyTorch ${wantLoss}`);
        let worstGrad = 0;
        for (const p of model.params) {
          const g = grads[p.variable.name];
          assert.ok(g, `no gradient for ${p.name}`);
          const want = fx.get(`${c.id}/grad/${p.name}`).data;
          const rel = maxAbsDiff(g.dataSync(), want) / Math.max(maxAbs(want), 1e-6);
          worstGrad = Math.max(worstGrad, rel);
          assert.ok(rel <= GRAD_REL_TOL, `${c.id}: gradient of ${p.name} differs by ${rel} (relative)`);
        }
        t.diagnostic(`${c.id}: logits rel |Δ| ${dLogits.toExponential(1)}, loss |Δ| ${Math.abs(loss - wantLoss).toExponential(1)}, worst gradient rel |Δ| ${worstGrad.toExponential(1)}`);
        tf.dispose([value, tokens, ...Object.values(grads)]);
      } finally {
        model.dispose();
      }
    }
  });
}
