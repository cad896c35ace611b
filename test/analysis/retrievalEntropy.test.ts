/**
 * Entropy in nats and the query row's attention on the queried pair (docs/science.md §1): the
 * measure on hand-made attention, and on a real untrained model, whose near-uniform query row must
 * read as such (mass ≈ 1/n on the key, H ≈ ln n) — a model that cannot retrieve must not look sharp.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { entropyAnalysis, retrievalEntropy } from '../../src/engine/analysis/attentionEntropy';
import { rowMass } from '../../src/core/analysis/attentionEntropyMath';
import { initBackend } from '../../src/engine/backend';
import { expandGrid } from '../../src/core/experiment/grid';
import { Rng } from '../../src/core/random';
import { Trainer } from '../../src/engine/train/trainer';

before(async () => {
  await initBackend('cpu');
});

test('rowMass sums a row over the given key positions', () => {
  const probs = [0.1, 0.2, 0.3, 0.4, /* row 2 */ 0.25, 0.25, 0.5, 0];
  assert.ok(Math.abs(rowMass(probs, 0, [1, 3]) - 0.6) < 1e-12);
  assert.ok(Math.abs(rowMass(probs, 4, [2]) - 0.5) < 1e-12);
});

test('retrievalEntropy picks the head with the most mass at the longest training length and fits H against ln n', () => {
  const labels = ['L0.H0', 'L0.H1'];
  // Head 1 retrieves (mass 0.9 in training), head 0 does not; head 1's H grows by exactly ln 2 per doubling.
  const reading = (mass: [number, number], entropy: [number, number], visibleKeys: number) => ({
    row: visibleKeys - 1,
    visibleKeys,
    keyMass: [mass],
    entropy: [entropy],
  });
  const perLength = [
    { tokens: 9, queryRow: reading([0.2, 0.9], [2.0, 0.3], 9) },
    { tokens: 17, queryRow: reading([0.1, 0.8], [2.7, 0.3 + Math.log(17 / 9)], 17) },
    { tokens: 33, queryRow: reading([0.05, 0.6], [3.4, 0.3 + Math.log(33 / 9)], 33) },
  ];
  const r = retrievalEntropy(labels, [8, 16, 32], 8, perLength);
  assert.ok(r);
  assert.equal(r.head, 'L0.H1');
  assert.deepEqual(r.byLength.map((b) => b.keyMass), [0.9, 0.8, 0.6]);
  assert.ok(Math.abs((r.entropySlope as number) - 1) < 1e-9, 'H = 0.3 + ln(n/9) has slope 1 against ln n');
  assert.ok(Math.abs((r.byLength[2]?.normalized as number) - (0.3 + Math.log(33 / 9)) / Math.log(33)) < 1e-9);
  assert.ok(Math.abs((r.byLength[1]?.uniformEntropy as number) - Math.log(17)) < 1e-12);
  assert.equal(retrievalEntropy(labels, [8, 16], 8, [perLength[0]!, { tokens: 17, queryRow: null }]), null, 'no reading at some length: no retrieval section');
});

test('an untrained model reads as near-uniform: mass on the key ≈ 1/n and query-row H ≈ ln n, in nats', () => {
  const [config] = expandGrid({
    name: 'u',
    tasks: [{ name: 'recall', trainLengths: [4], evalLengths: [4, 16], options: { tokensPerPair: 1, keys: 16, values: 4 } }],
    models: [{ label: 'm', position: 'none', embedding: 'projected-features', layers: 1, dModel: 16, heads: 2, dFf: 16 }],
    attentionScalings: ['standard'],
    optimizers: [{ name: 'adamw', lr: 1e-3 }],
    seeds: [1],
    train: { steps: 1, evalExamples: 8 },
  });
  assert.ok(config);
  const trainer = new Trainer(config);
  try {
    const e = entropyAnalysis({ config, task: trainer.task, model: trainer.model }, { lengths: [4, 16], examplesPerLength: 16, trainLengths: [4], collapseThreshold: 0.1, rng: new Rng(3) });
    const r = e.retrieval;
    assert.ok(r, 'recall without a bottleneck has a retrieval section');
    for (const b of r.byLength) {
      const n = b.visibleKeys; // the pairs and the query itself
      assert.equal(n, b.length + 1);
      assert.ok(Math.abs(b.keyMass - 1 / n) < 0.25 / n, `mass on the key ${b.keyMass} ≈ 1/${n}`);
      assert.ok(Math.abs(b.entropy - Math.log(n)) < 0.02, `H ${b.entropy} ≈ ln ${n}`);
      assert.ok((b.normalized as number) > 0.98);
    }
    assert.ok(Math.abs((r.entropySlope as number) - 1) < 0.05, 'a uniform row: H grows like ln n');
    // Every head near uniform: its mean H over the causal rows (n_i = i + 1 ≥ 2) is the mean of ln n_i.
    e.perPosition.forEach((p, c) => {
      const lnN = p.visibleKeys.filter((n) => n >= 2).map((n) => Math.log(n));
      const expected = lnN.reduce((a, b) => a + b, 0) / lnN.length;
      for (const row of e.meanEntropy.values) assert.ok(Math.abs((row[c] as number) - expected) < 0.02, `mean H ${row[c]} ≈ mean ln n_i ${expected}`);
      for (const row of e.meanNormalized.values) assert.ok((row[c] as number) > 0.98);
    });
    for (const s of e.normalizedSlopes) assert.ok(s !== null && Math.abs(s) < 0.05, `uniform rows: flat h, got ${s}`);
  } finally {
    trainer.dispose();
  }
});
