/**
 * summary.json for an experiment (docs/analysis.md): reads run.json, metrics.jsonl and
 * analysis.json of every run (no model is loaded), groups runs across training seeds, builds
 * the optimizer robustness grids, the length-generalization and entropy matrices, and the
 * headline comparison that `attention-lab report` prints as a Markdown table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisFile, CiValue, LabeledMatrix, PairedDifference, RobustnessGrid, RunSummary, SeedBand, SeedGroup, Stats, SummaryFile, SummaryTable, TransnarComparison } from '../../protocol/analysis';
import { isClrsTask } from '../tasks/clrs/clrsTask';
import { ANALYSIS_VERSION } from '../../protocol/analysis';
import { positionLabel } from '../../protocol/config';
import { analysisFileProblem } from './checkAnalysisFile';
import type { EvalRecord, MetricsRecord, OptimRecord, RunFile, TrainRecord } from '../../protocol/runFolder';
import { MAX_METRICS_BYTES, readExperimentFile, readMetrics, readRunFile, readSmallTextFile, RunFolderError } from '../experiment/runFolder';
import { writeJsonAtomic } from '../io/atomicWrite';
import type { GridWorldAnalysis } from '../../protocol/gridWorld';
import { meanOfPresent } from './attentionEntropyMath';
import { pairedDifference } from './confidence';
import { mean, meanCi95, sampleStd, stats } from './statistics';
import { ANALYSIS_FILE, GRID_WORLD_FILE, SUMMARY_FILE } from '../../protocol/runFolder';

/** A run folder's contents as the summary needs them. */
export interface RunData {
  run: RunFile;
  metrics: MetricsRecord[];
  analysis: AnalysisFile | null;
  /** grid-world.json of a grid-world run (evolution strategies), when present. */
  gridWorld?: GridWorldAnalysis | null;
}

/** The run id without its seed part (`…-s3`): runs that differ only by seed share it. */
export function groupLabel(id: string): string {
  return id.replace(/-s\d+$/, '');
}

/** The longest evaluation length not beyond training, else the shortest. */
export function headlineLength(evalLengths: readonly number[], trainLengths: readonly number[]): number {
  const maxTrain = Math.max(...trainLengths);
  const inside = evalLengths.filter((n) => n <= maxTrain);
  return inside.length > 0 ? Math.max(...inside) : Math.min(...evalLengths);
}

