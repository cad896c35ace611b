/** The series palette's colour distance: CIEDE2000 against published reference pairs, and the palette filter. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { colorDistance, deltaE2000, distinctColors, MIN_SERIES_DELTA, parseColor } from '../../webview/theme/colorDistance';
import { seriesCandidates } from '../../webview/theme/palettes';

test('CIEDE2000 matches the reference pairs of Sharma, Wu and Dalal (2005)', () => {
  const pairs: [number[], number[], number][] = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 3.1571, -77.2803], [50, 0, -82.7485], 2.8615],
    [[50, -1.3802, -84.2814], [50, 0, -82.7485], 1.0],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.49, -0.001], [50, -2.49, 0.0009], 7.1792],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [[22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619], 2.0373],
    [[90.8027, -2.0831, 1.441], [91.1528, -1.6435, 0.0447], 1.4441],
  ];
  for (const [a, b, expected] of pairs) assert.ok(Math.abs(deltaE2000(a, b) - expected) < 1e-4, `${a} vs ${b}: ${deltaE2000(a, b)} ≠ ${expected}`);
});

test('CSS colours parse as hex and rgb()', () => {
  assert.deepEqual(parseColor('#d18616'), [209, 134, 22]);
  assert.deepEqual(parseColor('#abc'), [170, 187, 204]);
  assert.deepEqual(parseColor('#3794ffcc'), [55, 148, 255]);
  assert.deepEqual(parseColor('rgb(1, 2, 3)'), [1, 2, 3]);
  assert.equal(parseColor('var(--x)'), null);
});

test("VS Code's own orange and yellow are too close to tell apart; the palette keeps one of them", () => {
  // Dark Modern: charts.orange #d18616, charts.yellow #cca700 (ΔE00 ≈ 14.7).
  assert.ok(colorDistance('#d18616', '#cca700') < MIN_SERIES_DELTA);
  assert.deepEqual(distinctColors(['#3794ff', '#d18616', '#cca700', '#89d185']), ['#3794ff', '#d18616', '#89d185']);
});

test('every theme kind offers at least 8 series colours, each pair at least ΔE00 20 apart', () => {
  for (const kind of ['dark', 'light', 'high-contrast', 'high-contrast-light'] as const) {
    const palette = distinctColors(seriesCandidates(kind));
    assert.ok(palette.length >= 8, `${kind}: ${palette.length} colours`);
    for (let i = 0; i < palette.length; i++) {
      for (let j = i + 1; j < palette.length; j++) assert.ok(colorDistance(palette[i] as string, palette[j] as string) >= MIN_SERIES_DELTA, `${kind}: ${palette[i]} vs ${palette[j]}`);
    }
  }
});
