/**
 * Global-norm clipping inside the optimizer step (StepOptions.gradClip), and Tiger's groups:
 * - clipping at c gives what stepping with gradients pre-scaled by c/max(‖g‖, c) gives (the
 *   factor is folded into the rules' constants, so equal up to float rounding), and reports ‖g‖;
 * - (a NaN/Inf gradient with clipping on: guard.test.ts);
 * - Tiger with stacked matrices/embeddings and concatenated biases/LayerNorm parameters matches
 *   Tiger run one tensor at a time.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import type { ModelParam } from '../../src/engine/model/params';
import type { ParamKind } from '../../src/engine/model/params';
import { Rng } from '../../src/core/random';
import { OPTIMIZER_NAMES } from '../../src/protocol/config';
import { useTestBackend } from '../backends/testBackend';
import { BACKENDS, MODEL_LIKE_PARAMS, assertClose, disposeParams, makeParam, sizeOf, stepWith, values } from './helpers';

const rng = new Rng(9);
const rand = (n: number, s = 1): number[] => Array.from({ length: n }, () => s * rng.normal());
const specs: [string, ParamKind, number[]][] = [...MODEL_LIKE_PARAMS, ['b2', 'bias', [2]]];
const size = sizeOf;
const init = specs.map(([, kind, s]) => (kind === 'norm-gain' ? rand(size(s), 0.1).map((x) => 1 + x) : rand(size(s))));
const gradSteps = [0, 1, 2, 3].map(() => specs.map(([, , s]) => rand(size(s), 3))); // ‖g‖ ≈ 20: clipped at 1

function params(): ModelParam[] {
  return specs.map(([name, kind, shape], i) => makeParam(name, kind, init[i] as number[], shape));
}

function gradsOf(t: number, scale = 1): Record<string, number[]> {
  return Object.fromEntries(specs.map(([n], i) => [n, (gradSteps[t]?.[i] as number[]).map((x) => x * scale)]));
}

function norm(t: number): number {
  return Math.sqrt((gradSteps[t] as number[][]).flat().reduce((a, x) => a + x * x, 0));
}

for (const backend of BACKENDS) {
  for (const name of OPTIMIZER_NAMES) {
    test(`${name}: gradClip in the step equals stepping with clipped gradients, and reports ‖g‖ (${backend})`, async () => {
      await useTestBackend(backend);
      const config = { ...defaultOptimizerConfig(name), lr: 0.01 };
      const inStep = params();
      const preClipped = params();
      const a = createOptimizer(config);
      const b = createOptimizer(config);
      for (let t = 0; t < 4; t++) {
        const clip = t === 3 ? 1e3 : 1; // the last step is not clipped (‖g‖ < c)
        const r = stepWith(a, inStep, gradsOf(t), { step: t, lr: 0.01, measure: true, gradClip: clip });
        stepWith(b, preClipped, gradsOf(t, clip / Math.max(norm(t), clip)), { step: t, lr: 0.01, measure: false });
        assert.ok(Math.abs(r.gradNorm - norm(t)) <= 1e-5 * norm(t), `gradNorm at step ${t}: ${r.gradNorm} vs ${norm(t)}`);
        assert.equal(r.nanEvents, 0);
        inStep.forEach((p, i) => assertClose(values(p.variable), values((preClipped[i] as ModelParam).variable), `${p.name} at step ${t}`, 1e-5, 1e-6));
      }
      a.dispose();
      b.dispose();
      disposeParams(inStep);
      disposeParams(preClipped);
    });
  }

  test(`tiger: stacked and concatenated groups match one tensor at a time (${backend})`, async () => {
    await useTestBackend(backend);
    const config = { ...defaultOptimizerConfig('tiger'), lr: 0.01 };
    const together = params();
    const alone = params();
    const opt = createOptimizer(config);
    const opts = alone.map(() => createOptimizer(config));
    for (let t = 0; t < 3; t++) {
      stepWith(opt, together, gradsOf(t), { step: t, lr: 0.01, measure: false });
      alone.forEach((p, i) => stepWith(opts[i]!, [p], { [p.name]: gradsOf(t)[p.name] as number[] }, { step: t, lr: 0.01, measure: false }));
      together.forEach((p, i) => assertClose(values(p.variable), values((alone[i] as ModelParam).variable), `${p.name} after step ${t}`, 1e-6, 1e-7));
    }
    opt.dispose();
    opts.forEach((o) => o.dispose());
    disposeParams(together);
    disposeParams(alone);
  });
}