export function readRunData(runDir: string, warn?: (message: string) => void): RunData {
  const run = readRunFile(runDir);
  const file = path.join(runDir, ANALYSIS_FILE);
  let analysis: AnalysisFile | null = null;
  if (fs.existsSync(file)) {
    try {
      // An unreadable or damaged analysis is reported and counts as missing; the run's own files still count.
      const parsed = JSON.parse(readSmallTextFile(file, 'analysis.json', MAX_METRICS_BYTES)) as unknown;
      const problem = analysisFileProblem(parsed);
      if (problem) warn?.(`${file}: ignored: ${problem}`);
      else analysis = parsed as AnalysisFile;
    } catch (err) {
      warn?.(`${file}: ignored: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { run, metrics: readMetrics(runDir, warn), analysis, gridWorld: readGridWorld(runDir, warn) };
}

/** grid-world.json, or null when absent or unreadable (reported). */
function readGridWorld(runDir: string, warn?: (message: string) => void): GridWorldAnalysis | null {
  const file = path.join(runDir, GRID_WORLD_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readSmallTextFile(file, GRID_WORLD_FILE)) as Partial<GridWorldAnalysis>;
    if (parsed.version !== 1 || typeof parsed.meanSteps !== 'number' || typeof parsed.worstSteps !== 'number' || !Array.isArray(parsed.trajectories)) {
      warn?.(`${file}: ignored: not a version-1 grid-world analysis`);
      return null;
    }
    return parsed as GridWorldAnalysis;
  } catch (err) {
    warn?.(`${file}: ignored: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/**
 * The grid-world table: one row per configuration, the final agent under its K evaluation seeds,
 * mean ± 95 % CI over training seeds (null without grid-world runs).
 */
export function gridWorldTable(groups: readonly { label: string; analyses: readonly (GridWorldAnalysis | null | undefined)[] }[]): SummaryTable | null {
  const withGrid = groups.filter((g) => g.analyses.some((a) => a));
  if (withGrid.length === 0) return null;
  const first = withGrid[0]?.analyses.find((a) => a) as GridWorldAnalysis;
  const pick = (g: { analyses: readonly (GridWorldAnalysis | null | undefined)[] }, f: (a: GridWorldAnalysis) => number, digits = 3): string =>
    ciText(g.analyses.map((a) => (a ? f(a) : null)), digits);
  return {
    id: 'grid-world',
    title:
      `Grid world ${first.side} × ${first.side}, ${first.budget} steps (a goal never found costs ${first.budget + 1}), the final agent under K = ${first.seeds} evaluation seeds; mean ± 95 % CI over training seeds. ` +
      'mean steps: steps to the goal over goal cells and seeds; worst case: the oblivious adversary\'s cell (largest mean over seeds); found: episodes that reach the goal; distinct paths: different trajectories among the K seeds (1 = the seed is ignored).',
    columns: ['configuration', 'seeds', 'q', 'RSE', 'mean steps', 'worst case', 'found', 'distinct paths'],
    rows: withGrid.map((g) => {
      const a = g.analyses.find((x) => x) as GridWorldAnalysis;
      return [
        g.label,
        g.analyses.filter((x) => x).length,
        a.q,
        a.rseBits,
        pick(g, (x) => x.meanSteps, 2),
        pick(g, (x) => x.worstSteps, 2),
        pick(g, (x) => x.found),
        pick(g, (x) => x.distinctTrajectories, 1),
      ];
    }),
  };
}

function evalsOf(d: RunData): EvalRecord[] {
  return d.metrics.filter((m): m is EvalRecord => m.kind === 'eval');
}

function runSummary(d: RunData, n: number): RunSummary {
  const { run, analysis } = d;
  const opt = run.config.optimizer;
  const atN = evalsOf(d).map((e) => e.results.find((r) => r.length === n)).filter((r) => r !== undefined);
  const trains = d.metrics.filter((m): m is TrainRecord => m.kind === 'train');
  const lastOptim = d.metrics.filter((m): m is OptimRecord => m.kind === 'optim').at(-1);
  // A grid-world loss is in steps to the goal (at most budget + 1), not nats: chance is never-finding.
  const chanceLoss = run.config.task.name === 'grid-world' ? (run.config.task.options.budget ?? Infinity) + 1 : Math.log(run.config.model.vocabSize);
  const finalLoss = (run.final ?? []).find((e) => e.length === n)?.loss;
  const lastTrainLoss = trains.at(-1)?.loss;
  const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  // JSON has no NaN: a non-finite loss is written as null.
  const diverged =
    (run.final !== null && (!isNumber(finalLoss) || finalLoss > chanceLoss)) || (trains.length > 0 && !isNumber(lastTrainLoss));
  return {
    id: run.id,
    group: groupLabel(run.id),
    status: run.status,
    seed: run.config.seed,
    optimizer: opt.name,
    lr: opt.lr,
    weightDecay: opt.weightDecay,
    q: run.config.train.q,
    rseBits: run.config.model.rseBits,
    position: positionLabel(run.config.model),
    attentionScaling: run.config.model.attentionScaling,
    optimizerStateBytes: run.optimizerStateBytes,
    trainSeconds: run.timings.trainSeconds,
    batchSize: run.config.train.batchSize,
    accumulate: run.config.train.accumulate ?? 1,
    chanceLoss,
    diverged,
    weights: {
      matrixRms: lastOptim?.groups?.find((g) => g.kind === 'matrix')?.weightRms ?? null,
      rms: lastOptim?.weightRms ?? null,
      maxAbs: lastOptim?.groups ? Math.max(...lastOptim.groups.map((g) => g.maxAbs)) : null,
    },
    final: (run.final ?? []).map((e) => ({ length: e.length, loss: e.loss, exact: e.exact, clrs: e.clrs })),
    best: {
      loss: atN.length ? Math.min(...atN.map((r) => r.loss)) : null,
      exact: atN.length ? Math.max(...atN.map((r) => r.exact)) : null,
    },
    finalTrainLoss: trains.at(-1)?.loss ?? null,
    analysis: {
      meanEntropySlope: analysis?.entropy.meanEntropySlope ?? null,
      meanNormalizedSlope: analysis?.entropy.meanNormalizedSlope ?? null,
      retrievalEntropySlope: analysis?.entropy.retrieval?.entropySlope ?? null,
      minimumHead: analysis?.entropy.minimum?.head ?? null,
      minimumNormalized: analysis?.entropy.minimum?.meanNormalized ?? null,
      properlyRandomFraction: analysis?.randomized.properlyRandom.fraction ?? null,
      answerVariance: analysis?.randomized.answerVariance.mean ?? null,
      successMean: analysis?.randomized.success.mean ?? null,
      successP5: analysis?.randomized.success.p5 ?? null,
      majorityAccuracy: analysis?.randomized.majorityVote.accuracy.at(-1) ?? null,
      worstLoss: analysis?.randomized.loss.worst ?? null,
      worstKeyError: analysis?.randomized.adversarial?.worstKeyError ?? null,
      worstKeyMajorityError: analysis?.randomized.adversarial?.worstKeyMajorityError ?? null,
      referenceWorstKeyError: analysis?.randomized.adversarial?.matchedStore.random.worstKeyError ?? null,
      coloring: coloringHeadline(analysis),
    },
  };
}

function coloringHeadline(analysis: AnalysisFile | null): NonNullable<RunSummary['analysis']['coloring']> | null {
  const c = analysis?.coloring;
  if (!c) return null;
  return {
    properRate: c.properRate,
    successP5: c.success.p5,
    worstGraphSuccess: c.worstGraph.successRate,
    worstGraphConflicts: c.conflicts.worst,
    failingGraphs: c.failingGraphs,
    bestOfK: c.bestOfK.mean.at(-1) ?? c.properRate,
    bestOfKWorst: c.bestOfK.worst.at(-1) ?? c.worstGraph.successRate,
    majority: c.majority.proper.at(-1) ?? c.properRate,
    properlyRandom: c.properlyRandom.fraction,
    seeds: c.seeds,
    graphs: c.graphs,
    exhaustive: c.exhaustive,
  };
}

/** `mean ± half-width of the 95 % interval over seeds` (the mean alone with one seed, – with none). */
export function ciText(values: readonly (number | null | undefined)[], digits = 3): string {
  const c = meanCi95(values);
  if (c.mean === null) return '–';
  return c.halfWidth === null ? fmt(c.mean, digits) : `${fmt(c.mean, digits)} ± ${fmt(c.halfWidth, digits)}`;
}

/** The graph-colouring table: one row per configuration, mean ± 95 % CI over seeds (null without colouring analyses). */
export function coloringTable(groups: readonly { label: string; members: readonly RunSummary[] }[]): SummaryTable | null {
  const withColoring = groups.filter((g) => g.members.some((m) => m.analysis.coloring));
  if (withColoring.length === 0) return null;
  const first = withColoring[0]?.members.find((m) => m.analysis.coloring)?.analysis.coloring;
  const K = Math.max(...withColoring.flatMap((g) => g.members.map((m) => m.analysis.coloring?.seeds ?? 1)));
  const pick = (g: { members: readonly RunSummary[] }, f: (c: NonNullable<RunSummary['analysis']['coloring']>) => number): string =>
    ciText(g.members.map((m) => (m.analysis.coloring ? f(m.analysis.coloring) : null)));
  return {
    id: 'coloring',
    title:
      `Graph colouring over ${first?.exhaustive ? `every one of the ${first.graphs} labelled cycles` : `${first?.graphs ?? '?'} evaluation graphs`}, each under K = ${K} seeds ` +
      '(1 for a model without RSE); mean ± 95 % CI over training seeds. proper: fraction of (graph, seed) coloured properly; worst graph: the lowest per-graph success ' +
      'rate (the oblivious adversary); failing: graphs improper under every seed; best-of-K: some seed colours it properly (mean, worst graph); majority: the most frequent ' +
      'colouring over the K seeds; properly random: graphs whose colour distribution moves by more than 0.5 in total variation between seeds.',
    columns: ['configuration', 'seeds', 'proper', 'success p5', 'worst graph', 'worst conflicts', 'failing', 'best-of-K', 'best-of-K worst', 'majority', 'properly random'],
    rows: withColoring.map((g) => [
      g.label,
      g.members.length,
      pick(g, (c) => c.properRate),
      pick(g, (c) => c.successP5),
      pick(g, (c) => c.worstGraphSuccess),
      pick(g, (c) => c.worstGraphConflicts),
      pick(g, (c) => c.failingGraphs),
      pick(g, (c) => c.bestOfK),
      pick(g, (c) => c.bestOfKWorst),
      pick(g, (c) => c.majority),
      pick(g, (c) => c.properlyRandom),
    ]),
  };
}

/**
 * The softmax-noise table (noise on every layer at once): one row per (configuration, σ), per
 * evaluation length the exact accuracy, the output KL (nats) and the attention rows' total
 * variation, mean ± 95 % CI over seeds; null without probes. Only σ values every run has.
 */
export function softmaxNoiseTable(groups: readonly { label: string; analyses: readonly (AnalysisFile | null)[] }[]): SummaryTable | null {
  const probes = groups.flatMap((g) => g.analyses.map((a) => a?.softmaxNoise ?? null)).filter((p) => p !== null);
  if (probes.length === 0) return null;
  const first = probes[0] as NonNullable<AnalysisFile['softmaxNoise']>;
  const sigmas = first.sigmas.filter((sg) => probes.every((p) => p.sigmas.includes(sg)));
  const lengths = first.lengths.filter((n) => probes.every((p) => p.lengths.includes(n)));
  const value = (p: NonNullable<AnalysisFile['softmaxNoise']>, key: 'exact' | 'outputKl' | 'attentionTv', sigma: number, n: number): number | null =>
    p[key][p.targets.indexOf('all')]?.[p.sigmas.indexOf(sigma)]?.[p.lengths.indexOf(n)] ?? null;
  const rows: (string | number | null)[][] = [];
  for (const g of groups) {
    const mine = g.analyses.map((a) => a?.softmaxNoise ?? null).filter((p) => p !== null);
    if (mine.length === 0) continue;
    for (const sigma of sigmas) {
      rows.push([
        g.label,
        String(sigma),
        mine.length,
        ...lengths.flatMap((n) => (['exact', 'outputKl', 'attentionTv'] as const).map((k) => ciText(mine.map((p) => value(p, k, sigma, n)), k === 'outputKl' ? 4 : 3))),
      ]);
    }
  }
  return {
    id: 'softmax-noise',
    title:
      `Softmax-noise probe: N(0, σ²) added to the attention logits of every layer (after the scaling, before the softmax), ${first.examples} inputs × ${first.draws} draws per length; ` +
      'exact accuracy of the one-pass answers, KL(clean ‖ noisy) of the output distributions at the answer positions (nats) and the total variation of the attention rows; mean ± 95 % CI over training seeds. σ = 0 is the model without noise.',
    columns: ['configuration', 'σ', 'seeds', ...lengths.flatMap((n) => [`exact@${n}`, `KL@${n}`, `attn TV@${n}`])],
    rows,
  };
}

function finalAt(r: RunSummary, n: number): { loss: number; exact: number; clrs: number } | null {
  return r.final.find((f) => f.length === n) ?? null;
}

/** Mean ± std across seeds of curves, on the steps every seed has. */
export function seedBand(metric: string, curves: readonly { steps: number[]; values: number[] }[]): SeedBand {
  if (curves.length === 0) return { metric, steps: [], mean: [], std: [] };
  const maps = curves.map((c) => new Map(c.steps.map((s, i) => [s, c.values[i] as number])));
  const steps = (curves[0] as { steps: number[] }).steps.filter((s) => maps.every((m) => m.has(s)));
  const columns = steps.map((s) => maps.map((m) => m.get(s) as number));
  return { metric, steps, mean: columns.map((c) => mean(c)), std: columns.map((c) => sampleStd(c)) };
}

function seedGroup(label: string, members: readonly { summary: RunSummary; data: RunData }[], n: number): SeedGroup {
  const s = members.map((m) => m.summary);
  const trainCurves = members.map((m) => {
    const tr = m.data.metrics.filter((x): x is TrainRecord => x.kind === 'train');
    return { steps: tr.map((x) => x.step), values: tr.map((x) => x.loss) };
  });
  const exactCurves = members.map((m) => {
    const ev = evalsOf(m.data);
    const pts = ev.map((e) => ({ step: e.step, r: e.results.find((r) => r.length === n) })).filter((p) => p.r !== undefined);
    return { steps: pts.map((p) => p.step), values: pts.map((p) => (p.r as { exact: number }).exact) };
  });
  return {
    label,
    runIds: s.map((r) => r.id),
    seeds: s.map((r) => r.seed),
    finalLoss: stats(s.map((r) => finalAt(r, n)?.loss)),
    finalExact: stats(s.map((r) => finalAt(r, n)?.exact)),
    bestLoss: stats(s.map((r) => r.best.loss)),
    bestExact: stats(s.map((r) => r.best.exact)),
    finalTrainLoss: stats(s.map((r) => r.finalTrainLoss)),
    // At the end of training: runs that finished (a cancelled run's last record is mid-training).
    finalMatrixRms: stats(s.map((r) => (r.final.length > 0 ? r.weights.matrixRms : null))),
    diverged: s.filter((r) => r.diverged).length,
    curves: [seedBand('train loss', trainCurves), seedBand(`eval exact@${n}`, exactCurves)],
  };
}

/**
 * lr × weight-decay grids per optimizer (only optimizers run at more than one point). A cell's
 * mean loss is null when one of its runs diverged (RunSummary.diverged): `divergedRuns` says so,
 * and a mean over a blown-up run would only be a huge number.
 */
export function robustnessGrids(runs: readonly RunSummary[], n: number): RobustnessGrid[] {
  const out: RobustnessGrid[] = [];
  for (const name of [...new Set(runs.map((r) => r.optimizer))]) {
    const mine = runs.filter((r) => r.optimizer === name);
    const lrs = [...new Set(mine.map((r) => r.lr))].sort((a, b) => a - b);
    const wds = [...new Set(mine.map((r) => r.weightDecay))].sort((a, b) => a - b);
    if (lrs.length * wds.length < 2) continue;
    const cellRuns = (wd: number, lr: number): RunSummary[] => mine.filter((r) => r.lr === lr && r.weightDecay === wd);
    const matrix = (f: (rs: RunSummary[]) => number | null): LabeledMatrix => ({
      rowLabels: wds.map((w) => `wd=${w}`),
      columnLabels: lrs.map((l) => `lr=${l}`),
      values: wds.map((wd) => lrs.map((lr) => f(cellRuns(wd, lr)))),
    });
    const loss = (r: RunSummary): number | undefined => finalAt(r, n)?.loss;
    const exact = (r: RunSummary): number | undefined => finalAt(r, n)?.exact;
    const lossStats = (rs: RunSummary[]): Stats | null => (rs.some((r) => r.diverged) ? null : stats(rs.map(loss)));
    out.push({
      optimizer: name,
      lrs,
      weightDecays: wds,
      meanFinalLoss: matrix((rs) => lossStats(rs)?.mean ?? null),
      stdFinalLoss: matrix((rs) => lossStats(rs)?.std ?? null),
      ciFinalLoss: matrix((rs) => lossStats(rs)?.ci95?.halfWidth ?? null),
      meanFinalExact: matrix((rs) => stats(rs.map(exact)).mean),
      runs: matrix((rs) => rs.length),
      divergedRuns: matrix((rs) => rs.filter((r) => r.diverged).length),
      chanceLoss: Math.max(...mine.map((r) => r.chanceLoss)),
    });
  }
  return out;
}

/** A run's config without what a comparison varies: the context two groups must share to be paired. */
function contextKey(run: RunFile, without: 'optimizer' | 'batching'): string {
  const { id: _id, seed: _seed, ...rest } = run.config;
  const c = structuredClone(rest) as Partial<typeof rest>;
  if (without === 'optimizer') delete c.optimizer;
  else if (c.train) {
    const t = c.train as Partial<typeof rest.train>;
    delete t.batchSize;
    delete t.accumulate;
  }
  return JSON.stringify(c);
}

/**
 * Paired differences (final loss and exact at n, a − b over shared seeds): between optimizers,
 * each at its best group (lowest mean final loss) among groups that differ only in the
 * optimizer; and between groups that differ only in batchSize/accumulate.
 */
export function pairedDifferences(groups: readonly SeedGroup[], runsOf: (g: SeedGroup) => RunSummary[], firstRun: (g: SeedGroup) => RunFile, n: number): PairedDifference[] {
  const out: PairedDifference[] = [];
  // A diverged run has no value to pair: its seed drops out of the comparison.
  const perSeed = (g: SeedGroup, pick: (f: { loss: number; exact: number }) => number): Map<number, number | undefined> =>
    new Map(
      runsOf(g).map((r) => {
        const f = r.diverged ? null : finalAt(r, n);
        return [r.seed, f ? pick(f) : undefined];
      }),
    );
  const pair = (factor: PairedDifference['factor'], a: SeedGroup, b: SeedGroup): void => {
    const loss = pairedDifference(perSeed(a, (f) => f.loss), perSeed(b, (f) => f.loss));
    const exact = pairedDifference(perSeed(a, (f) => f.exact), perSeed(b, (f) => f.exact));
    if (loss.seeds.length === 0) return;
    out.push({ factor, a: a.label, b: b.label, seeds: loss.seeds, loss: loss.difference, exact: exact.difference });
  };
  const byContext = (without: 'optimizer' | 'batching'): SeedGroup[][] => {
    const m = new Map<string, SeedGroup[]>();
    for (const g of groups) {
      const k = contextKey(firstRun(g), without);
      m.set(k, [...(m.get(k) ?? []), g]);
    }
    return [...m.values()].filter((gs) => gs.length > 1);
  };
  for (const gs of byContext('optimizer')) {
    const best = new Map<string, SeedGroup>();
    for (const g of gs) {
      const name = firstRun(g).config.optimizer.name;
      const cur = best.get(name);
      const score = (x: SeedGroup): number => ((x.diverged ?? 0) > 0 ? Infinity : (x.finalLoss.mean ?? Infinity));
      if (!cur || score(g) < score(cur)) best.set(name, g);
    }
    const list = [...best.values()];
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) pair('optimizer', list[i] as SeedGroup, list[j] as SeedGroup);
  }
  for (const gs of byContext('batching')) {
    for (let i = 0; i < gs.length; i++) for (let j = i + 1; j < gs.length; j++) pair('batching', gs[i] as SeedGroup, gs[j] as SeedGroup);
  }
  return out;
}

function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(digits);
}

/** `mean ± 95 % CI half-width`, or `mean (n=1)` when only one value exists. */
function meanCi(s: Stats): string {
  if (s.mean === null) return '–';
  return s.ci95 ? `${fmt(s.mean)} ± ${fmt(s.ci95.halfWidth)}` : `${fmt(s.mean)} (n=${s.count})`;
}

/** The headline note: what the ± in the table means. */
export const HEADLINE_NOTE = 'mean ± half-width of the 95 % confidence interval over seeds (Student t); (n=1) where one run finished';

/** Summarizes already-read runs (pure apart from the clock: unit-tested). */
export function summarizeRuns(experiment: string, data: readonly RunData[]): SummaryFile {
  if (data.length === 0) throw new RunFolderError(`experiment ${experiment}: no runs to summarize`);
  const first = (data[0] as RunData).run.config.task;
  const n = headlineLength(first.evalLengths, first.trainLengths);
  const runs = data.map((d) => runSummary(d, n));
  const labels = [...new Set(runs.map((r) => r.group))];
  const members = (label: string): { summary: RunSummary; data: RunData }[] =>
    runs.map((summary, i) => ({ summary, data: data[i] as RunData })).filter((m) => m.summary.group === label);
  const groups = labels.map((l) => seedGroup(l, members(l), n));
  const lengths = [...new Set(data.flatMap((d) => d.run.config.task.evalLengths))].sort((a, b) => a - b);
  const columns = lengths.map((x) => `n=${x}`);
  const byGroup = (pick: (d: RunData, len: number) => number | null | undefined): LabeledMatrix => ({
    rowLabels: labels,
    columnLabels: columns,
    values: labels.map((l) => lengths.map((len) => stats(members(l).map((m) => pick(m.data, len))).mean)),
  });
  const finalOf = (d: RunData, len: number): { exact: number; clrs: number; shape: number; parse: number } | undefined => d.run.final?.find((e) => e.length === len);
  const lgRow = (d: RunData, len: number) => d.analysis?.lengthGeneralization.rows.find((r) => r.length === len);
  const entropyAt =
    (pick: 'meanEntropy' | 'meanNormalized') =>
    (d: RunData, len: number): number | null => {
      const e = d.analysis?.entropy;
      if (!e) return null;
      const c = e.lengths.indexOf(len);
      return c < 0 ? null : meanOfPresent(e[pick].values.map((row) => row[c] ?? null));
    };
  const retrievalAt =
    (pick: 'entropy' | 'keyMass' | 'normalized') =>
    (d: RunData, len: number): number | null =>
      d.analysis?.entropy.retrieval?.byLength.find((b) => b.length === len)?.[pick] ?? null;
  /** Rows groups, columns lengths: the mean over seeds and the half-width of its 95 % interval. */
  const byGroupCi = (pick: (d: RunData, len: number) => number | null | undefined): { mean: LabeledMatrix; ci95: LabeledMatrix } => {
    const cells = labels.map((l) => lengths.map((len) => meanCi95(members(l).map((m) => pick(m.data, len)))));
    return {
      mean: { rowLabels: labels, columnLabels: columns, values: cells.map((row) => row.map((c) => c.mean)) },
      ci95: { rowLabels: labels, columnLabels: columns, values: cells.map((row) => row.map((c) => c.halfWidth)) },
    };
  };
  const hasRetrieval = data.some((d) => d.analysis?.entropy.retrieval);
  const retrievalSummary = (): SummaryFile['retrieval'] => {
    const e = byGroupCi(retrievalAt('entropy'));
    const k = byGroupCi(retrievalAt('keyMass'));
    const x = byGroupCi((d, len) => finalOf(d, len)?.exact);
    const l = byGroupCi((d, len) => d.run.final?.find((e) => e.length === len)?.loss);
    return {
      entropy: e.mean,
      entropyCi95: e.ci95,
      keyMass: k.mean,
      keyMassCi95: k.ci95,
      normalized: byGroup(retrievalAt('normalized')),
      exact: x.mean,
      exactCi95: x.ci95,
      loss: l.mean,
      lossCi95: l.ci95,
    };
  };

  const randomized = data.some((d) => d.run.config.model.rseBits > 0 || (d.run.config.task.name === 'recall' && (d.run.config.task.options.capacity ?? 0) > 0));
  const maxEval = Math.max(...lengths);
  const hasAnalysis = data.some((d) => d.analysis !== null);
  const weighed = runs.some((r) => r.weights.matrixRms !== null);
  const headColumns = ['configuration', 'seeds', `loss@${n}`, `exact@${n}`, `best exact@${n}`];
  if (maxEval !== n) headColumns.push(`exact@${maxEval}`);
  headColumns.push('state bytes');
  if (weighed) headColumns.push('weight RMS');
  if (hasAnalysis) headColumns.push('H slope', 'h slope');
  if (randomized) headColumns.push('properly random', 'success p5', 'majority acc', 'worst loss', 'worst-key err', 'random-store ref');
  const rows = groups.map((g) => {
    const ms = members(g.label);
    // Seeds: how many finished a final evaluation, of how many; a diverged group's loss says so instead of a huge mean.
    const finished = g.finalLoss.count;
    const seeds = finished === g.seeds.length ? g.seeds.length : `${finished}/${g.seeds.length}`;
    const loss = (g.diverged ?? 0) > 0 ? `diverged ${g.diverged}/${g.seeds.length}` : meanCi(g.finalLoss);
    const row: (string | number | null)[] = [g.label, seeds, loss, meanCi(g.finalExact), meanCi(g.bestExact)];
    if (maxEval !== n) row.push(meanCi(stats(ms.map((m) => finalAt(m.summary, maxEval)?.exact))));
    // 0 bytes: the run never created its state (it did not start).
    row.push(fmt(stats(ms.map((m) => m.summary.optimizerStateBytes || null)).mean, 0));
    if (weighed) row.push(meanCi(g.finalMatrixRms ?? stats([])));
    if (hasAnalysis) {
      row.push(meanCi(stats(ms.map((m) => m.summary.analysis.meanEntropySlope))), meanCi(stats(ms.map((m) => m.summary.analysis.meanNormalizedSlope))));
    }
    if (randomized) {
      row.push(
        meanCi(stats(ms.map((m) => m.summary.analysis.properlyRandomFraction))),
        meanCi(stats(ms.map((m) => m.summary.analysis.successP5))),
        meanCi(stats(ms.map((m) => m.summary.analysis.majorityAccuracy))),
        meanCi(stats(ms.map((m) => m.summary.analysis.worstLoss))),
        meanCi(stats(ms.map((m) => m.summary.analysis.worstKeyError))),
        meanCi(stats(ms.map((m) => m.summary.analysis.referenceWorstKeyError))),
      );
    }
    return row;
  });

  const clrsData = data.some((d) => isClrsTask(d.run.config.task.name));

  return {
    version: ANALYSIS_VERSION,
    kind: 'experiment-summary',
    experiment,
    createdAt: new Date().toISOString(),
    headlineLength: n,
    runs,
    groups,
    robustness: robustnessGrids(runs, n),
    pairedDifferences: pairedDifferences(
      groups,
      (g) => members(g.label).map((m) => m.summary),
      (g) => (members(g.label)[0] as { data: RunData }).data.run,
      n,
    ),
    lengthGeneralization: {
      trainLengths: labels.map((l) => Math.max(...(members(l)[0] as { data: RunData }).data.run.config.task.trainLengths)),
      exact: byGroup((d, len) => finalOf(d, len)?.exact),
      clrs: byGroup((d, len) => finalOf(d, len)?.clrs),
      shape: byGroup((d, len) => finalOf(d, len)?.shape),
      parse: byGroup((d, len) => finalOf(d, len)?.parse),
      wrongShape: byGroup((d, len) => lgRow(d, len)?.failures.wrongShape),
      wrongValues: byGroup((d, len) => lgRow(d, len)?.failures.wrongValues),
    },
    entropy: byGroup(entropyAt('meanEntropy')),
    entropyNormalized: byGroup(entropyAt('meanNormalized')),
    retrieval: hasRetrieval ? retrievalSummary() : null,
    headline: { columns: headColumns, rows, note: HEADLINE_NOTE },
    clrs: clrsData ? clrsSummary(byGroupCi) : null,
    transnar: transnarComparisons(data),
    tables: taskTables(labels, members, runs),
  };
}

/** Rows groups, columns lengths: a score's mean over seeds and the half-width of its 95 % interval. */
type GroupCi = (pick: (d: RunData, len: number) => number | null | undefined) => { mean: LabeledMatrix; ci95: LabeledMatrix };

/** CLRS-Text scores of the final evaluations (summary.json `clrs`). */
function clrsSummary(byGroupCi: GroupCi): NonNullable<SummaryFile['clrs']> {
  const finalOf = (d: RunData, len: number) => d.run.final?.find((e) => e.length === len);
  const sh = byGroupCi((d, len) => finalOf(d, len)?.shape);
  const pa = byGroupCi((d, len) => finalOf(d, len)?.parse);
  const cl = byGroupCi((d, len) => finalOf(d, len)?.clrs);
  const ex = byGroupCi((d, len) => finalOf(d, len)?.exact);
  return { shape: sh.mean, shapeCi95: sh.ci95, parse: pa.mean, parseCi95: pa.ci95, clrs: cl.mean, clrsCi95: cl.ci95, exact: ex.mean, exactCi95: ex.ci95 };
}

/** The task-specific tables (summary.json `tables`). */
function taskTables(labels: readonly string[], members: (label: string) => { summary: RunSummary; data: RunData }[], runs: readonly RunSummary[]): SummaryTable[] {
  return [
    coloringTable(labels.map((l) => ({ label: l, members: members(l).map((m) => m.summary) }))),
    gridWorldTable(labels.map((l) => ({ label: l, analyses: members(l).map((m) => m.data.gridWorld) }))),
    // Where attention scalings are compared (standard vs log-n side by side); every analysis.json has the probe.
    new Set(runs.map((r) => r.attentionScaling)).size > 1 ? softmaxNoiseTable(labels.map((l) => ({ label: l, analyses: members(l).map((m) => m.data.analysis) }))) : null,
  ].filter((t): t is SummaryTable => t !== null);
}

/** The run config without what may differ between a TransNAR group and its plain twin: the model's label-carrying id, nar, seed. */
function twinKey(d: RunData): string {
  const c = d.run.config;
  const { nar: _nar, ...model } = c.model;
  return JSON.stringify({ task: c.task, model: { ...model, vocabSize: 0 }, optimizer: c.optimizer, train: c.train });
}

/**
 * TransNAR groups against their plain twins (summary.json `transnar`): same task, optimizer,
 * training and model apart from the NAR; differences paired by seed.
 */
export function transnarComparisons(data: readonly RunData[]): TransnarComparison[] | null {
  const narRuns = data.filter((d) => d.run.config.model.nar);
  if (narRuns.length === 0) return null;
  const byGroup = new Map<string, RunData[]>();
  for (const d of data) byGroup.set(groupLabel(d.run.id), [...(byGroup.get(groupLabel(d.run.id)) ?? []), d]);
  const out: TransnarComparison[] = [];
  for (const [narLabel, narGroup] of byGroup) {
    const first = narGroup[0] as RunData;
    if (!first.run.config.model.nar) continue;
    const key = twinKey(first);
    const twin = [...byGroup].find(([, g]) => !(g[0] as RunData).run.config.model.nar && twinKey(g[0] as RunData) === key);
    if (!twin) continue;
    const [plainLabel, plainGroup] = twin;
    const seeds = narGroup.map((d) => d.run.config.seed).filter((s) => plainGroup.some((p) => p.run.config.seed === s)).sort((a, b) => a - b);
    const bySeed = (g: RunData[], s: number): RunData | undefined => g.find((d) => d.run.config.seed === s);
    const task = first.run.config.task;
    const maxTrain = Math.max(...task.trainLengths);
    const score = (d: RunData | undefined, len: number, k: 'clrs' | 'shape' | 'exact'): number | null => d?.run.final?.find((e) => e.length === len)?.[k] ?? null;
    const ci = (xs: (number | null)[]): CiValue => meanCi95(xs);
    const crossAt = (d: RunData, len: number, pick: 'answerNormalized' | 'answerPeak'): number | null => {
      const x = d.analysis?.crossAttention;
      if (!x) return null;
      const c = x.lengths.indexOf(len);
      return c < 0 ? null : meanOfPresent(x[pick].values.map((row) => row[c] ?? null));
    };
    const rows = task.evalLengths.map((len) => {
      const triple = (g: RunData[]) => ({
        clrs: ci(seeds.map((s) => score(bySeed(g, s), len, 'clrs'))),
        shape: ci(seeds.map((s) => score(bySeed(g, s), len, 'shape'))),
        exact: ci(seeds.map((s) => score(bySeed(g, s), len, 'exact'))),
      });
      const diff = (k: 'clrs' | 'shape' | 'exact'): CiValue =>
        ci(
          seeds.map((s) => {
            const a = score(bySeed(narGroup, s), len, k);
            const b = score(bySeed(plainGroup, s), len, k);
            return a === null || b === null ? null : a - b;
          }),
        );
      return {
        length: len,
        beyondTraining: len > maxTrain,
        plain: triple(plainGroup),
        nar: triple(narGroup),
        diff: { clrs: diff('clrs'), shape: diff('shape'), exact: diff('exact') },
        crossNormalizedEntropy: meanOfPresent(narGroup.map((d) => crossAt(d, len, 'answerNormalized'))),
        crossPeak: meanOfPresent(narGroup.map((d) => crossAt(d, len, 'answerPeak'))),
      };
    });
    const blocks = first.run.config.model.nar?.layers.length ?? 0;
    const gates = Array.from({ length: blocks }, (_, b) => meanOfPresent(narGroup.map((d) => d.analysis?.crossAttention?.gates[b] ?? null)));
    out.push({ task: task.name, plain: plainLabel, nar: narLabel, seeds, rows, gates });
  }
  return out;
}

/** Reads an experiment folder and writes its summary.json (atomically). */
export function summarizeExperiment(dir: string, warn?: (message: string) => void): { file: string; summary: SummaryFile } {
  const exp = readExperimentFile(dir);
  if (!Array.isArray(exp.runs)) throw new RunFolderError(`${dir}: experiment.json lists no runs`);
  // A damaged run folder is skipped (and reported) so the others are still summarized.
  const data: RunData[] = [];
  for (const id of exp.runs) {
    try {
      data.push(readRunData(path.join(dir, id), warn));
    } catch (err) {
      if (!(err instanceof RunFolderError) || !warn) throw err;
      warn(`run ${id} skipped: ${err.message}`);
    }
  }
  const summary = summarizeRuns(exp.name, data);
  const file = path.join(dir, SUMMARY_FILE);
  writeJsonAtomic(file, summary);
  return { file, summary };
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null): string => (v === null ? '–' : typeof v === 'number' ? fmt(v) : v).replace(/\|/g, '\\|');
  const lines = [`| ${columns.map((c) => cell(c)).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map((v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : cell(v))).join(' | ')} |`);
  return lines.join('\n');
}
