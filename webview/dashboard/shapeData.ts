/**
 * From run-folder snapshots (and analysis/summary files) to the chart library's data types.
 * Pure functions, no DOM: the dashboard, the HTML report and the unit tests (test/views) use them.
 */
import { meanInterval } from '../../src/core/analysis/confidence';
import { ANALYSIS_VERSION } from '../../src/protocol/analysis';
import { meanCi95 } from '../../src/core/analysis/statistics';
import type { AnalysisFile, LabeledMatrix, RobustnessGrid, SummaryFile } from '../../src/protocol/analysis';
import type { EntropyRecord, EvalResult, OptimRecord, RunFile, TrainRecord } from '../../src/protocol/runFolder';
import type { ExperimentSnapshot, RunSnapshot } from '../../src/protocol/viewData';
import { DEFAULT_CURVE_OPTIONS, groupCurves, type CurveOptions, type RunCurve } from './curves';
import { configLabel, groupRuns, type GroupBy } from './grouping';
import type { AttentionData, ColoredGraphData, GridTrajectoryData, ColumnMarker, HeatmapData, HistogramData, LineSeries, TableData } from '../charts/types';

/** The group of a run: its id without the seed suffix (`sort-small-logn-lion-s2` → `sort-small-logn-lion`). */
export function groupLabel(run: RunFile): string {
  return configLabel(run);
}

