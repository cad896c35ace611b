/**
 * The checkpoint inspector page: header and metadata at once, the tensor table filling in as
 * statistics arrive, a histogram and (2-D) heatmap of the selected tensor, optimizer state in
 * its own table, a diff against another checkpoint, and for Attention Lab checkpoints the
 * model's attention on a typed input (computed in the backend).
 */
import { attentionGrid, attentionPattern, heatmap, histogram, type ChartHandle } from '../charts/index';
import type { AttentionProbeResult, CheckpointDiffView, CheckpointHeaderView, TensorDetailView, TensorGroup, TensorStatsView, TensorSummary } from '../../src/protocol/viewData';
import { applyAppStyles } from '../shared/appStyles';
import { chartCard } from '../shared/chartCard';
import { button, clear, el, select } from '../shared/dom';
import { vscodeHost } from '../shared/host';

applyAppStyles();
const host = vscodeHost();
const root = document.getElementById('app') as HTMLElement;

interface InspectorState {
  selected: string | null;
  probeInput: string;
  layer: number;
  head: number;
  /** The model's attention: one head, or every layer and head at once. */
  probeView: 'head' | 'grid';
  /** Index into a TransNAR model's cross-attention blocks. */
  crossBlock: number;
  /** σ of the softmax-noise slider (0: no noise). */
  sigma: number;
}
let state: InspectorState = { selected: null, probeInput: '', layer: 0, head: 0, probeView: 'head', crossBlock: 0, sigma: 0, ...(host.getState<Partial<InspectorState>>() ?? {}) };
const save = (patch: Partial<InspectorState>): void => {
  state = { ...state, ...patch };
  host.setState(state);
};

let header: CheckpointHeaderView | null = null;
const stats = new Map<string, TensorStatsView>();
const charts: ChartHandle<never, never>[] = [];
let probeId = 0;
let tensorId = 0;
let probe: AttentionProbeResult | null = null;

const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '–';
  if (Number.isInteger(v) && Math.abs(v) < 1e10) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
};
const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

function tensorTable(tensors: TensorSummary[], caption: string, id: string): HTMLElement {
  const sharded = tensors.some((t) => t.shard !== undefined);
  const head = el('tr', {}, ...['name', 'shape', 'dtype', 'min', 'max', 'mean', 'std', 'NaN', 'Inf', 'zero', ...(sharded ? ['shard'] : [])].map((h) => el('th', { scope: 'col' }, h)));
  const body = el('tbody');
  for (const t of tensors) {
    const s = stats.get(t.name) ?? t.stats;
    // Another tool's dtype the reader does not decode: what is known (shape, bytes), no statistics.
    const values = t.opaque
      ? [el('td', { class: 'al-muted al-opaque', colspan: 7 }, `opaque: ${bytes(t.byteLength)} of ${t.dtype}, not decoded`)]
      : s
        ? [s.min, s.max, s.mean, s.std, s.nan, s.inf, s.zero].map((v) => el('td', { class: 'num' }, fmt(v)))
        : [el('td', { class: 'al-muted', colspan: 7 }, 'reading…')];
    const row = el(
      'tr',
      {
        class: `${t.opaque ? '' : 'al-clickable'}${state.selected === t.name ? ' al-selected' : ''}`,
        tabindex: 0,
        'data-tensor': t.name,
        'data-opaque': t.opaque,
        'aria-selected': state.selected === t.name,
      },
      el('td', {}, t.name),
      el('td', {}, `[${t.shape.join(', ')}]`),
      el('td', {}, t.dtype),
      ...values,
      ...(sharded ? [el('td', { class: 'al-muted' }, t.shard ?? '')] : []),
    );
    if (t.opaque) {
      body.append(row);
      continue;
    }
    const choose = (): void => {
      save({ selected: t.name });
      requestTensor(t.name);
      for (const r of root.querySelectorAll('tr.al-selected')) r.classList.remove('al-selected');
      row.classList.add('al-selected');
    };
    row.addEventListener('click', choose);
    row.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        choose();
      }
    });
    body.append(row);
  }
  return el('table', { class: 'al-plain', id }, el('caption', { class: 'al-muted' }, caption), el('thead', {}, head), body);
}

