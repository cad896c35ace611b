import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TRACE_FUNCTION_NAMES, getTestFunction } from '../../src/core/trace/testFunctions';

test('analytic gradients match central differences', () => {
  const h = 1e-6;
  for (const name of TRACE_FUNCTION_NAMES) {
    const fn = getTestFunction(name);
    for (const [x, y] of [fn.start, [0.3, -0.7], [1.7, 1.2]] as const) {
      const [gx, gy] = fn.grad(x, y);
      const nx = (fn.f(x + h, y) - fn.f(x - h, y)) / (2 * h);
      const ny = (fn.f(x, y + h) - fn.f(x, y - h)) / (2 * h);
      assert.ok(Math.abs(gx - nx) <= 1e-5 * Math.max(1, Math.abs(nx)), `${name} ∂x at (${x}, ${y}): ${gx} vs ${nx}`);
      assert.ok(Math.abs(gy - ny) <= 1e-5 * Math.max(1, Math.abs(ny)), `${name} ∂y at (${x}, ${y}): ${gy} vs ${ny}`);
    }
  }
});

test('the listed minima are stationary with the stated value, inside the domain with the start', () => {
  for (const name of TRACE_FUNCTION_NAMES) {
    const fn = getTestFunction(name);
    assert.equal(fn.name, name);
    assert.ok(fn.minima.length >= 1);
    for (const [x, y] of fn.minima) {
      assert.ok(Math.abs(fn.f(x, y) - fn.minValue) < 1e-9, `${name}: f at (${x}, ${y}) = ${fn.f(x, y)}`);
      const [gx, gy] = fn.grad(x, y);
      assert.ok(Math.hypot(gx, gy) < 1e-4, `${name}: gradient at (${x}, ${y}) is (${gx}, ${gy})`);
    }
    const inside = ([x, y]: readonly [number, number]): boolean =>
      x >= fn.domain.x[0] && x <= fn.domain.x[1] && y >= fn.domain.y[0] && y <= fn.domain.y[1];
    assert.ok(inside(fn.start), `${name}: start inside the domain`);
    for (const m of fn.minima) assert.ok(inside(m), `${name}: minimum inside the domain`);
    assert.ok(fn.f(fn.start[0], fn.start[1]) > fn.minValue, `${name}: the start is not already optimal`);
  }
});

test('an unknown function name lists the valid ones', () => {
  assert.throws(() => getTestFunction('booth'), /unknown test function 'booth' \(expected one of: rosenbrock, beale, quadratic, himmelblau, saddle\)/);
});