/** Runs grouped (across seeds by default; see grouping.ts for the other ways), groups in first-seen (grid) order. */
export function seedGroups(runs: readonly RunSnapshot[], by: GroupBy = 'config'): { label: string; runs: RunSnapshot[] }[] {
  return groupRuns(runs, by).map((g) => ({ label: g.label, runs: g.runs }));
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

export type TrainMetric = 'loss' | 'accuracy' | 'gradNorm' | 'updateNorm' | 'lr';
export type EvalMetric = 'loss' | 'exact' | 'tokenAccuracy' | 'clrs' | 'shape' | 'parse';
export type MetricChoice = { source: 'train'; metric: TrainMetric } | { source: 'eval'; metric: EvalMetric; length: number };

export const TRAIN_METRICS: readonly TrainMetric[] = ['loss', 'accuracy', 'gradNorm', 'updateNorm', 'lr'];
export const EVAL_METRICS: readonly EvalMetric[] = ['exact', 'loss', 'tokenAccuracy', 'clrs', 'shape', 'parse'];

/** `train:<metric>` or `eval:<metric>@<length>` (the dashboard's saved choice); unknown → training loss. */
export function parseMetric(s: string): MetricChoice {
  const ev = /^eval:(\w+)@(\d+)$/.exec(s);
  const evalMetric = EVAL_METRICS.find((m) => m === ev?.[1]);
  if (ev && evalMetric) return { source: 'eval', metric: evalMetric, length: Number(ev[2]) };
  const trainMetric = TRAIN_METRICS.find((m) => m === /^train:(\w+)$/.exec(s)?.[1]);
  return { source: 'train', metric: trainMetric ?? 'loss' };
}

/** Evaluation lengths present in an experiment's runs, ascending. */
export function evalLengths(exp: ExperimentSnapshot): number[] {
  const set = new Set<number>();
  for (const r of exp.runs) for (const l of r.run.config.task.evalLengths) set.add(l);
  return [...set].sort((a, b) => a - b);
}

/** One run's curve of a training or evaluation metric: step → value, with the wall time of the record. */
export function metricCurve(r: RunSnapshot, choice: MetricChoice): RunCurve {
  const out: RunCurve = new Map();
  for (const rec of r.metrics) {
    if (choice.source === 'train' && rec.kind === 'train') {
      const v = (rec as TrainRecord)[choice.metric];
      if (Number.isFinite(v)) out.set(rec.step, { value: v, wall: rec.wallTime });
    } else if (choice.source === 'eval' && rec.kind === 'eval') {
      const res = rec.results.find((x: EvalResult) => x.length === choice.length);
      if (res && Number.isFinite(res[choice.metric])) out.set(rec.step, { value: res[choice.metric], wall: rec.wallTime });
    }
  }
  return out;
}

/**
 * One line per group: the mean over its runs at each step, with the band of `opts.band` (the
 * seed standard deviation, sample n − 1, by default) where more than one run has that step.
 */
export function metricSeries(runs: readonly RunSnapshot[], choice: MetricChoice, opts: CurveOptions = DEFAULT_CURVE_OPTIONS): LineSeries[] {
  return groupCurves(runs, (r) => metricCurve(r, choice), opts);
}

/** Final evaluation of a run at a length (null when the run has none yet). */
function finalAt(r: RunSnapshot, length: number): EvalResult | null {
  return r.run.final?.find((x) => x.length === length) ?? null;
}

/**
 * The optimizer comparison: one row per seed group, final scores at `length` as the mean over
 * the n runs with a final evaluation, with the half-width of its 95 % interval (Student t over
 * seeds; none when n = 1) and the interval bounds the table uses to mark a
 * best value only when it separates from every other group's. Groups without a final
 * evaluation have null scores and take no part in the comparison.
 */
export function comparisonTable(runs: readonly RunSnapshot[], length: number, by: GroupBy = 'config'): TableData {
  const rows = seedGroups(runs, by).map(({ label, runs: group }) => {
    const c = group[0]!.run.config;
    // A factor that differs inside a pooled group (grouping by one factor) reads "mixed".
    const same = <T>(pick: (r: RunSnapshot) => T): T | 'mixed' => (group.every((r) => pick(r) === pick(group[0]!)) ? pick(group[0]!) : 'mixed');
    const finals = group.map((r) => finalAt(r, length)).filter((x): x is EvalResult => x !== null);
    const trained = group.filter((r) => r.run.timings.startedAt !== null && r.run.optimizerStateBytes > 0);
    const lastTrain = group.map((r) => [...r.metrics].reverse().find((m) => m.kind === 'train') as TrainRecord | undefined).filter((x) => x !== undefined);
    const lastOptim = group.map((r) => [...r.metrics].reverse().find((m) => m.kind === 'optim') as OptimRecord | undefined);
    const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const row: Record<string, string | number | null> = {
      group: label,
      optimizer: same((r) => r.run.config.optimizer.name),
      lr: same((r) => r.run.config.optimizer.lr),
      weightDecay: same((r) => ('weightDecay' in r.run.config.optimizer ? r.run.config.optimizer.weightDecay : null)),
      batch: (c.train.accumulate ?? 1) > 1 ? `${c.train.batchSize}×${c.train.accumulate}` : String(c.train.batchSize),
      scaling: same((r) => r.run.config.model.attentionScaling),
      seeds: group.length,
      n: finals.length,
      // Only runs that trained: one that never started has 0 bytes of state and 0 s, which is no measurement.
      stateKiB: num(meanStd(trained.map((r) => r.run.optimizerStateBytes / 1024)).mean),
      trainSeconds: num(meanStd(trained.map((r) => r.run.timings.trainSeconds)).mean),
      weightRms: num(meanInterval(lastOptim.map((o) => o?.groups?.find((g) => g.kind === 'matrix')?.weightRms))?.mean),
    };
    const put = (key: string, values: readonly number[]): void => {
      const m = meanInterval(values);
      row[key] = num(m?.mean);
      row[`${key}Ci`] = num(m?.halfWidth);
      row[`${key}Low`] = num(m?.low);
      row[`${key}High`] = num(m?.high);
    };
    put('trainLoss', lastTrain.map((m) => m.loss));
    put('loss', finals.map((f) => f.loss));
    put('exact', finals.map((f) => f.exact));
    put('clrs', finals.map((f) => f.clrs));
    return row;
  });
  const iv = (key: string): { low: string; high: string } => ({ low: `${key}Low`, high: `${key}High` });
  return {
    columns: [
      { key: 'group', label: 'Group', type: 'text' },
      { key: 'optimizer', label: 'Optimizer', type: 'text' },
      { key: 'lr', label: 'lr', type: 'number' },
      { key: 'weightDecay', label: 'wd', type: 'number' },
      { key: 'batch', label: 'Batch', type: 'text' },
      { key: 'scaling', label: 'Scaling', type: 'text' },
      { key: 'seeds', label: 'Seeds', type: 'number', digits: 0 },
      { key: 'n', label: 'n final', type: 'number', digits: 0 },
      { key: 'trainLoss', label: 'Train loss', type: 'number', digits: 4, best: 'min', interval: iv('trainLoss') },
      { key: 'loss', label: `Loss@${length}`, type: 'number', digits: 4, best: 'min', interval: iv('loss') },
      { key: 'lossCi', label: '± 95% CI', type: 'number', digits: 4 },
      { key: 'exact', label: `Exact@${length}`, type: 'number', digits: 3, best: 'max', interval: iv('exact') },
      { key: 'exactCi', label: '± 95% CI', type: 'number', digits: 3 },
      { key: 'clrs', label: `CLRS@${length}`, type: 'number', digits: 3, best: 'max', interval: iv('clrs') },
      { key: 'weightRms', label: 'Weight RMS', type: 'number', digits: 3 },
      { key: 'stateKiB', label: 'State KiB', type: 'number', digits: 1, best: 'min' },
      { key: 'trainSeconds', label: 'Train s', type: 'number', digits: 1 },
    ],
    rows,
  };
}

/**
 * A robustness grid as heatmap data: mean final loss per (weight decay, lr) cell, a cell where
 * a run diverged drawn as missing with the note `diverged k/n` (a mean over a blown-up run
 * would only be a huge number), and the 95 % interval half-widths.
 */
export function robustnessData(g: RobustnessGrid): { mean: HeatmapData; ci: HeatmapData; notes: (string | null)[][] } {
  const notes = g.meanFinalLoss.values.map((row, i) =>
    row.map((_, j) => {
      const d = g.divergedRuns?.values[i]?.[j] ?? 0;
      return d !== null && d > 0 ? `diverged ${d}/${g.runs?.values[i]?.[j] ?? '?'}` : null;
    }),
  );
  return { mean: matrixData(g.meanFinalLoss), ci: matrixData(g.ciFinalLoss ?? g.stdFinalLoss), notes };
}

export type LengthField = 'exact' | 'clrs' | 'shape' | 'parse' | 'loss' | 'tokenAccuracy';

/**
 * Length generalization: rows seed groups, columns evaluation lengths, mean over seeds of the
 * final score. `splitAfterColumn` marks the last length inside the training lengths.
 */
export function lengthGrid(runs: readonly RunSnapshot[], field: LengthField, by: GroupBy = 'config'): { data: HeatmapData; splitAfterColumn: number | undefined } {
  const groups = seedGroups(runs, by);
  const lengths = [...new Set(runs.flatMap((r) => r.run.config.task.evalLengths))].sort((a, b) => a - b);
  const values = groups.map(({ runs: g }) =>
    lengths.map((len) => {
      const vals = g.map((r) => finalAt(r, len)?.[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return vals.length > 0 ? meanStd(vals).mean : NaN;
    }),
  );
  const maxTrain = Math.max(...runs.flatMap((r) => r.run.config.task.trainLengths));
  const inside = lengths.filter((l) => l <= maxTrain).length - 1;
  return {
    data: { values, rowLabels: groups.map((g) => g.label), columnLabels: lengths.map((l) => `n=${l}`) },
    splitAfterColumn: inside >= 0 && inside < lengths.length - 1 ? inside : undefined,
  };
}

/** A LabeledMatrix (null = missing) as HeatmapData (NaN = missing). */
export function matrixData(m: LabeledMatrix): HeatmapData {
  return { rowLabels: [...m.rowLabels], columnLabels: [...m.columnLabels], values: m.values.map((row) => row.map((v) => (v === null ? NaN : v))) };
}

/** An analysis.json of the current version (an older file lacks fields the charts read: re-run `attention-lab analyze`). */
export function isAnalysisFile(v: unknown): v is AnalysisFile {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'run-analysis' && (v as { version?: unknown }).version === ANALYSIS_VERSION;
}

export function isSummaryFile(v: unknown): v is SummaryFile {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'experiment-summary';
}

/**
 * The entropy heatmap of one run: layer·head × evaluation length, H in nats (the primary measure,
 * docs/science.md §1) with the entropy uniform attention would have per column — the mean of ln nᵢ
 * over the query rows that see nᵢ ≥ 2 keys — or normalized h ∈ [0, 1].
 */
export function entropyHeatmap(a: AnalysisFile, unit: 'normalized' | 'nats'): { data: HeatmapData; markers: ColumnMarker[]; splitAfterColumn: number | undefined } {
  const e = a.entropy;
  const data = matrixData(unit === 'normalized' ? e.meanNormalized : e.meanEntropy);
  data.columnLabels = e.lengths.map((l, i) => `n=${l} (T=${e.tokens[i]})`);
  const markers: ColumnMarker[] =
    unit === 'nats'
      ? e.perPosition.map((p, column) => {
          const lnN = p.visibleKeys.filter((n) => n >= 2).map((n) => Math.log(n));
          const uniform = lnN.length > 0 ? lnN.reduce((a, b) => a + b, 0) / lnN.length : 0;
          return { column, label: `uniform attention: H = ${uniform.toFixed(3)}`, value: uniform };
        })
      : e.lengths.map((_, column) => ({ column, label: 'uniform attention: h = 1', value: 1 }));
  const inside = e.beyondTraining.filter((b) => !b).length - 1;
  return { data, markers, splitAfterColumn: inside >= 0 && inside < e.lengths.length - 1 ? inside : undefined };
}

/** Entropy during training from the metrics' entropy records: one line per run, mean H (nats) over heads (and the lowest head dashed). */
export function entropyOverTraining(runs: readonly RunSnapshot[]): LineSeries[] {
  const out: LineSeries[] = [];
  for (const r of runs) {
    const recs = r.metrics.filter((m): m is EntropyRecord => m.kind === 'entropy');
    if (recs.length === 0) continue;
    const mean = recs.map((m) => ({ x: m.step, y: meanStd(m.meanEntropy.filter(Number.isFinite)).mean }));
    const min = recs.map((m) => ({ x: m.step, y: Math.min(...m.meanEntropy.filter(Number.isFinite)) }));
    out.push({ id: `${r.run.id}:mean`, label: `${r.run.id} mean H`, points: mean });
    out.push({ id: `${r.run.id}:min`, label: `${r.run.id} lowest head`, points: min, dashed: true });
  }
  return out;
}

/**
 * Attention entropy H (nats) against the evaluation length, one line per seed group (mean ± std over
 * seeds) — the picture of docs/science.md §1. For a retrieval task it is the query row of each run's
 * retrieval head (its attention on the queried pair), with a dashed line for uniform attention over
 * the keys that row sees (ln n); otherwise the mean H over heads and rows. Also the attention mass
 * on the queried pair per group (retrieval tasks only). Runs without an analysis are left out.
 */
export function entropyAcrossLengths(runs: readonly RunSnapshot[], by: GroupBy = 'config', colors?: ReadonlyMap<string, number>): { entropy: LineSeries[]; keyMass: LineSeries[]; retrieval: boolean } {
  const analysed = runs.filter((r) => isAnalysisFile(r.analysis));
  const retrieval = analysed.length > 0 && analysed.every((r) => (r.analysis as AnalysisFile).entropy.retrieval !== null);
  const entropy: LineSeries[] = [];
  const keyMass: LineSeries[] = [];
  let uniform = new Map<number, number>();
  for (const { label, runs: group } of seedGroups(analysed, by)) {
    const colorIndex = colors?.get(label);
    const readings = group.map((r) => {
      const e = (r.analysis as AnalysisFile).entropy;
      const out = new Map<number, { h: number; mass: number | null }>();
      if (retrieval && e.retrieval) {
        for (const b of e.retrieval.byLength) {
          out.set(b.length, { h: b.entropy, mass: b.keyMass });
          uniform.set(b.length, b.uniformEntropy);
        }
      } else {
        e.lengths.forEach((n, c) => {
          const col = e.meanEntropy.values.map((row) => row[c]).filter((v): v is number => typeof v === 'number');
          if (col.length > 0) out.set(n, { h: col.reduce((a, b) => a + b, 0) / col.length, mass: null });
        });
      }
      return out;
    });
    const lengths = [...new Set(readings.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const line = (pick: (v: { h: number; mass: number | null }) => number | null): LineSeries['points'] =>
      lengths.flatMap((n) => {
        const vals = readings.map((m) => m.get(n)).filter((v) => v !== undefined).map((v) => pick(v as { h: number; mass: number | null })).filter((v): v is number => v !== null);
        if (vals.length === 0) return [];
        const { mean, std } = meanStd(vals);
        return [vals.length > 1 ? { x: n, y: mean, std } : { x: n, y: mean }];
      });
    const name = group.length > 1 ? `${label} (${group.length} seeds)` : label;
    const color = colorIndex === undefined ? {} : { colorIndex };
    entropy.push({ id: label, label: name, points: line((v) => v.h), ...color });
    if (retrieval) keyMass.push({ id: label, label: name, points: line((v) => v.mass), ...color });
  }
  if (retrieval && uniform.size > 0) {
    uniform = new Map([...uniform].sort((a, b) => a[0] - b[0]));
    entropy.push({ id: 'uniform', label: 'uniform attention (ln n)', points: [...uniform].map(([x, y]) => ({ x, y })), dashed: true });
  }
  return { entropy, keyMass, retrieval };
}

/** One attention matrix of the analysis's fixed inputs. */
export function patternData(a: AnalysisFile, input: number, layer: number, head: number): AttentionData | null {
  const inp = a.patterns.inputs[input];
  const probs = inp?.probabilities[layer]?.[head];
  if (!inp || !probs) return null;
  return { probs, tokens: inp.tokens };
}

/**
 * TransNAR: one input's cross-attention of one block and head as a heatmap, rows the tokens
 * (queries), columns the NAR's nodes with their labels; null without a NAR or for a missing entry.
 */
export function crossPatternData(a: AnalysisFile, input: number, blockIndex: number, head: number): HeatmapData | null {
  const cross = a.patterns.inputs[input]?.cross;
  const inp = a.patterns.inputs[input];
  const rows = cross?.probabilities[blockIndex]?.[head];
  if (!cross || !inp || !rows) return null;
  return { values: rows.map((r) => [...r]), rowLabels: inp.tokens.map((t, i) => `${i}: ${t}`), columnLabels: cross.nodes.map((n) => `node ${n}`) };
}

/** TransNAR: the cross-attention heads' normalized entropy over the nodes on the answer rows, heads × lengths; null without a NAR. */
export function crossEntropyData(a: AnalysisFile): HeatmapData | null {
  const x = a.crossAttention;
  if (!x) return null;
  const data = matrixData(x.answerNormalized);
  data.columnLabels = x.lengths.map((l, i) => `n=${l} (N=${x.nodes[i]})`);
  data.rowLabels = x.heads.map((h) => {
    const block = Number(/^X(\d+)/.exec(h)?.[1]);
    const gate = x.gates[x.blocks.indexOf(block)];
    return gate === undefined ? h : `${h} (gate ${gate.toFixed(2)})`;
  });
  return data;
}

/**
 * Length generalization with and without the NAR: for each TransNAR group and its plain twin (same
 * task, optimizer and training; the model without its NAR), per evaluation length, the final score
 * of each (mean over seeds) and the paired difference with its 95 % interval.
 */
export function narComparisonTable(runs: readonly RunSnapshot[], field: LengthField): TableData | null {
  const groups = seedGroups(runs);
  const twinKey = (r: RunFile): string => {
    const { nar: _nar, ...model } = r.config.model;
    return JSON.stringify({ task: r.config.task, model, optimizer: r.config.optimizer, train: r.config.train });
  };
  const rows: Record<string, string | number | null>[] = [];
  for (const g of groups) {
    const first = g.runs[0]?.run;
    if (!first?.config.model.nar) continue;
    const twin = groups.find((p) => p.runs[0] && !p.runs[0].run.config.model.nar && twinKey(p.runs[0].run) === twinKey(first));
    if (!twin) continue;
    const maxTrain = Math.max(...first.config.task.trainLengths);
    for (const len of first.config.task.evalLengths) {
      const at = (list: RunSnapshot[], seed: number): number | null => {
        const v = list.find((r) => r.run.config.seed === seed)?.run.final?.find((e) => e.length === len)?.[field];
        return typeof v === 'number' && Number.isFinite(v) ? v : null;
      };
      const seeds = g.runs.map((r) => r.run.config.seed).filter((s) => twin.runs.some((t) => t.run.config.seed === s));
      const withNar = meanCi95(seeds.map((s) => at(g.runs, s)));
      const without = meanCi95(seeds.map((s) => at(twin.runs, s)));
      const diff = meanCi95(seeds.map((s) => {
        const a = at(g.runs, s);
        const b = at(twin.runs, s);
        return a === null || b === null ? null : a - b;
      }));
      rows.push({
        task: first.config.task.name,
        length: len,
        where: len > maxTrain ? 'beyond training' : 'in training',
        seeds: diff.count,
        without: without.mean,
        with: withNar.mean,
        diff: diff.mean,
        ci: diff.halfWidth,
      });
    }
  }
  if (rows.length === 0) return null;
  return {
    columns: [
      { key: 'task', label: 'Task', type: 'text' },
      { key: 'length', label: 'n', type: 'number', digits: 0 },
      { key: 'where', label: '', type: 'text' },
      { key: 'seeds', label: 'Seeds', type: 'number', digits: 0 },
      { key: 'without', label: `${field} without NAR`, type: 'number', digits: 3 },
      { key: 'with', label: `${field} with NAR`, type: 'number', digits: 3 },
      { key: 'diff', label: 'Δ (with − without)', type: 'number', digits: 3, best: field === 'loss' ? 'min' : 'max' },
      { key: 'ci', label: '± 95 % CI', type: 'number', digits: 3 },
    ],
    rows,
  };
}

export function seedVariance(a: AnalysisFile): HeatmapData {
  return matrixData(a.randomized.pCorrectVariance);
}

export function majorityVote(a: AnalysisFile): LineSeries[] {
  const mv = a.randomized.majorityVote;
  return [{ id: 'majority', label: 'majority vote accuracy', points: mv.seeds.map((k, i) => ({ x: k, y: mv.accuracy[i] as number })) }];
}

/**
 * The per-input success-rate histogram (docs/science.md §4): how many inputs are answered right under
 * which fraction of the K seeds. Bimodal at 0 and 1 = deterministic; spread = random.
 */
export function successHistogram(a: AnalysisFile): HistogramData {
  const s = a.randomized.success;
  return { edges: s.histogram.edges, counts: s.histogram.fractions.map((f) => Math.round(f * a.randomized.inputs)) };
}

/** One line under the seed charts: the properly-random measure and the success summary. */
export function randomizedCaption(a: AnalysisFile): string {
  const r = a.randomized;
  const f = (x: number, d = 2): string => x.toFixed(d);
  return (
    `${r.inputs} inputs × ${r.seeds} seeds: success mean ${f(r.success.mean)}, 5th percentile ${f(r.success.p5)}; ` +
    `properly random on ${f(r.properlyRandom.fraction)} of the inputs (seed spread > ${r.properlyRandom.bound}, mean spread ${f(r.properlyRandom.meanSpread)}); ` +
    `variance of p(correct) over seeds: mean ${f(r.answerVariance.mean, 4)}, p95 ${f(r.answerVariance.p95, 4)}.`
  );
}

/**
 * The oblivious adversary (recall): the model's error on a random key, on the worst key and on the
 * worst key after a majority vote, beside ideal random and deterministic stores simulated at the
 * model's matched capacity (and at the task's, when it has memory slots). null for other tasks.
 */
export function adversaryTable(a: AnalysisFile): TableData | null {
  const adv = a.randomized.adversarial;
  if (!adv) return null;
  const rows: Record<string, string | number | null>[] = [
    { store: `this model (${adv.inputs} inputs × ${adv.pairs} keys × ${adv.seeds} seeds)`, capacity: adv.matchedCapacity, meanError: adv.meanError, worstKey: adv.worstKeyError, worstKeyMajority: adv.worstKeyMajorityError },
  ];
  const refs: [string, typeof adv.matchedStore | null][] = [
    ['matched capacity', adv.matchedStore],
    ["task's capacity", adv.taskStore],
  ];
  for (const [name, ref] of refs) {
    if (!ref) continue;
    rows.push({ store: `ideal random store, ${name} (K = ${ref.seeds})`, capacity: ref.capacity, meanError: ref.random.meanError, worstKey: ref.random.worstKeyError, worstKeyMajority: ref.random.worstKeyMajorityError });
    rows.push({ store: `ideal deterministic store, ${name}`, capacity: ref.capacity, meanError: ref.deterministic.meanError, worstKey: ref.deterministic.worstKeyError, worstKeyMajority: ref.deterministic.worstKeyError });
  }
  return {
    columns: [
      { key: 'store', label: 'Store', type: 'text' },
      { key: 'capacity', label: 'M', type: 'number', digits: 2 },
      { key: 'meanError', label: 'Error (random key)', type: 'number', digits: 3 },
      { key: 'worstKey', label: 'Error (worst key)', type: 'number', digits: 3 },
      { key: 'worstKeyMajority', label: 'Worst key, majority', type: 'number', digits: 3 },
    ],
    rows,
  };
}

/** The graphs of a colouring analysis as chart data (the adversary's graph first), with their success rates. */
export function coloringGraphs(a: AnalysisFile): ColoredGraphData[] {
  const c = a.coloring;
  if (!c) return [];
  return c.examples.map((g) => ({
    ids: g.ids,
    edges: g.edges,
    colorings: g.colorings,
    note: `${g.graph === c.worstGraph.index ? "the adversary's graph, " : ''}proper under ${Math.round(g.successRate * 100)} % of ${g.colorings.length} seed(s)`,
  }));
}

/** Best-of-k (mean and worst graph) and the majority colouring's proper rate against the number of seeds k. */
export function coloringCurves(a: AnalysisFile): LineSeries[] {
  const c = a.coloring;
  if (!c) return [];
  return [
    { id: 'best-mean', label: 'best-of-k: mean over graphs', points: c.bestOfK.seeds.map((k, i) => ({ x: k, y: c.bestOfK.mean[i] as number })) },
    { id: 'best-worst', label: "best-of-k: the adversary's graph", points: c.bestOfK.seeds.map((k, i) => ({ x: k, y: c.bestOfK.worst[i] as number })), dashed: true },
    { id: 'majority', label: 'majority colouring: proper', points: c.majority.seeds.map((k, i) => ({ x: k, y: c.majority.proper[i] as number })) },
  ];
}

/** One line of text under the colouring charts. */
export function coloringCaption(a: AnalysisFile): string {
  const c = a.coloring;
  if (!c) return '';
  const f = (x: number): string => x.toFixed(3);
  const graphs = c.exhaustive ? `all ${c.graphs} labelled cycles` : `${c.graphs} ${c.graphKind} graphs`;
  return (
    `${graphs} on ${c.length} vertices × ${c.seeds} seed(s): proper ${f(c.properRate)}; graphs failing under every seed ${f(c.failingGraphs)}; ` +
    `the adversary's graph proper under ${f(c.worstGraph.successRate)} of the seeds; properly random on ${f(c.properlyRandom.fraction)} of the graphs.`
  );
}

/** The softmax-noise probe's measures (analysis.json `softmaxNoise`). */
export const NOISE_MEASURES = {
  exact: 'exact accuracy',
  outputKl: 'KL(clean ‖ noisy) of the outputs (nats)',
  outputTv: 'total variation of the outputs',
  attentionTv: 'total variation of the attention rows',
  loss: 'loss',
} as const;
export type NoiseMeasure = keyof typeof NOISE_MEASURES;

/**
 * Noise curves side by side (standard vs log-n runs): one line per seed group (mean ± std over its
 * seeds) of a measure against σ, for noise at `target` (`all` or `L<l>`) and one evaluation length.
 */
export function noiseCurves(runs: readonly RunSnapshot[], measure: NoiseMeasure, target: string, length: number): LineSeries[] {
  const analysed = runs.filter((r) => isAnalysisFile(r.analysis) && (r.analysis as AnalysisFile).softmaxNoise);
  const out: LineSeries[] = [];
  for (const { label, runs: group } of seedGroups(analysed)) {
    const probes = group.map((r) => (r.analysis as AnalysisFile).softmaxNoise as NonNullable<AnalysisFile['softmaxNoise']>);
    const sigmas = [...new Set(probes.flatMap((p) => p.sigmas))].sort((a, b) => a - b);
    const points = sigmas.flatMap((sigma) => {
      const vals = probes
        .map((p) => p[measure][p.targets.indexOf(target)]?.[p.sigmas.indexOf(sigma)]?.[p.lengths.indexOf(length)])
        .filter((v): v is number => typeof v === 'number');
      if (vals.length === 0) return [];
      const { mean, std } = meanStd(vals);
      return [vals.length > 1 ? { x: sigma, y: mean, std } : { x: sigma, y: mean }];
    });
    if (points.length > 0) out.push({ id: label, label: group.length > 1 ? `${label} (${group.length} seeds)` : label, points });
  }
  return out;
}

/** Lengths and noise targets the runs' probes share (for the dashboard's pickers). */
export function noiseChoices(runs: readonly RunSnapshot[]): { lengths: number[]; targets: string[] } {
  const probes = runs.map((r) => (isAnalysisFile(r.analysis) ? (r.analysis as AnalysisFile).softmaxNoise : null)).filter((p) => p);
  if (probes.length === 0) return { lengths: [], targets: [] };
  const first = probes[0] as NonNullable<AnalysisFile['softmaxNoise']>;
  return { lengths: [...first.lengths], targets: [...first.targets] };
}

/**
 * A grid-world run's explorations for the trajectories chart (grid-world.json), or null when the
 * run has none or the file is not a version-1 grid-world analysis.
 */
export function gridWorldData(run: RunSnapshot): GridTrajectoryData | null {
  const g = run.gridWorld as Record<string, unknown> | null | undefined;
  if (typeof g !== 'object' || g === null || g.version !== 1) return null;
  const { side, trajectories, meanFirstVisit, worstCell, meanSteps, worstSteps, seeds, distinctTrajectories } = g;
  if (typeof side !== 'number' || !Array.isArray(trajectories) || !trajectories.every((p) => Array.isArray(p) && p.every((c) => typeof c === 'number'))) return null;
  const fmt = (x: unknown): string => (typeof x === 'number' ? x.toFixed(2) : '?');
  return {
    side,
    trajectories: trajectories as number[][],
    ...(Array.isArray(meanFirstVisit) && meanFirstVisit.length === side * side ? { meanFirstVisit: meanFirstVisit as number[] } : {}),
    ...(typeof worstCell === 'number' ? { worstCell } : {}),
    note: `over ${String(seeds)} evaluation seeds: mean ${fmt(meanSteps)} steps, worst case ${fmt(worstSteps)}, ${String(distinctTrajectories)} distinct paths`,
  };
}