/** The tables of the tensor groups, in this order; a NAR checkpoint shows its encoders, processor and decoders apart. */
const GROUPS: { group: TensorGroup; title: string; caption: string }[] = [
  { group: 'model', title: 'Tensors', caption: 'model tensors' },
  { group: 'cross-attention', title: 'Cross-attention to the NAR', caption: 'tensors of the gated cross-attention sub-layers (TransNAR)' },
  { group: 'nar-encoders', title: 'NAR encoders', caption: 'encoder tensors, one linear map per input feature' },
  { group: 'nar-processor', title: 'NAR processor', caption: 'processor tensors, shared by every message-passing step (max aggregation)' },
  { group: 'nar-decoders', title: 'NAR decoders', caption: 'decoder tensors, one per hint and output feature' },
  { group: 'optimizer', title: 'Optimizer state', caption: 'optimizer state tensors' },
];

function renderHeader(): void {
  for (const c of charts.splice(0)) c.destroy();
  clear(root);
  if (!header) return;
  const h = header;
  root.append(el('h1', {}, h.fileName));
  const ck = h.checkpoint;
  const nar = h.nar ?? null;
  const link = ck?.runConfig.model.nar ?? null;
  const summary = ck
    ? `Attention Lab checkpoint · run ${ck.runConfig.id} · step ${ck.step} · ${ck.optimizer} · ${ck.runConfig.model.layers} layers, ${ck.runConfig.model.heads} heads, d_model ${ck.runConfig.model.dModel}, ${ck.runConfig.model.attentionScaling} scaling · task ${ck.runConfig.task.name}${link ? ` · TransNAR: blocks ${link.layers.join(', ')} cross-attend to a frozen ${link.algorithm} NAR (hidden ${link.hidden}, ${link.checkpoint})` : ''}`
    : nar
      ? `NAR checkpoint · ${nar.nar.algorithm} · hidden ${nar.nar.hidden} · pretrained ${nar.train.steps} steps on sizes ${nar.train.trainLengths.join(', ')} · output accuracy ${nar.eval.map((e) => `n=${e.length} ${fmt(e.accuracy)}`).join(', ')}`
      : h.shards.length > 0
        ? 'sharded safetensors checkpoint'
        : 'safetensors file';
  const shards = h.shards.length > 0 ? ` in ${h.shards.length} shards` : '';
  const opaque = h.tensors.filter((t) => t.opaque).length;
  const opaqueText = opaque > 0 ? ` · ${opaque} opaque (dtype not decoded)` : '';
  root.append(el('p', { class: 'al-muted', id: 'summary' }, `${bytes(h.fileSize)}${shards} · ${h.tensors.length} tensors${opaqueText} · ${summary}`));
  if (h.checkpointProblem) root.append(el('div', { class: 'al-error' }, h.checkpointProblem));
  const meta = Object.entries(h.metadata);
  if (meta.length > 0) {
    const details = el('details', {}, el('summary', {}, `Metadata (${meta.length} keys)`));
    const t = el('table', { class: 'al-plain', id: 'metadata' });
    for (const [k, v] of meta) t.append(el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v.length > 400 ? `${v.slice(0, 400)}…` : v)));
    details.append(t);
    root.append(details);
  }
  for (const g of GROUPS) {
    const tensors = h.tensors.filter((t) => t.group === g.group);
    if (tensors.length === 0 && !(g.group === 'model' && h.tensors.length === 0)) continue; // an empty file still shows its (empty) table
    root.append(el('h2', { class: 'al-section' }, g.title), tensorTable(tensors, `${tensors.length} ${g.caption}`, `tensors-${g.group}`));
  }
  root.append(el('div', { class: 'al-grid al-section', id: 'detail' }));
  root.append(el('div', { id: 'diff', class: 'al-section' }, el('h2', {}, 'Compare'), button('Diff with another checkpoint…', requestDiff, { secondary: true })));
  if (ck) renderProbeControls();
  if (state.selected && h.tensors.some((t) => t.name === state.selected)) requestTensor(state.selected);
}

/** Asks the host for one tensor's values; only the newest answer is drawn. */
function requestTensor(name: string): void {
  const mine = ++tensorId;
  host.request('tensor/get', { name }).then(
    (detail) => {
      if (mine === tensorId) renderDetail(detail);
    },
    (err: Error) => showTensorError(name, err.message),
  );
}

