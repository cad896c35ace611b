/**
 * The chart library's pure parts, in Node (no browser): smoothing, number formats, table sorting,
 * CSV, and the test-function grids behind the optimizer-path view.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { ema } from '../../webview/charts/ema';
import { formatFixed, formatValue } from '../../webview/charts/format';
import { sortRows } from '../../webview/charts/sortRows';
import { contourFromTraces, functionGrid } from '../../webview/charts/functionGrid';
import { exportCsv } from '../../webview/export/exportCsv';
import { getTestFunction } from '../../src/core/trace/testFunctions';
import { traces } from '../fixtures/charts/chartFixtures';

const root = resolve(__dirname, '..', '..', '..');

describe('ema', () => {
  it('is debiased like TensorBoard: 1, 2, 3 at weight 0.5 give 1, 5/3, 17/7', () => {
    const s = ema([1, 2, 3], 0.5);
    // s1 = 0.5·1 / (1 − 0.5) = 1; s2 = (0.25 + 1) / 0.75 = 5/3; s3 = (0.625 + 1.5) / 0.875 = 17/7
    assert.deepEqual(
      s.map((v) => Number(v.toFixed(12))),
      [1, Number((5 / 3).toFixed(12)), Number((17 / 7).toFixed(12))],
    );
  });
  it('weight 0 is the identity; NaN passes through without entering the average', () => {
    assert.deepEqual(ema([3, 1, 2], 0), [3, 1, 2]);
    const s = ema([2, NaN, 2], 0.9);
    assert.ok(Number.isNaN(s[1]));
    assert.ok(Math.abs((s[2] as number) - 2) < 1e-12);
  });
  it('rejects weights outside [0, 1)', () => {
    assert.throws(() => ema([1], 1), /smoothing weight must be in \[0, 1\), got 1/);
    assert.throws(() => ema([1], -0.1), /got -0.1/);
  });
});

describe('number formats', () => {
  it('formatValue: integers in full, 6 significant digits, exponents for tiny and huge', () => {
    assert.equal(formatValue(1450), '1450');
    assert.equal(formatValue(0.1 + 0.2), '0.3');
    assert.equal(formatValue(2.302585093), '2.30259');
    assert.equal(formatValue(0.00001234), '1.234e-5');
    assert.equal(formatValue(3.5e10), '35000000000');
    assert.equal(formatValue(3.5e20), '3.5e+20');
    assert.equal(formatValue(1234567890.5), '1.2346e+9');
    assert.equal(formatValue(NaN), '—');
    assert.equal(formatValue(-Infinity), '−∞');
    assert.equal(formatValue(null), '—');
  });
  it('formatFixed: fixed digits, no negative zero, exponents from a million', () => {
    assert.equal(formatFixed(0.12345, 3), '0.123');
    assert.equal(formatFixed(-0.0001, 2), '0.00');
    assert.equal(formatFixed(0.0001, 2), '0.00');
    assert.equal(formatFixed(2.5e6, 2), '2.50e+6');
    assert.equal(formatFixed(NaN, 2), '—');
  });
});

describe('sortRows', () => {
  const rows = [
    { name: 'b', v: 2 },
    { name: 'a', v: null },
    { name: 'c', v: 1 },
    { name: 'd', v: 2 },
    { name: 'e', v: NaN },
  ];
  it('sorts numbers both ways, keeps ties in input order, puts missing values last', () => {
    assert.deepEqual(
      sortRows(rows, 'v', false).map((r) => r.name),
      ['c', 'b', 'd', 'a', 'e'],
    );
    assert.deepEqual(
      sortRows(rows, 'v', true).map((r) => r.name),
      ['b', 'd', 'c', 'a', 'e'],
    );
    assert.deepEqual(
      sortRows(rows, 'name', true).map((r) => r.name),
      ['e', 'd', 'c', 'b', 'a'],
    );
  });
});

describe('exportCsv', () => {
  it('quotes what needs quoting, writes numbers in full and missing values empty', () => {
    const csv = exportCsv({
      columns: ['run', 'loss', 'note'],
      rows: [
        ['lion, s1', 0.1 + 0.2, 'said "ok"'],
        ['adamw', NaN, null],
        [' padded', 1e-7, 'two\nlines'],
      ],
    });
    assert.equal(csv, 'run,loss,note\r\n"lion, s1",0.30000000000000004,"said ""ok"""\r\nadamw,,\r\n" padded",1e-7,"two\nlines"\r\n');
  });
  it('rejects a row whose length does not match the header', () => {
    assert.throws(() => exportCsv({ columns: ['a', 'b'], rows: [[1]] }), /row 0 has 1 cells, the header has 2/);
  });
});

describe('functionGrid and contourFromTraces', () => {
  it('samples the engine test function on its domain, corners included', () => {
    const g = functionGrid('himmelblau', 5);
    const f = getTestFunction('himmelblau');
    assert.deepEqual([g.x, g.y], [
      [-5, 5],
      [-5, 5],
    ]);
    assert.equal(g.values.length, 5);
    assert.equal(g.values[0]?.[0], f.f(-5, -5));
    assert.equal(g.values[4]?.[0], f.f(-5, 5));
    assert.equal(g.values[2]?.[3], f.f(2.5, 0));
  });
  it('names what is wrong', () => {
    assert.throws(() => functionGrid('bowl'), /unknown test function 'bowl'/);
    assert.throws(() => functionGrid('beale', 1), /resolution must be an integer in \[2, 1000\], got 1/);
    assert.throws(() => contourFromTraces([]), /no traces/);
  });
  it('turns trace --json output into one path per optimizer over the function grid', () => {
    const t = traces(join(root));
    const d = contourFromTraces(t, 40);
    assert.deepEqual(
      d.paths.map((p) => p.label),
      ['adamw (lr 0.02)', 'lion (lr 0.02)', 'tiger (lr 0.02)'],
    );
    assert.equal(d.paths[1]?.points.length, t[1]?.points.length);
    assert.deepEqual(d.minima, [[1, 1]]);
    assert.match(d.caption ?? '', /^rosenbrock: f\(x, y\) = \(1 − x\)² \+ 100 \(y − x²\)²$/);
    const other = { ...(t[0] as (typeof t)[number]), function: 'beale' };
    assert.throws(() => contourFromTraces([t[0] as (typeof t)[number], other]), /different functions \(rosenbrock, beale\)/);
  });
});
