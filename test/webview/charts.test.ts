/**
 * The chart library in a real Chromium: every chart of the gallery drawn from fixture data, with
 * assertions on what is drawn and on the values (cell colours, tooltips, canvas pixels, tick
 * spacing, sort order), theme switches, exports, keyboard access, and a screenshot per chart in
 * test-results/charts/. One browser for the whole file.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { color, interpolateRdBu, interpolateViridis } from 'd3';
import type { Browser, Locator, Page } from 'playwright-core';
import { attentionHeads, causalAttention, coloredCycle, entropyHeatmap, galleryEntries, gridPaths, lossSeries, traces } from '../fixtures/charts/chartFixtures';
import { formatValue } from '../../webview/charts/format';
import type { GalleryWindow, ToolkitCheckWindow } from '../../webview/gallery/galleryApi';
import type { DataTable } from '../../webview/charts/types';
import { DARK_VARS, chartTestsUnavailable, openGallery, openToolkitCheck, root, setTheme, shotDir } from './chartPage';

const unavailable = chartTestsUnavailable();

/** Calls the gallery API in the page. */
function api<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([f, a]) => {
      const g = (globalThis as unknown as GalleryWindow).attentionLabGallery as unknown as Record<string, (...x: unknown[]) => T>;
      return (g[f] as (...x: unknown[]) => T)(...a);
    },
    [fn, args] as const,
  );
}

const hex = (c: string): string => color(c)?.formatHex() ?? c;

