/**
 * A graph coloured by a model (graph colouring, docs/science.md §4): vertices on a circle (a
 * cycle in its own order, so it reads as a ring), each filled with the colour the model chose under
 * the selected seed; monochromatic edges (conflicts) drawn thick and dashed in the error colour.
 * A seed slider under the plot switches between the colourings under each seed (the seed is an
 * option, so the app can remember it). Tooltips name the vertex, its colour and its conflicts;
 * ← → walk the vertices. The table (CSV) holds every seed's colouring.
 */
import { attachArrowKeys } from './arrowKeys';
import { chartHeight, makeChart } from './chartFrame';
import type { DrawContext } from './chartFrame';
import type { ChartHandle, ChartTarget } from './handle';
import type { ColoredGraphData, ColoredGraphOptions, DataTable } from './types';

/** Vertex order around the circle: a cycle's own order when every vertex has degree 2 and the edges form one ring, else 0…n−1. */
export function ringOrder(n: number, edges: readonly [number, number][]): number[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [u, v] of edges) {
    adj[u]?.push(v);
    adj[v]?.push(u);
  }
  if (n < 3 || edges.length !== n || adj.some((a) => a.length !== 2)) return Array.from({ length: n }, (_, i) => i);
  const order = [0];
  let prev = -1;
  let at = 0;
  while (order.length < n) {
    const next = (adj[at] as number[]).find((w) => w !== prev) as number;
    if (order.includes(next)) return Array.from({ length: n }, (_, i) => i);
    order.push(next);
    prev = at;
    at = next;
  }
  return order;
}

export function validateColoredGraph(d: ColoredGraphData): void {
  const n = d.ids.length;
  for (const [u, v] of d.edges) {
    if (!(Number.isInteger(u) && Number.isInteger(v) && u >= 0 && v >= 0 && u < n && v < n)) throw new RangeError(`coloredGraph: edge [${u}, ${v}] outside the ${n} vertices`);
  }
  d.colorings.forEach((c, s) => {
    if (c.length !== n) throw new RangeError(`coloredGraph: the colouring of seed ${s} has ${c.length} vertices, expected ${n}`);
  });
}