function showTensorError(name: string, message: string): void {
  root.querySelector('#detail')?.append(el('div', { class: 'al-error' }, `${name}: ${message}`));
}

/** Lets the user pick another checkpoint (a dialog in the host) and shows the diff. */
function requestDiff(): void {
  host.request('diff/pick', {}).then(
    ({ diff }) => {
      if (diff) renderDiff(diff);
    },
    (err: Error) => root.querySelector('#diff')?.append(el('div', { class: 'al-error' }, err.message)),
  );
}

function renderDetail(d: TensorDetailView): void {
  const box = root.querySelector<HTMLElement>('#detail');
  if (!box) return;
  for (const c of charts.splice(0)) c.destroy();
  clear(box);
  const hc = chartCard(box, host, 'tensor-histogram', `Histogram of ${d.name}`);
  charts.push(histogram(hc.body, d.histogram, { title: `histogram-${d.name}`, xLabel: 'value' }) as unknown as ChartHandle<never, never>);
  hc.setChart(charts[charts.length - 1] ?? null);
  if (d.heatmap) {
    const m = d.heatmap;
    const values: number[][] = [];
    for (let r = 0; r < m.rows; r++) values.push(m.values.slice(r * m.cols, (r + 1) * m.cols).map((v) => (v === null ? NaN : v)));
    const label = (i: number, step: number): string => (step === 1 ? String(i) : `${i * step}–${i * step + step - 1}`);
    const hm = chartCard(box, host, 'tensor-heatmap', `Values of ${d.name}${m.rowStep > 1 || m.colStep > 1 ? ` (block means ${m.rowStep}×${m.colStep})` : ''}`);
    const handle = heatmap(
      hm.body,
      { values, rowLabels: values.map((_, i) => label(i, m.rowStep)), columnLabels: (values[0] ?? []).map((_, i) => label(i, m.colStep)) },
      { title: `heatmap-${d.name}`, scale: 'diverging', center: 0, showValues: false, xLabel: 'column', yLabel: 'row', valueLabel: 'value', height: 420 },
    );
    charts.push(handle as unknown as ChartHandle<never, never>);
    hm.setChart(handle);
  }
}

function renderDiff(diff: CheckpointDiffView): void {
  const box = root.querySelector<HTMLElement>('#diff');
  if (!box) return;
  box.querySelector('table')?.remove();
  const t = el('table', { class: 'al-plain', id: 'diff-table' }, el('caption', { class: 'al-muted' }, `${diff.fileA} vs ${diff.fileB}`));
  t.append(el('tr', {}, ...['name', 'status', 'max |a−b|', 'mean |a−b|', '‖a−b‖/‖a‖'].map((x) => el('th', { scope: 'col' }, x))));
  for (const r of diff.rows) {
    const status = r.status === 'shape-differs' ? `shape [${r.shapeA?.join(', ')}] vs [${r.shapeB?.join(', ')}]` : r.status;
    t.append(el('tr', {}, el('td', {}, r.name), el('td', {}, status), el('td', { class: 'num' }, fmt(r.maxAbsDiff)), el('td', { class: 'num' }, fmt(r.meanAbsDiff)), el('td', { class: 'num' }, fmt(r.relativeChange))));
  }
  box.append(t);
}

/** A typed prompt per CLRS algorithm, as tokens (the probe's input for a TransNAR checkpoint). */
const NAR_PROBE_EXAMPLES: Record<string, string> = {
  insertion_sort: 'insertion_sort : ⏎ key : [ 5 ␣ 3 0 ␣ 1 ] ⏎ pred : ⏎ | [ 1 ␣ 5',
  minimum: 'minimum : ⏎ key : [ 5 ␣ 3 0 ␣ 1 ] ⏎ min : ⏎ |',
  binary_search: 'binary_search : ⏎ key : [ 1 ␣ 5 ␣ 3 0 ] , target : 4 ⏎ return : ⏎ |',
  bfs: 'bfs : ⏎ s : 0 , A : [ [ 1 1 0 ] , [ 1 0 0 ] , [ 0 0 0 ] ] ⏎ pi : ⏎ | [ 0',
};