describe('charts in Chromium', { skip: unavailable }, () => {
  let browser: Browser;
  let page: Page;
  const card = (id: string): Locator => page.locator(`#chart-${id}`);
  const tooltip = (id: string): Locator => card(id).locator('.al-tooltip');

  before(async () => {
    ({ browser, page } = await openGallery());
    await setTheme(page, 'vscode-dark', DARK_VARS);
    await api<number>(page, 'render', galleryEntries(root));
  });
  after(async () => {
    await browser?.close();
  });

  it('renders every chart without errors or CSP violations, and saves a screenshot of each', async () => {
    const entries = galleryEntries(root);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as GalleryWindow).attentionLabGallery.errors), []);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as GalleryWindow).attentionLabGallery.cspViolations), []);
    for (const e of entries) {
      const c = card(e.id);
      assert.equal(await c.count(), 1, e.id);
      await c.screenshot({ path: join(shotDir, `${e.id}.png`) });
    }
    await page.screenshot({ path: join(shotDir, 'gallery-dark.png'), fullPage: true });
  });

  it('line chart: one line and one mean ± std band per series, values in the tooltip', async () => {
    const c = card('loss');
    assert.equal(await c.locator('path.al-line').count(), 3);
    assert.equal(await c.locator('path.al-band').count(), 3);
    assert.ok((await c.locator('.al-y-axis .tick').count()) >= 3, 'y ticks');
    assert.ok((await c.locator('.al-x-axis .tick').count()) >= 3, 'x ticks');
    // Keyboard: focus the plot, End jumps to the last logged step.
    await c.locator('svg.al-plot').focus();
    await page.keyboard.press('End');
    const data = lossSeries();
    const last = data[0]?.points.at(-1);
    assert.ok(last?.std !== undefined);
    const tip = await tooltip('loss').textContent();
    assert.ok(tip?.includes(`step = ${last.x}`), tip ?? '');
    assert.ok(tip?.includes(`AdamW${formatValue(last.y)} ± ${formatValue(last.std)}`), tip ?? '');
    // Hovering the left edge shows step 0.
    await c.locator('rect.al-overlay').hover({ position: { x: 1, y: 20 } });
    const first = data[1]?.points[0];
    assert.ok(first !== undefined);
    const tip0 = await tooltip('loss').textContent();
    assert.ok(tip0?.includes('step = 0') && tip0.includes(`Lion${formatValue(first.y)}`), tip0 ?? '');
    await c.locator('rect.al-overlay').hover({ position: { x: 200, y: 60 } });
    await c.screenshot({ path: join(shotDir, 'loss-tooltip.png') });
  });

  it('line chart: a legend button hides its series and is keyboard operable', async () => {
    const c = card('loss');
    const lion = c.locator('.al-legend button[data-series="lion"]');
    await lion.focus();
    await page.keyboard.press('Enter');
    assert.equal(await c.locator('path.al-line').count(), 2);
    assert.equal(await c.locator('path.al-line[data-series="lion"]').count(), 0);
    assert.equal(await c.locator('.al-legend button[data-series="lion"]').getAttribute('aria-pressed'), 'false');
    await c.locator('.al-legend button[data-series="lion"]').click();
    assert.equal(await c.locator('path.al-line').count(), 3);
  });

  it('line chart: log scale spaces ticks by log value, smoothing changes the drawn values', async () => {
    const c = card('loss-log');
    const ticks = await c.locator('.al-y-axis .tick').evaluateAll((ts) =>
      ts.map((t) => [Number((t as unknown as { __data__: number }).__data__), Number(/translate\(0,([-\d.e]+)\)/.exec(t.getAttribute('transform') ?? '')?.[1])]),
    );
    assert.ok(ticks.length >= 3);
    // y(v) linear in ln v: equal pixel distance per unit of ln v.
    const slopes = ticks.slice(1).map(([v, y], i) => ((y as number) - (ticks[i]?.[1] as number)) / (Math.log(v as number) - Math.log(ticks[i]?.[0] as number)));
    for (const s of slopes) assert.ok(Math.abs(s - (slopes[0] as number)) < 0.01 * Math.abs(slopes[0] as number), `slopes ${slopes.join(', ')}`);
    // Labels only on 1, 2, 5 × 10^k.
    const labels = (await c.locator('.al-y-axis .tick text').allTextContents()).filter((t) => t !== '');
    for (const l of labels) assert.match(l, /^(1|2|5)(0*|\.\d*[125]0*)$|^0\.0*[125]$/);
    // EMA 0.6 of the raw AdamW values, debiased: the table holds the smoothed series.
    const raw = lossSeries()[0]?.points.map((p) => p.y) ?? [];
    const table = await api<DataTable>(page, 'table', 'loss-log');
    const adamw = table.rows.filter((r) => r[0] === 'AdamW').map((r) => r[2] as number);
    const w = 0.6;
    let s = 0;
    const expected = raw.map((v, i) => ((s = w * s + (1 - w) * v), s / (1 - w ** (i + 1))));
    assert.equal(adamw.length, expected.length);
    adamw.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] as number)) < 1e-12, `point ${i}`));
    assert.notEqual(adamw[1], raw[1]);
  });

  it('empty states say so in words', async () => {
    assert.equal((await card('empty-line').locator('.al-empty').textContent())?.trim(), 'No data yet');
    assert.equal(await card('empty-line').locator('svg.al-plot').count(), 0);
    assert.match((await card('empty-heatmap').locator('.al-empty').textContent()) ?? '', /No evaluation yet/);
  });

  it('heatmap: one cell per value, colour mapped from the value, NaN drawn as missing, ln n markers', async () => {
    const ent = entropyHeatmap();
    const c = card('entropy');
    assert.equal(await c.locator('rect.al-cell').count(), 8 * 7);
    const finite = ent.values.flat().filter((v) => Number.isFinite(v));
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    // Every finite cell's fill is viridis at its position in [min, max].
    const cells = await c.locator('rect.al-cell').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-row'), r.getAttribute('data-col'), r.getAttribute('fill'), r.getAttribute('data-missing')]));
    for (const [row, col, fill, missing] of cells) {
      const v = ent.values[Number(row)]?.[Number(col)] as number;
      if (Number.isNaN(v)) {
        assert.equal(missing, 'true');
        assert.match(fill ?? '', /^url\(#al-hatch-\d+\)$/);
      } else assert.equal(hex(fill ?? ''), hex(interpolateViridis((v - lo) / (hi - lo))), `cell ${row},${col}`);
    }
    assert.equal(await c.locator('.al-column-marker').count(), 7);
    assert.equal(await c.locator('line.al-split').count(), 1);
    // Tooltip with the exact value and the ln n reference of that column.
    await c.locator('rect.al-cell[data-row="2"][data-col="3"]').hover();
    const tip = (await tooltip('entropy').textContent()) ?? '';
    const v = ent.values[2]?.[3] as number;
    assert.ok(tip.includes('L0·H2') && tip.includes('24'), tip);
    assert.ok(tip.includes(`entropy (nats)${formatValue(v)}`), tip);
    assert.ok(tip.includes(`ln n${formatValue(Math.log(24))}`), tip);
    await c.screenshot({ path: join(shotDir, 'entropy-tooltip.png') });
    // Missing cell says so.
    await c.locator('rect.al-cell[data-row="5"][data-col="6"]').hover();
    assert.ok((await tooltip('entropy').textContent())?.includes('missing'));
  });

  it('heatmap: arrow keys move a cell cursor with the same tooltip', async () => {
    const ent = entropyHeatmap();
    await page.mouse.move(0, 0);
    await card('entropy').locator('svg.al-plot').focus();
    await page.keyboard.press('ArrowRight'); // first press selects (0, 0)
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const tip = (await tooltip('entropy').textContent()) ?? '';
    assert.ok(tip.includes('L0·H1') && tip.includes(formatValue(ent.values[1]?.[1] as number)), tip);
    await page.keyboard.press('Escape');
    assert.equal(await tooltip('entropy').isVisible(), false);
  });

  it('diverging heatmap: the centre value is the neutral colour, the sign picks the side', async () => {
    const cells = await card('length-gen')
      .locator('rect.al-cell')
      .evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-value')), r.getAttribute('fill') ?? '']));
    const absMax = Math.max(...cells.map(([v]) => Math.abs(v as number)));
    for (const [v, fill] of cells) assert.equal(hex(fill as string), hex(interpolateRdBu(1 - ((v as number) / absMax + 1) / 2)), `value ${v}`);
    const zero = cells.find(([v]) => v === 0);
    assert.ok(zero !== undefined, 'a zero cell');
    assert.equal(hex(zero[1] as string), hex(interpolateRdBu(0.5)));
  });

  it('attention: a canvas of T×T pixels whose colour at (q, k) is the colour of p, tooltips per cell', async () => {
    const probs = causalAttention(12, 23);
    const c = card('attention-small');
    assert.equal(await c.locator('canvas').count(), 1);
    const pixels = await c.locator('canvas').evaluate((el) => {
      const cv = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      return { w: cv.width, h: cv.height, data: Array.from(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data) };
    });
    assert.equal(pixels.w, 12);
    assert.equal(pixels.h, 12);
    for (let q = 0; q < 12; q++) {
      for (let k = 0; k < 12; k++) {
        const p = probs[q]?.[k] as number;
        const want = color(interpolateViridis(Math.round(p * 255) / 255))?.rgb();
        const o = (q * 12 + k) * 4;
        assert.deepEqual(pixels.data.slice(o, o + 3), [want?.r, want?.g, want?.b], `pixel (${q}, ${k}) for p = ${p}`);
      }
    }
    // Token labels on both axes.
    assert.equal(await c.locator('.al-x-axis .tick').count(), 12);
    assert.equal((await c.locator('.al-y-axis .tick text').allTextContents())[8], '|');
    // Hover the centre of cell (q = 9, k = 4).
    await c.locator('rect.al-overlay').scrollIntoViewIfNeeded();
    const box = await c.locator('rect.al-overlay').boundingBox();
    assert.ok(box !== null);
    const cell = box.width / 12;
    await page.mouse.move(box.x + 4.5 * cell, box.y + 9.5 * cell);
    const tip = (await tooltip('attention-small').textContent()) ?? '';
    assert.ok(tip.includes('query 9 (1) → key 4 (5)'), tip);
    assert.ok(tip.includes(`p${formatValue(probs[9]?.[4])}`), tip);
    await c.screenshot({ path: join(shotDir, 'attention-small-tooltip.png') });
  });

  it('attention 256 × 256: one canvas of 256² pixels and a handful of SVG nodes, no per-cell elements', async () => {
    const c = card('attention-256');
    const size = await c.locator('canvas').evaluate((el) => [(el as unknown as { width: number }).width, (el as unknown as { height: number }).height]);
    assert.deepEqual(size, [256, 256]);
    assert.ok((await c.locator('svg *').count()) < 150, 'overlay stays small');
    assert.equal(await c.locator('rect.al-cell').count(), 0);
    // Diagonal above the causal mask is zero: pixel (q=10, k=200) has the colour of 0.
    const px = await c.locator('canvas').evaluate((el) =>
      Array.from((el as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }).getContext('2d').getImageData(200, 10, 1, 1).data),
    );
    const zero = color(interpolateViridis(0))?.rgb();
    assert.deepEqual(px.slice(0, 3), [zero?.r, zero?.g, zero?.b]);
    const ms = await api<number>(page, 'redrawMs', 'attention-256', 5);
    console.log(`attention 256×256 redraw: median ${ms.toFixed(1)} ms over 5 (machine under load: informative, not asserted)`);
  });

  it('all heads: one T×T canvas per layer and head with the colours of p, the selected head outlined, tooltips per tile', async () => {
    const heads = attentionHeads(2, 4, 12);
    const c = card('attention-grid');
    const tiles = c.locator('canvas.al-attention-tile');
    assert.equal(await tiles.count(), 8);
    // Tiles in layer-major order: tile 5 is layer 1, head 1.
    for (const [i, l, h] of [[0, 0, 0], [5, 1, 1]] as const) {
      const px = await tiles.nth(i).evaluate((el) => {
        const cv = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
        return { w: cv.width, data: Array.from(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data) };
      });
      assert.equal(px.w, 12);
      const probs = heads[l]?.[h] as number[][];
      for (const [q, k] of [[0, 0], [7, 3], [11, 10]]) {
        const want = color(interpolateViridis(Math.round((probs[q as number]?.[k as number] as number) * 255) / 255))?.rgb();
        const o = ((q as number) * 12 + (k as number)) * 4;
        assert.deepEqual(px.data.slice(o, o + 3), [want?.r, want?.g, want?.b], `tile ${i} (layer ${l} head ${h}) pixel (${q}, ${k})`);
      }
    }
    const selected = c.locator('rect.al-tile[data-layer="1"][data-head="2"]');
    assert.equal(await selected.getAttribute('stroke-width'), '2');
    assert.equal((await c.locator('rect.al-tile[stroke-width="2"]').count()), 1);
    const box = await c.locator('rect.al-tile[data-layer="0"][data-head="1"]').boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + (4.5 / 12) * box.width, box.y + (9.5 / 12) * box.height);
    const tip = (await tooltip('attention-grid').textContent()) ?? '';
    assert.ok(tip.includes('L0·H1: query 9 (1) → key 4 (5)'), tip);
    assert.ok(tip.includes(`p${formatValue(heads[0]?.[1]?.[9]?.[4])}`), tip);
    assert.equal((await api<DataTable>(page, 'table', 'attention-grid')).rows.length, 8 * 144);
    await c.screenshot({ path: join(shotDir, 'attention-grid-tooltip.png') });
  });

  it('bars: one bar per finite value, heights proportional to values, error bars, tooltip', async () => {
    const c = card('final-accuracy');
    const bars = await c.locator('rect.al-bar').evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-value')), Number(r.getAttribute('height'))]));
    assert.equal(bars.length, 8); // 9 values, one NaN
    const [v0, h0] = bars[0] as [number, number];
    for (const [v, h] of bars as [number, number][]) assert.ok(Math.abs(h / h0 - v / v0) < 1e-6, `bar ${v}`);
    assert.equal(await c.locator('.al-error').count(), 8);
    await c.locator('rect.al-bar[data-group="1"][data-series="2"]').hover();
    assert.ok((await tooltip('final-accuracy').textContent())?.includes('Tiger0.98 ± 0.01'));
  });

  it('table: sorts by a column on click and on Enter, marks the best values', async () => {
    const c = card('optimizers');
    const col = async (i: number): Promise<string[]> => c.locator(`tbody tr td:nth-child(${i})`).allTextContents();
    await c.locator('th button[data-key="loss"]').click();
    assert.deepEqual(await col(3), ['0.1407', '0.1532', '0.1688', '0.1796', '0.2214', '0.2381']);
    assert.equal(await c.locator('th:nth-child(3)').getAttribute('aria-sort'), 'ascending');
    await c.locator('th button[data-key="loss"]').focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await col(3), ['0.2381', '0.2214', '0.1796', '0.1688', '0.1532', '0.1407']);
    // Missing values sort last either way.
    await c.locator('th button[data-key="steps90"]').click();
    assert.equal((await col(5)).at(-1), '—');
    const best = new Set(await c.locator('td.al-best').allTextContents());
    assert.deepEqual(best, new Set(['0.1407', '0.917', '850']));
  });

  it('table with intervals: a best is marked only where its interval separates from every other row with a value', async () => {
    const c = card('optimizers-ci');
    const best = await c.locator('td.al-best').allTextContents();
    assert.deepEqual(best, ['0.1203'], 'Lion\'s loss is marked, no exact match (Lion and Tiger overlap), the untrained row is ignored');
  });

  it('heatmap with notes: a diverged cell is drawn missing with its note, in the tooltip and the data table too', async () => {
    const c = card('robust-diverged');
    const notes = await c.locator('text.al-cell-note').allTextContents();
    assert.deepEqual(notes, ['diverged 1/3', 'diverged 3/3']);
    assert.equal(await c.locator('rect.al-cell[data-missing="true"][data-note="diverged 3/3"]').count(), 1);
    await c.locator('rect.al-cell[data-col="4"]').hover();
    assert.ok(((await tooltip('robust-diverged').textContent()) ?? '').includes('diverged 3/3'));
    const table = await api<DataTable>(page, 'table', 'robust-diverged');
    assert.deepEqual(table.rows[0]?.slice(4), ['diverged 1/3', 'diverged 3/3']);
  });

  it('contour with optimizer paths: contour bands, three paths with start/end markers, the minimum, step tooltips', async () => {
    const c = card('paths');
    assert.ok((await c.locator('path.al-contour').count()) >= 10);
    assert.equal(await c.locator('g.al-path').count(), 3);
    assert.equal(await c.locator('circle.al-start').count(), 3);
    assert.equal(await c.locator('.al-end').count(), 3);
    assert.equal(await c.locator('path.al-minimum').count(), 1);
    const t = traces(root);
    await c.locator('svg.al-plot').focus();
    await page.keyboard.press('ArrowDown'); // first key: path 0, step 0
    await page.keyboard.press('ArrowDown'); // path 1 (Lion)
    await page.keyboard.press('End');
    const last = t[1]?.points.at(-1);
    assert.ok(last !== undefined);
    const tip = (await tooltip('paths').textContent()) ?? '';
    assert.ok(tip.startsWith(`lion (lr 0.02) · step ${last.step}`), tip);
    assert.ok(tip.includes(`x${formatValue(last.x)}`) && tip.includes(`f${formatValue(last.loss)}`), tip);
    // The end marker sits at the last point: compare with the axis scale read from the ticks.
    const end = await c.locator('g.al-path[data-path="lion (lr 0.02)"] circle.al-end').evaluate((e) => [Number(e.getAttribute('cx')), Number(e.getAttribute('cy'))]);
    const xt = await c.locator('.al-x-axis .tick').evaluateAll((ts) => ts.map((e) => [Number((e as unknown as { __data__: number }).__data__), Number(/translate\(([-\d.e]+)/.exec(e.getAttribute('transform') ?? '')?.[1])]));
    const [a, b] = [xt[0], xt.at(-1)] as [number[], number[]];
    // d3-axis shifts ticks by 0.5 px at device pixel ratio 1 (crisp lines).
    const px = (a[1] as number) - 0.5 + (((b[1] as number) - (a[1] as number)) * (last.x - (a[0] as number))) / ((b[0] as number) - (a[0] as number));
    assert.ok(Math.abs((end[0] as number) - px) < 0.01, `end marker x ${end[0]} vs ${px}`);
  });

  it('histogram: one bar per bin with its count, skipped values reported', async () => {
    const c = card('histogram');
    const bins = await c.locator('rect.al-bin').evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-count')), Number(r.getAttribute('height'))]));
    assert.equal(bins.length, 40);
    assert.equal(bins.reduce((s, [n]) => s + (n as number), 0), 4096);
    const [n0, h0] = bins.reduce((a, b) => ((b[0] as number) > (a[0] as number) ? b : a));
    for (const [n, h] of bins) assert.ok(Math.abs((h as number) - ((n as number) / (n0 as number)) * (h0 as number)) < 1.5, `bin ${n}`);
    assert.match((await c.locator('.al-caption').textContent()) ?? '', /^3 values outside the bins/);
  });

  it('coloured graph: a vertex per id in its colour, conflicts dashed, the seed slider switches colourings, CSV holds every seed', async () => {
    const c = card('colored-graph');
    const data = coloredCycle();
    assert.equal(await c.locator('g.al-vertex').count(), 8);
    assert.equal(await c.locator('line.al-edge').count(), 8);
    const conflicts = async (): Promise<string[]> => (await c.locator('line.al-conflict').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-edge') ?? ''))).sort();
    assert.deepEqual(await conflicts(), ['3-6', '2-7'].sort());
    assert.match((await c.locator('.al-caption').first().textContent()) ?? '', /^Seed 1 of 3: 2 monochromatic edges · proper under 1 of 3 seeds/);
    const colours = await c.locator('g.al-vertex').evaluateAll((gs) => gs.map((g) => [Number(g.getAttribute('data-vertex')), Number(g.getAttribute('data-color'))]));
    for (const [u, col] of colours) assert.equal(col, data.colorings[0]?.[u as number], `vertex ${u}`);
    // The two ends of a conflict share a fill.
    const fill = (u: number): Promise<string | null> => c.locator(`g.al-vertex[data-vertex="${u}"] circle`).getAttribute('fill');
    assert.equal(await fill(3), await fill(6));
    assert.notEqual(await fill(0), await fill(3));
    await c.locator('input.al-seed-slider').fill('2');
    await c.locator('input.al-seed-slider').dispatchEvent('change');
    assert.deepEqual(await conflicts(), []);
    assert.match((await c.locator('.al-caption').first().textContent()) ?? '', /^Seed 2 of 3: a proper colouring/);
    await api<void>(page, 'update', 'colored-graph', { seed: 2 });
    assert.deepEqual(await conflicts(), ['0-5']);
    const table = await api<DataTable>(page, 'table', 'colored-graph');
    assert.deepEqual(table.columns, ['seed', 'vertex', 'id', 'colour', 'conflicts at vertex']);
    assert.equal(table.rows.length, 24);
    assert.deepEqual(table.rows[3], [0, 3, 'v0', 1, 1]);
    const svg = await api<string>(page, 'exportSvg', 'colored-graph');
    assert.equal((svg.match(/<circle /g) ?? []).length, 8);
    // Keyboard: → walks the ring and names the vertex.
    await c.locator('svg.al-plot').focus();
    await page.keyboard.press('ArrowRight');
    assert.match((await tooltip('colored-graph').textContent()) ?? '', /v12colourc\d/);
  });

  it('grid trajectories: a cell per square shaded by first visit, one path per seed from the start, the adversary outlined, CSV holds every step', async () => {
    const c = card('grid-trajectories');
    const data = gridPaths();
    assert.equal(await c.locator('rect.al-cell').count(), 9);
    assert.equal(await c.locator('rect.al-worst').getAttribute('data-cell'), '8');
    assert.equal(await c.locator('polyline.al-trajectory').count(), 3);
    assert.match((await c.locator('.al-caption').first().textContent()) ?? '', /^3 seeds, 2 distinct paths · adversary's cell \(2, 2\) · worst case 6\.67 steps/);
    // Seeds 1 and 3 walk the same cells: their paths differ only by the drawing offset.
    const points = await c.locator('polyline.al-trajectory').evaluateAll((ps) => ps.map((p) => (p.getAttribute('points') ?? '').split(' ').length));
    assert.deepEqual(points, [9, 9, 9]);
    // The cell the adversary picks is the most shaded.
    const opacity = async (cell: number): Promise<number> => Number(await c.locator(`rect.al-cell[data-cell="${cell}"]`).getAttribute('fill-opacity'));
    assert.ok((await opacity(8)) > (await opacity(1)));
    await api<void>(page, 'update', 'grid-trajectories', { seeds: 1 });
    assert.equal(await c.locator('polyline.al-trajectory').count(), 1);
    assert.match((await c.locator('.al-caption').first().textContent()) ?? '', /^1 seed, 1 distinct path/);
    await api<void>(page, 'update', 'grid-trajectories', { seeds: 3 });
    const table = await api<DataTable>(page, 'table', 'grid-trajectories');
    assert.deepEqual(table.columns, ['seed', 'step', 'cell', 'x', 'y']);
    assert.equal(table.rows.length, 27);
    assert.deepEqual(table.rows[9 + 1], [1, 1, 3, 0, 1]); // the spiral's first step: up to (0, 1)
    assert.equal(data.trajectories[1]?.[1], 3);
    const svg = await api<string>(page, 'exportSvg', 'grid-trajectories');
    assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
    await c.locator('svg.al-plot').focus();
    await page.keyboard.press('ArrowRight');
    assert.match((await tooltip('grid-trajectories').textContent()) ?? '', /cell \(0, 0\)mean first visit0\.00/);
  });

  it('exports: SVG parses and keeps the marks, PNG is a real image of the chart, CSV holds the exact values', async () => {
    const svg = await api<string>(page, 'exportSvg', 'entropy');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const parsed = await page.evaluate((s) => {
      const d = new (globalThis as unknown as { DOMParser: new () => { parseFromString(x: string, t: string): { querySelectorAll(q: string): { length: number } } } }).DOMParser().parseFromString(s, 'image/svg+xml');
      return { errors: d.querySelectorAll('parsererror').length, cells: d.querySelectorAll('rect.al-cell').length, text: d.querySelectorAll('text').length };
    }, svg);
    assert.deepEqual([parsed.errors, parsed.cells], [0, 56]);
    assert.ok(parsed.text > 20);
    // Canvas charts embed the canvas as an image.
    assert.match(await api<string>(page, 'exportSvg', 'attention-small'), /<image [^>]*href="data:image\/png;base64,/);

    for (const id of ['loss', 'attention-256', 'paths']) {
      const b64 = await api<string>(page, 'exportPng', id, 2);
      const png = Buffer.from(b64, 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
      const width = png.readUInt32BE(16);
      const cssWidth = await card(id).locator('.al-chart').evaluate((e) => Math.ceil(e.getBoundingClientRect().width));
      assert.equal(width, cssWidth * 2);
      writeFileSync(join(shotDir, `export-${id}.png`), png);
      // Decoded in the page: many distinct colours, so it is the chart and not a blank box.
      const colours = await page.evaluate(async (data) => {
        const g = globalThis as unknown as {
          Image: new () => { src: string; decode(): Promise<void>; width: number; height: number };
          document: { createElement(t: 'canvas'): { width: number; height: number; getContext(k: '2d'): { drawImage(i: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } } };
        };
        const img = new g.Image();
        img.src = `data:image/png;base64,${data}`;
        await img.decode();
        const cv = g.document.createElement('canvas');
        cv.width = img.width;
        cv.height = img.height;
        const ctx = cv.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, img.width, img.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4 * 7) seen.add(((d[i] as number) << 16) | ((d[i + 1] as number) << 8) | (d[i + 2] as number));
        return seen.size;
      }, b64);
      assert.ok(colours > 30, `${id}: ${colours} colours`);
    }

    const csv = await api<string>(page, 'exportCsv', 'loss');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'series,x,y,std');
    assert.equal(lines.length, 1 + 3 * 61);
    const p = lossSeries()[2]?.points[17];
    assert.ok(lines.includes(`Tiger,${p?.x},${p?.y},${p?.std}`));
    const heat = (await api<string>(page, 'exportCsv', 'entropy')).trimEnd().split('\r\n');
    assert.equal(heat[0], 'layer·head,8,12,16,24,32,48,64');
    assert.equal(heat[6]?.split(',')[7], '', 'NaN exported as an empty cell');
  });

  it('export menu: opens from the keyboard and lists PNG, SVG and CSV', async () => {
    const c = card('histogram');
    await c.locator('.al-export > button').focus();
    await page.keyboard.press('Enter');
    assert.equal(await c.locator('[role="menu"]').isVisible(), true);
    assert.deepEqual(await c.locator('[role="menuitem"]').allTextContents(), ['PNG', 'SVG', 'CSV']);
    await page.keyboard.press('Escape');
    assert.equal(await c.locator('[role="menu"]').isVisible(), false);
  });

  it('theme switches (dark → light → high contrast) recolour axes, lines and scales', async () => {
    const sample = async (): Promise<Record<string, string>> => ({
      line: (await card('loss').locator('path.al-line').first().getAttribute('stroke')) ?? '',
      tick: (await card('loss').locator('.al-y-axis .tick text').first().getAttribute('fill')) ?? '',
      cell: hex((await card('robust-mean').locator('rect.al-cell[data-row="0"][data-col="0"]').getAttribute('fill')) ?? ''),
      svgBg: /<rect width="\d+" height="\d+" fill="([^"]+)"/.exec(await api<string>(page, 'exportSvg', 'histogram'))?.[1] ?? '',
    });
    const dark = await sample();
    assert.equal(dark.line, '#3794ff', 'series colour from --vscode-charts-blue');
    assert.equal(dark.svgBg, '#1f1f1f');
    await setTheme(page, 'vscode-light', {});
    await page.screenshot({ path: join(shotDir, 'gallery-light.png'), fullPage: true });
    const light = await sample();
    assert.notEqual(light.tick, dark.tick);
    assert.notEqual(light.line, dark.line);
    assert.equal(light.svgBg, '#ffffff');
    await setTheme(page, 'vscode-high-contrast', {});
    await page.screenshot({ path: join(shotDir, 'gallery-high-contrast.png'), fullPage: true });
    const hc = await sample();
    assert.equal(hc.tick, '#ffffff');
    assert.notEqual(hc.cell, dark.cell, 'high contrast uses cividis');
    const width = await card('loss').locator('path.al-line').first().getAttribute('stroke-width');
    assert.equal(width, '2.5');
    // A variable VS Code changes is picked up on the next theme mutation.
    await setTheme(page, 'vscode-dark', { ...DARK_VARS, '--vscode-charts-blue': '#123456' });
    assert.equal(await card('loss').locator('path.al-line').first().getAttribute('stroke'), '#123456');
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as GalleryWindow).attentionLabGallery.cspViolations), []);
  });
});

