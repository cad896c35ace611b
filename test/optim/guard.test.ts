/**
 * The per-tensor NaN/Inf guard under global-norm clipping (docs/science.md §3): a tensor whose
 * gradient holds a NaN or ±Inf is left out of the clipping norm and guarded (AdamW, Lion and
 * SGD skip it with its slots; Tiger keeps its momentum and shrinks it), and every other tensor
 * steps exactly as it would if the poisoned one were absent. Before the fix the NaN made the
 * global norm NaN, every clipped gradient NaN, and every tensor was skipped (or shrunk by Tiger).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import type { ModelParam, ParamKind } from '../../src/engine/model/params';
import { Rng } from '../../src/core/random';
import type { Tensor } from '../../src/engine/tf';
import { OPTIMIZER_NAMES } from '../../src/protocol/config';
import type { OptimizerName } from '../../src/protocol/config';
import { useTestBackend } from '../backends/testBackend';
import { BACKENDS, MODEL_LIKE_PARAMS, assertClose, disposeParams, makeParam, sizeOf, stepWith, values } from './helpers';

const rng = new Rng(21);
const rand = (n: number, s = 1): number[] => Array.from({ length: n }, () => s * rng.normal());
const specs: [string, ParamKind, number[]][] = [...MODEL_LIKE_PARAMS];
const size = sizeOf;
const init = specs.map(([, kind, s]) => (kind === 'norm-gain' ? rand(size(s), 0.1).map((x) => 1 + x) : rand(size(s))));
const gradSteps = [0, 1, 2].map(() => specs.map(([, , s]) => rand(size(s), 3))); // ‖g‖ ≈ 20: clipped at 1

function params(without: readonly string[] = []): ModelParam[] {
  return specs.flatMap(([name, kind, shape], i) => (without.includes(name) ? [] : [makeParam(name, kind, init[i] as number[], shape)]));
}

function gradsOf(t: number, without: readonly string[] = []): Record<string, number[]> {
  return Object.fromEntries(specs.filter(([n]) => !without.includes(n)).map(([n]) => [n, [...(gradSteps[t]?.[specs.findIndex(([m]) => m === n)] as number[])]]));
}

function normWithout(t: number, without: readonly string[]): number {
  const g = gradsOf(t, without);
  return Math.sqrt(Object.values(g).flat().reduce((a, x) => a + x * x, 0));
}

function slotValues(opt: ReturnType<typeof createOptimizer>, prefix: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of opt.getState()) if (k.startsWith(`${prefix}/`)) out[k] = values(t);
  return out;
}

/** What a guarded tensor becomes: unchanged, or Tiger's shrink θ·s (c = 0 for a matrix). */
function guarded(name: OptimizerName, before: readonly number[]): number[] {
  return name === 'tiger' ? before.map((x) => x * 0.99) : [...before];
}