function renderProbeControls(): void {
  const input = el('input', { type: 'text', id: 'probe-input', 'aria-label': 'Input tokens', size: 50, value: state.probeInput, placeholder: 'tokens separated by spaces' });
  // The softmax-noise probe (docs/science.md §6): σ of N(0, σ²) noise on every layer's attention logits.
  const slider = el('input', { type: 'range', id: 'probe-sigma', 'aria-label': 'Logit noise σ', min: 0, max: 4, step: 0.05, value: state.sigma });
  const sigmaText = el('span', { id: 'probe-sigma-value', class: 'al-muted' }, `σ = ${state.sigma}`);
  const run = (): void => {
    save({ probeInput: input.value, sigma: Number(slider.value) });
    probeId++;
    const status = root.querySelector('#probe-status');
    if (status) status.textContent = 'Running the model in the backend…';
    const mine = probeId;
    host.request('attention/probe', { input: input.value, ...(state.sigma > 0 ? { sigma: state.sigma } : {}) }).then(
      (result) => {
        if (mine !== probeId) return;
        probe = result;
        if (status) status.textContent = '';
        renderProbe();
      },
      (err: Error) => {
        if (mine === probeId && status) status.textContent = err.message;
      },
    );
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') run();
  });
  slider.addEventListener('input', () => {
    sigmaText.textContent = `σ = ${slider.value}`;
  });
  // A new pass once the slider is let go (not on every pixel of the drag).
  slider.addEventListener('change', () => {
    if (input.value.trim() !== '') run();
    else save({ sigma: Number(slider.value) });
  });
  const vocab = header?.vocab ?? [];
  const narLink = header?.checkpoint?.runConfig.model.nar ?? null;
  root.append(
    el(
      'section',
      { class: 'al-section', id: 'probe' },
      el('h2', {}, 'Run the model'),
      el('p', { class: 'al-muted' }, `Vocabulary: ${vocab.join(' ')}`),
      ...(narLink ? [el('p', { class: 'al-muted', id: 'probe-nar-hint' }, `TransNAR: type a whole CLRS-Text prompt (the NAR reads the graph it describes), e.g. ${NAR_PROBE_EXAMPLES[narLink.algorithm]}`)] : []),
      el('div', { class: 'al-toolbar' }, input, button('Run', run)),
      el('div', { class: 'al-toolbar' }, el('label', { for: 'probe-sigma' }, 'Logit noise σ'), slider, sigmaText),
      el('div', { id: 'probe-status', role: 'status', class: 'al-muted' }),
      el('div', { id: 'probe-result' }),
    ),
  );
}

