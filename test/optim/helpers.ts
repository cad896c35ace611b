import * as assert from 'node:assert/strict';
import type { ParamKind, ModelParam } from '../../src/engine/model/params';
import type { Optimizer, StepOptions, StepReport } from '../../src/engine/optim/optimizer';
import { tf } from '../../src/engine/tf';
import { testBackends } from '../backends/testBackend';
import type { Tensor } from '../../src/engine/tf';

/** The backends every numeric optimizer test runs on (ATTENTION_LAB_TEST_BACKEND overrides; see test/backends/). */
export const BACKENDS = testBackends();

/** A float32 parameter variable with the given values (shape defaults to 1-D). */
export function makeParam(name: string, kind: ParamKind, values: readonly number[], shape?: number[]): ModelParam {
  const variable = tf.tidy(() => tf.variable(tf.tensor(values as number[], shape ?? [values.length], 'float32'), true));
  return { name, kind, variable };
}

/** One optimizer step with gradients given as plain arrays (shaped like their parameters). */
export function stepWith(
  opt: Optimizer,
  params: readonly ModelParam[],
  grads: Readonly<Record<string, readonly number[]>>,
  options: StepOptions,
): StepReport {
  const map = new Map<string, Tensor>();
  for (const p of params) {
    const g = grads[p.name];
    if (g === undefined) throw new Error(`test: no gradient given for ${p.name}`);
    map.set(p.name, tf.tensor(g as number[], p.variable.shape, 'float32'));
  }
  try {
    return opt.step(params, map, options);
  } finally {
    for (const t of map.values()) t.dispose();
  }
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Elementwise |a − e| <= rel·|e| + abs: float32 results against double references. */
export function assertClose(actual: readonly number[], expected: readonly number[], what: string, rel = 1e-6, abs = 1e-7): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= rel * Math.abs(e) + abs, `${what}[${i}]: got ${a}, expected ${e}`);
  });
}

export function disposeParams(params: readonly ModelParam[]): void {
  for (const p of params) p.variable.dispose();
}

/** Model-like parameters: same-shaped matrices (one group), an embedding pair, vectors of every half-step kind. */
export const MODEL_LIKE_PARAMS: readonly [string, ParamKind, number[]][] = [
  ['w1', 'matrix', [3, 4]],
  ['w2', 'matrix', [3, 4]],
  ['w3', 'matrix', [3, 2]],
  ['e1', 'embedding', [5, 3]],
  ['e2', 'embedding', [5, 3]],
  ['b1', 'bias', [4]],
  ['g1', 'norm-gain', [3]],
  ['n1', 'norm-bias', [3]],
];

/** Number of elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