for (const backend of BACKENDS) {
  for (const name of OPTIMIZER_NAMES) {
    test(`${name}: one NaN tensor under clipping is guarded alone, the others step as if it were absent (${backend})`, async () => {
      await useTestBackend(backend);
      const config = { ...defaultOptimizerConfig(name), lr: 0.01 };
      const withNaN = params();
      const absent = params(['w2']);
      const a = createOptimizer(config);
      const b = createOptimizer(config);
      // Step 0 fills the slots (unclipped, so both see the same gradients); step 1 poisons w2 with one NaN.
      stepWith(a, withNaN, gradsOf(0), { step: 0, lr: 0.01, measure: false });
      stepWith(b, absent, gradsOf(0, ['w2']), { step: 0, lr: 0.01, measure: false });
      const w2 = withNaN[1] as ModelParam;
      const w2Before = values(w2.variable);
      const slotsBefore = slotValues(a, 'w2');
      const poisoned = gradsOf(1);
      poisoned.w2 = (poisoned.w2 as number[]).map((x, j) => (j === 5 ? Number.NaN : x));
      const ra = stepWith(a, withNaN, poisoned, { step: 1, lr: 0.01, measure: true, gradClip: 1 });
      const rb = stepWith(b, absent, gradsOf(1, ['w2']), { step: 1, lr: 0.01, measure: true, gradClip: 1 });

      assert.equal(ra.nanEvents, 1, 'only w2 is flagged');
      const expectedNorm = normWithout(1, ['w2']);
      assert.ok(Math.abs(ra.gradNorm - expectedNorm) <= 1e-5 * expectedNorm, `gradNorm over the finite tensors: ${ra.gradNorm} vs ${expectedNorm}`);
      assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) <= 1e-6 * rb.gradNorm);
      for (const p of absent) {
        const q = withNaN.find((x) => x.name === p.name) as ModelParam;
        assertClose(values(q.variable), values(p.variable), `${p.name} steps as without w2`, 1e-6, 1e-7);
        assert.notDeepEqual(values(q.variable), init[specs.findIndex(([n]) => n === p.name)], `${p.name} moved`);
      }
      assertClose(values(w2.variable), guarded(name, w2Before), 'w2 guarded', 1e-7, 0);
      assert.deepEqual(slotValues(a, 'w2'), slotsBefore, 'w2 slots unchanged');

      // The next finite step is an ordinary one for every tensor, w2 included.
      const r2 = stepWith(a, withNaN, gradsOf(2), { step: 2, lr: 0.01, measure: true, gradClip: 1 });
      assert.equal(r2.nanEvents, 0);
      assert.ok(Number.isFinite(r2.gradNorm) && Number.isFinite(r2.updateNorm));
      assert.notDeepEqual(values(w2.variable), guarded(name, w2Before));
      for (const p of withNaN) assert.ok(values(p.variable).every(Number.isFinite), `${p.name} finite`);
      a.dispose();
      b.dispose();
      disposeParams(withNaN);
      disposeParams(absent);
    });

    test(`${name}: ±Inf is guarded like NaN, and a finite gradient whose Σg² overflows float32 is clipped, not zeroed (${backend})`, async () => {
      await useTestBackend(backend);
      const config = { ...defaultOptimizerConfig(name), lr: 0.01 };
      // ±Inf in two tensors of different groups: both guarded, the others as without them.
      const withInf = params();
      const absent = params(['w1', 'e2']);
      const a = createOptimizer(config);
      const b = createOptimizer(config);
      const g = gradsOf(0);
      g.w1 = (g.w1 as number[]).map((x, j) => (j === 0 ? Number.POSITIVE_INFINITY : x));
      g.e2 = (g.e2 as number[]).map((x, j) => (j === 2 ? Number.NEGATIVE_INFINITY : x));
      const ra = stepWith(a, withInf, g, { step: 0, lr: 0.01, measure: true, gradClip: 1 });
      stepWith(b, absent, gradsOf(0, ['w1', 'e2']), { step: 0, lr: 0.01, measure: false, gradClip: 1 });
      assert.equal(ra.nanEvents, 2);
      for (const p of absent) assertClose(values((withInf.find((x) => x.name === p.name) as ModelParam).variable), values(p.variable), p.name, 1e-6, 1e-7);
      for (const [i, n] of [[0, 'w1'], [4, 'e2']] as const) {
        assertClose(values((withInf[i] as ModelParam).variable), guarded(name, init[i] as number[]), `${n} guarded`, 1e-7, 0);
      }
      // No slot holds an infinity (Tiger's momentum would keep one forever).
      for (const [k, t] of a.getState()) assert.ok(values(t as Tensor).every(Number.isFinite), `${k} finite`);
      a.dispose();
      b.dispose();
      disposeParams(withInf);
      disposeParams(absent);

      // Entries of 1e20: Σg² overflows float32 but every entry is finite, so nothing is guarded
      // and the step equals one with the gradients clipped beforehand (in float64).
      const huge = params();
      const pre = params();
      const c = createOptimizer(config);
      const d = createOptimizer(config);
      const big = gradsOf(1);
      big.w3 = (big.w3 as number[]).map((x, j) => (j === 1 ? 1e20 : x));
      const norm = Math.sqrt(Object.values(big).flat().reduce((s, x) => s + x * x, 0));
      const rc = stepWith(c, huge, big, { step: 0, lr: 0.01, measure: true, gradClip: 1 });
      stepWith(d, pre, Object.fromEntries(Object.entries(big).map(([k, v]) => [k, v.map((x) => x / norm)])), { step: 0, lr: 0.01, measure: false });
      assert.equal(rc.nanEvents, 0);
      assert.ok(Math.abs(rc.gradNorm - 1e20) <= 1e-5 * 1e20, `gradNorm ${rc.gradNorm}`);
      huge.forEach((p, i) => assertClose(values(p.variable), values((pre[i] as ModelParam).variable), `${p.name} clipped by its true norm`, 1e-5, 1e-7));
      assert.notDeepEqual(values((huge[2] as ModelParam).variable), init[2], 'w3 moved');
      c.dispose();
      d.dispose();
      disposeParams(huge);
      disposeParams(pre);
    });
  }

  test(`tiger: a NaN in a LayerNorm gain shrinks it towards 1 and leaves the rest alone (${backend})`, async () => {
    await useTestBackend(backend);
    const config = { ...defaultOptimizerConfig('tiger'), lr: 0.01 };
    const ps = params();
    const absent = params(['g1']);
    const a = createOptimizer(config);
    const b = createOptimizer(config);
    const g = gradsOf(0);
    g.g1 = [Number.NaN, 0, 0];
    stepWith(a, ps, g, { step: 0, lr: 0.01, measure: false, gradClip: 1 });
    stepWith(b, absent, gradsOf(0, ['g1']), { step: 0, lr: 0.01, measure: false, gradClip: 1 });
    const gain = ps[6] as ModelParam;
    assertClose(values(gain.variable), (init[6] as number[]).map((x) => (x - 1) * 0.99 + 1), 'g1 towards 1', 1e-7, 1e-7);
    // g1 is concatenated with b1 and n1 in the fast path: those step as without it.
    for (const p of absent) assertClose(values((ps.find((x) => x.name === p.name) as ModelParam).variable), values(p.variable), p.name, 1e-6, 1e-7);
    a.dispose();
    b.dispose();
    disposeParams(ps);
    disposeParams(absent);
  });
}
