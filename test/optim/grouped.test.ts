/**
 * AdamW, Lion and SGD update parameters joined into one tensor per group (fewer kernels: here the
 * [2, ·] matrices concatenated along their last axis, the [·, 5] ones along their first, the
 * vectors together). The result must
 * be bit-identical to updating each tensor on its own, including the update norm, and a NaN
 * gradient must still skip only its own tensor.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createOptimizer, defaultOptimizerConfig } from '../../src/engine/optim';
import type { ModelParam } from '../../src/engine/model/params';
import { Rng } from '../../src/core/random';
import type { tf } from '../../src/engine/tf';
import { useTestBackend } from '../backends/testBackend';
import { BACKENDS, disposeParams, makeParam, stepWith, values } from './helpers';

const rng = new Rng(5);
const rand = (n: number): number[] => Array.from({ length: n }, () => rng.normal());
const shapes: [string, number[]][] = [['a', [2, 3]], ['b', [2, 3]], ['c', [4]], ['d', [2, 3]], ['e', [4]], ['f', [2, 5]], ['g', [3, 5]], ['h', [1, 5]]];
const init = shapes.map(([, s]) => rand(s.reduce((x, y) => x * y, 1)));
const gradSteps = [0, 1, 2].map(() => shapes.map(([, s]) => rand(s.reduce((x, y) => x * y, 1))));

function params(): ModelParam[] {
  return shapes.map(([name, shape], i) => makeParam(name, 'matrix', init[i] as number[], shape));
}

for (const backend of BACKENDS) {
  for (const name of ['adamw', 'lion', 'sgd'] as const) {
    test(`${name}: a stacked group gives the same bits as one tensor at a time (${backend})`, async () => {
      await useTestBackend(backend);
      const together = params();
      const alone = params();
      const optTogether = createOptimizer({ ...defaultOptimizerConfig(name), lr: 0.05 });
      const optAlone = alone.map(() => createOptimizer({ ...defaultOptimizerConfig(name), lr: 0.05 }));
      gradSteps.forEach((gs, t) => {
        const grads = Object.fromEntries(shapes.map(([n], i) => [n, gs[i] as number[]]));
        if (t === 2) grads.b = (grads.b as number[]).map((x, j) => (j === 1 ? Number.NaN : x)); // b is skipped
        const r = stepWith(optTogether, together, grads, { step: t, lr: 0.05, measure: true });
        let squares = 0;
        alone.forEach((p, i) => {
          const ri = stepWith(optAlone[i]!, [p], { [p.name]: grads[p.name] as number[] }, { step: t, lr: 0.05, measure: true });
          if (!Number.isNaN(ri.updateNorm)) squares += ri.updateNorm ** 2;
        });
        assert.equal(r.nanEvents, t === 2 ? 1 : 0);
        assert.ok(Math.abs(r.updateNorm - Math.sqrt(squares)) <= 1e-6 * Math.max(1, r.updateNorm), `update norm at step ${t}`);
        together.forEach((p, i) => assert.deepEqual(values(p.variable), values((alone[i] as ModelParam).variable), `${p.name} after step ${t}`));
      });
      const stateT = optTogether.getState();
      alone.forEach((p, i) => {
        for (const [key, tensor] of optAlone[i]!.getState()) {
          assert.deepEqual(Array.from(tensor.dataSync()), Array.from((stateT.get(key) as tf.Tensor).dataSync()), key);
        }
      });
      optTogether.dispose();
      optAlone.forEach((o) => o.dispose());
      disposeParams(together);
      disposeParams(alone);
    });
  }
}
