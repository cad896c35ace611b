import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attentionScale } from '../../src/engine/model/attentionScale';
import { buildAttentionMask } from '../../src/engine/model/attentionMask';

const close = (actual: number, expected: number, tol = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

const opts = (visible: number[], headDim = 16) => ({
  headDim,
  visibleKeys: Int32Array.from(visible),
  lognBase: 512,
  trainLength: 8,
});

test('standard scaling is 1/sqrt(d_h) on every row', () => {
  const s = attentionScale('standard', opts([1, 5, 16], 16));
  assert.deepEqual(Array.from(s), [0.25, 0.25, 0.25]);
  close(attentionScale('standard', opts([3], 64))[0] as number, 0.125);
});

test('logn scaling: log_512(16) = 4/9 ≈ 0.444, divided by sqrt(d_h)', () => {
  const s = attentionScale('logn', opts([16, 512, 1, 2], 16));
  close(s[0] as number, 4 / 9 / 4); // ln 16 / ln 512 = 4 ln2 / 9 ln2
  close(s[1] as number, 1 / 4); // log_512(512) = 1
  close(s[2] as number, 0); // log(1) = 0: a row that sees one key gets a zero logit scale
  close(s[3] as number, 1 / 9 / 4);
  const b2 = attentionScale('logn', { ...opts([8], 4), lognBase: 2 });
  close(b2[0] as number, 3 / 2); // log_2(8) = 3, sqrt(4) = 2
});

test('logn-train scaling is 1/sqrt(d_h) within the training length and grows beyond it', () => {
  // n_train = 8: max(1, ln n / ln 8)
  const s = attentionScale('logn-train', opts([1, 4, 8, 16, 64], 16));
  close(s[0] as number, 0.25);
  close(s[1] as number, 0.25);
  close(s[2] as number, 0.25);
  close(s[3] as number, (4 / 3) * 0.25); // ln 16 / ln 8 = 4/3
  close(s[4] as number, 2 * 0.25); // ln 64 / ln 8 = 2
});

test('causal mask: row i sees i + 1 keys, so logn differs per row', () => {
  const { visibleKeys, allowed } = buildAttentionMask(4, true);
  assert.deepEqual(Array.from(visibleKeys), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(allowed), [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]);
  const s = attentionScale('logn', { headDim: 4, visibleKeys, lognBase: 512, trainLength: 8 });
  for (let i = 0; i < 4; i++) close(s[i] as number, Math.log(i + 1) / Math.log(512) / 2);
});

test('bidirectional: every row sees T keys', () => {
  assert.deepEqual(Array.from(buildAttentionMask(5, false).visibleKeys), [5, 5, 5, 5, 5]);
});

test('an extra mask: n is the count of allowed keys in the row (combined with causality)', () => {
  // T = 3, extra mask forbids key 0 for rows 1 and 2, and key 2 for row 2.
  const extra = Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(buildAttentionMask(3, true, extra).visibleKeys), [1, 1, 1]);
  assert.deepEqual(Array.from(buildAttentionMask(3, false, extra).visibleKeys), [3, 2, 1]);
  const s = attentionScale('logn', { headDim: 16, visibleKeys: buildAttentionMask(3, false, extra).visibleKeys, lognBase: 512, trainLength: 8 });
  close(s[0] as number, Math.log(3) / Math.log(512) / 4);
  close(s[1] as number, Math.log(2) / Math.log(512) / 4);
  close(s[2] as number, 0);
});

test('bad input is rejected with a clear message', () => {
  assert.throws(() => buildAttentionMask(3, true, new Uint8Array(8)), /expected 9 entries/);
  assert.throws(() => buildAttentionMask(2, true, Uint8Array.from([0, 1, 1, 1])), /row 0 may see no key/);
  assert.throws(() => attentionScale('logn', { ...opts([4]), lognBase: 1 }), /lognBase/);
  assert.throws(() => attentionScale('logn-train', { ...opts([4]), trainLength: 1 }), /trainLength/);
  assert.throws(() => attentionScale('standard', opts([0])), /at least one/);
  assert.throws(() => attentionScale('standard', opts([1], 0)), /headDim/);
});