function draw(ctx: DrawContext<ColoredGraphOptions>, data: ColoredGraphData): DataTable {
  const { theme, width, options: o, root, tooltip } = ctx;
  validateColoredGraph(data);
  const n = data.ids.length;
  const K = data.colorings.length;
  const table: DataTable = {
    columns: ['seed', 'vertex', 'id', 'colour', 'conflicts at vertex'],
    rows: data.colorings.flatMap((c, s) =>
      c.map((col, u) => [s, u, data.ids[u] as string, col, data.edges.filter(([a, b]) => (a === u || b === u) && c[a] === c[b]).length]),
    ),
  };
  if (n === 0 || K === 0) {
    ctx.empty();
    return table;
  }
  const seed = Math.max(0, Math.min(K - 1, Math.round(o.seed ?? 0)));
  const coloring = data.colorings[seed] as number[];
  const conflict = (u: number, v: number): boolean => coloring[u] === coloring[v];
  const height = chartHeight(o, width, 0.6, 220, 380);
  const svg = ctx.addSvg(height);
  const cx = width / 2;
  const cy = height / 2;
  const r = Math.max(40, Math.min(width, height) / 2 - 34);
  const order = ringOrder(n, data.edges);
  const place = new Array<{ x: number; y: number }>(n);
  order.forEach((u, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    place[u] = { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
  });
  const errorColor = theme.series[3] ?? theme.foreground;
  const edges = svg.append('g').attr('class', 'al-edges');
  for (const [u, v] of data.edges) {
    const bad = conflict(u, v);
    edges
      .append('line')
      .attr('class', bad ? 'al-edge al-conflict' : 'al-edge')
      .attr('data-edge', `${u}-${v}`)
      .attr('x1', (place[u] as { x: number }).x)
      .attr('y1', (place[u] as { y: number }).y)
      .attr('x2', (place[v] as { x: number }).x)
      .attr('y2', (place[v] as { y: number }).y)
      .attr('stroke', bad ? errorColor : theme.muted)
      .attr('stroke-width', bad ? 3.5 : 1.5)
      .attr('stroke-dasharray', bad ? '6 3' : null);
  }
  const radius = Math.max(9, Math.min(18, (Math.PI * r) / n / 2));
  const nodes = svg.append('g').attr('class', 'al-vertices');
  for (let u = 0; u < n; u++) {
    const p = place[u] as { x: number; y: number };
    const g = nodes.append('g').attr('class', 'al-vertex').attr('data-vertex', u).attr('data-color', coloring[u] as number);
    g.append('circle')
      .attr('cx', p.x)
      .attr('cy', p.y)
      .attr('r', radius)
      .attr('fill', theme.series[((coloring[u] as number) % theme.series.length + theme.series.length) % theme.series.length] as string)
      .attr('stroke', theme.foreground)
      .attr('stroke-width', 1);
    g.append('text').attr('x', p.x).attr('y', p.y + radius + 12).attr('text-anchor', 'middle').attr('fill', theme.foreground).text(data.ids[u] as string);
    g.append('text')
      .attr('x', p.x)
      .attr('y', p.y + 4)
      .attr('text-anchor', 'middle')
      .attr('fill', theme.background)
      .attr('font-weight', 'bold')
      .text(`c${coloring[u]}`);
  }
  const bad = data.edges.filter(([u, v]) => conflict(u, v)).length;
  const caption = root.ownerDocument.createElement('div');
  caption.className = 'al-caption';
  caption.setAttribute('role', 'status');
  caption.textContent = `Seed ${seed + 1} of ${K}: ${bad === 0 ? 'a proper colouring' : `${bad} monochromatic edge${bad === 1 ? '' : 's'}`}${data.note ? ` · ${data.note}` : ''}`;
  root.appendChild(caption);
  if (K > 1) {
    const label = root.ownerDocument.createElement('label');
    label.className = 'al-caption';
    label.textContent = 'Seed ';
    const slider = root.ownerDocument.createElement('input');
    slider.type = 'range';
    slider.min = '1';
    slider.max = String(K);
    slider.step = '1';
    slider.value = String(seed + 1);
    slider.className = 'al-seed-slider';
    slider.setAttribute('aria-label', `Seed (1 to ${K})`);
    slider.addEventListener('change', () => {
      const next = Number(slider.value) - 1;
      o.onSeed?.(next);
      ctx.setOptions({ seed: next } as Partial<ColoredGraphOptions>);
    });
    label.appendChild(slider);
    root.appendChild(label);
  }
  let cur = -1;
  const show = (i: number): void => {
    cur = Math.max(0, Math.min(n - 1, i));
    const u = order[cur] as number;
    const p = place[u] as { x: number; y: number };
    const mine = data.edges.filter(([a, b]) => (a === u || b === u) && conflict(a, b)).length;
    tooltip.show(data.ids[u] as string, [
      { label: 'colour', value: `c${coloring[u]}` },
      { label: 'conflicts', value: String(mine) },
    ], p.x, p.y);
  };
  nodes.on('pointermove', (ev: PointerEvent) => {
    const g = (ev.target as Element).closest('[data-vertex]');
    if (g) show(order.indexOf(Number(g.getAttribute('data-vertex'))));
  }).on('pointerleave', () => tooltip.hide());
  attachArrowKeys(svg, `${o.title ?? 'Coloured graph'}: ${n} vertices, ${bad} conflicts under seed ${seed + 1}; arrow keys move between vertices`, { current: () => cur, show, hide: () => tooltip.hide() });
  return table;
}

/** Draws a coloured graph with its conflicts and a seed slider; see ColoredGraphOptions. */
export function coloredGraph(target: ChartTarget, data: ColoredGraphData, options: ColoredGraphOptions = {}): ChartHandle<ColoredGraphData, ColoredGraphOptions> {
  return makeChart('colored-graph', target, data, options, draw);
}