function renderProbe(): void {
  const box = root.querySelector<HTMLElement>('#probe-result');
  if (!box || !probe) return;
  const p = probe;
  clear(box);
  const layer = Math.min(state.layer, p.layers - 1);
  const head = Math.min(state.head, p.heads - 1);
  const grid = state.probeView === 'grid';
  box.append(
    el(
      'div',
      { class: 'al-toolbar' },
      select('View', [{ value: 'head', label: 'one head' }, { value: 'grid', label: 'all heads' }], state.probeView, (v) => {
        save({ probeView: v === 'grid' ? 'grid' : 'head' });
        renderProbe();
      }),
      ...(grid
        ? []
        : [
            select('Layer', Array.from({ length: p.layers }, (_, i) => ({ value: String(i), label: String(i) })), String(layer), (v) => {
              save({ layer: Number(v) });
              renderProbe();
            }),
            select('Head', Array.from({ length: p.heads }, (_, i) => ({ value: String(i), label: String(i) })), String(head), (v) => {
              save({ head: Number(v) });
              renderProbe();
            }),
          ]),
    ),
    el('p', { class: 'al-muted', id: 'probe-predictions' }, `Greedy next token after each position: ${p.predictions.join(' ')}`),
  );
  if (p.sigma && p.rowChange) {
    const change = p.rowChange[layer]?.[head];
    box.append(
      el('p', { class: 'al-muted', id: 'probe-noise' }, `Under N(0, ${p.sigma}²) noise on every layer's attention logits (one fixed draw): mean total variation of ${grid ? `layer ${layer} head ${head}'s` : "this head's"} rows from the noise-free pass ${change === undefined ? '–' : change.toFixed(3)}.`),
    );
  }
  const cards = el('div', { class: 'al-grid' });
  box.append(cards);
  const T = p.tokens.length;
  const square = (flat: readonly number[]): number[][] => Array.from({ length: T }, (_, q) => flat.slice(q * T, (q + 1) * T));
  const noise = p.sigma ? ` (σ = ${p.sigma})` : '';
  const sigmaSuffix = p.sigma ? `-sigma${p.sigma}` : '';
  if (grid) {
    const card = chartCard(cards, host, 'probe-attention-all', `Attention of every head (${p.layers} layer${p.layers === 1 ? '' : 's'} × ${p.heads} head${p.heads === 1 ? '' : 's'})${noise}`, { wide: true });
    card.setChart(
      attentionGrid(card.body, { probs: p.patterns.map((l) => l.map(square)), tokens: p.tokens }, {
        title: `probe-all-heads${sigmaSuffix}`,
        selected: { layer, head },
        onSelect: (l, h) => {
          save({ layer: l, head: h, probeView: 'head' });
          renderProbe();
        },
      }),
    );
  } else {
    const card = chartCard(cards, host, 'probe-attention', `Attention, layer ${layer} head ${head}${noise}`);
    card.setChart(attentionPattern(card.body, { probs: square(p.patterns[layer]?.[head] ?? []), tokens: p.tokens }, { title: `probe-L${layer}-H${head}${sigmaSuffix}` }));
  }
  renderProbeCross(cards, p, head);
}

/** TransNAR: the tokens' cross-attention to the NAR's nodes of the graph the prompt describes. */
function renderProbeCross(cards: HTMLElement, p: AttentionProbeResult, head: number): void {
  const cross = p.cross;
  if (!cross || cross.blocks.length === 0) return;
  const T = p.tokens.length;
  const b = Math.min(state.crossBlock, cross.blocks.length - 1);
  const N = cross.nodes.length;
  const flatX = cross.patterns[b]?.[head] ?? [];
  const values: number[][] = [];
  for (let q = 0; q < T; q++) values.push(flatX.slice(q * N, (q + 1) * N));
  const xc = chartCard(cards, host, 'probe-cross-attention', `Cross-attention to the NAR's nodes, block ${cross.blocks[b]} head ${head}`);
  xc.body.before(
    el(
      'div',
      { class: 'al-toolbar' },
      select('Block', cross.blocks.map((x, i) => ({ value: String(i), label: String(x) })), String(b), (v) => {
        save({ crossBlock: Number(v) });
        renderProbe();
      }),
    ),
  );
  xc.setChart(
    heatmap(
      xc.body,
      { values, rowLabels: p.tokens.map((t, i) => `${i}: ${t}`), columnLabels: cross.nodes.map((n) => `node ${n}`) },
      { title: `probe-X${cross.blocks[b]}-H${head}`, xLabel: 'NAR node', yLabel: 'token (query)', valueLabel: 'attention', domain: [0, 1], showValues: false, height: 420 },
    ),
  );
}

function showError(message: string): void {
  clear(root);
  root.append(el('h1', {}, 'Cannot open this file'), el('div', { class: 'al-error', role: 'alert', id: 'error' }, message));
}

host.on('checkpoint/header', (m) => {
  header = m.header;
  stats.clear();
  renderHeader();
});
host.on('checkpoint/stats', (m) => {
  for (const s of m.stats) stats.set(s.name, s.stats);
  for (const s of m.stats) {
    const row = root.querySelector<HTMLTableRowElement>(`tr[data-tensor="${CSS.escape(s.name)}"]`);
    const t = header?.tensors.find((x) => x.name === s.name);
    if (!row || !t || t.opaque) continue;
    const shardCell = t.shard !== undefined ? row.cells[row.cells.length - 1] : undefined;
    while (row.cells.length > 3) row.deleteCell(3);
    for (const v of [s.stats.min, s.stats.max, s.stats.mean, s.stats.std, s.stats.nan, s.stats.inf, s.stats.zero]) row.append(el('td', { class: 'num' }, fmt(v)));
    if (shardCell) row.append(shardCell);
  }
  if (m.done) root.dataset.statsDone = 'true';
});
host.on('checkpoint/error', (m) => showError(m.message));
host.on('tensor/error', (m) => showTensorError(m.name, m.message));
host.ready();