describe('ui toolkit module in Chromium', { skip: unavailable }, () => {
  it('registers the toolkit elements; the helpers render and report user actions, under the webview CSP', async () => {
    const { browser, page: gallery } = await openGallery();
    try {
      await gallery.close();
      const page = await openToolkitCheck(browser);
      const defined = await page.evaluate(() => {
        const ce = (globalThis as unknown as { customElements: { get(n: string): unknown } }).customElements;
        return ['vscode-button', 'vscode-dropdown', 'vscode-option', 'vscode-checkbox', 'vscode-text-field', 'vscode-panels', 'vscode-data-grid', 'vscode-progress-ring'].filter((n) => ce.get(n) === undefined);
      });
      assert.deepEqual(defined, [], 'custom elements not defined');
      await page.locator('vscode-button').click();
      await page.locator('vscode-checkbox').click();
      await page.locator('vscode-dropdown').click();
      await page.locator('vscode-option[value="lion"]').click();
      await page.locator('vscode-panel-tab#tab-entropy').click();
      await page.locator('vscode-text-field input').fill('5 4');
      await page.locator('input[type="range"]').fill('0.9');
      const state = await page.evaluate(() => (globalThis as unknown as ToolkitCheckWindow).toolkitCheck);
      for (const e of ['run', 'log:true', 'optimizer:lion', 'tab:entropy', 'input:5 4', 'smoothing:0.9']) assert.ok(state.events.includes(e), `${e} in ${state.events.join(', ')}`);
      assert.equal(await page.locator('vscode-data-grid-cell').nth(2).textContent(), 'embed.token');
      await page.screenshot({ path: join(shotDir, 'toolkit.png') });
      assert.deepEqual(state.cspViolations, []);
    } finally {
      await browser.close();
    }
  });
});

describe('charts in Chromium (availability)', () => {
  it('runs, or says why not', { skip: unavailable === undefined ? 'chromium is available' : false }, () => {
    // Reached only when skipped above did not apply: chromium or the bundle is missing locally.
    console.log(`chart tests skipped: ${unavailable}`);
  });
});
