/**
 * `attention-lab analyze <run-dir|checkpoint.safetensors>`: writes analysis.json for a run's
 * newest checkpoint or for any checkpoint file (docs/analysis.md) and prints its headline
 * numbers: the entropy heatmap, length generalization and the randomized-seed summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisFile, ColoringAnalysis, SoftmaxNoiseAnalysis } from '../protocol/analysis';
import { checkNoiseProbe } from '../engine/analysis/softmaxNoise';
import { BACKEND_CHOICES } from '../protocol/backend';
import type { BackendChoice } from '../protocol/backend';
import { initBackend } from '../engine/backend';
import { analyzePath } from '../engine/analysis/analyzeModel';
import { markdownTable } from '../core/analysis/summarizeExperiment';
import { UsageError } from './usageError';
import { parseCommandArgs } from './usage';
import { checkOutFile } from './checkPaths';

export async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('analyze', args, { backend: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, sigmas: { type: 'string' } });
  const target = positionals[0];
  if (target === undefined || positionals.length > 1) throw new UsageError('analyze: give one run folder or one .safetensors checkpoint (see: attention-lab analyze --help)');
  if (!fs.existsSync(target)) throw new UsageError(`analyze: ${target}: no such file or folder`);
  const backend = values.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) throw new UsageError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${backend}"`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, got "${values.seed}"`);
  }
  let noiseSigmas: number[] | undefined;
  if (values.sigmas !== undefined) {
    noiseSigmas = values.sigmas.split(',').map((x) => Number(x.trim()));
    const bad = noiseSigmas.findIndex((x, i) => !(Number.isFinite(x) && x >= 0) || (values.sigmas as string).split(',')[i]?.trim() === '');
    if (bad >= 0) throw new UsageError(`--sigmas: expected a comma-separated list of numbers ≥ 0 (the softmax-noise probe's σ grid), got "${values.sigmas}"`);
    try {
      checkNoiseProbe({ sigmas: noiseSigmas, examples: 1, draws: 1 }, { maxTokens: 1, layers: 1, heads: 1, vocab: 1 });
    } catch (err) {
      throw new UsageError(`--sigmas: ${(err as Error).message}`);
    }
  }
  const out = values.out === undefined ? undefined : checkOutFile(values.out, '--out');
  const info = await initBackend(backend as BackendChoice);
  const { file, analysis } = await analyzePath(target, { out, settings: { ...(seed === undefined ? {} : { seed }), ...(noiseSigmas ? { noiseSigmas } : {}) } });
  // After the work: a refused input stays one line on stderr.
  process.stderr.write(`backend: ${info.name}\n`);
  if (values.json) process.stdout.write(JSON.stringify(analysis, null, 2) + '\n');
  else process.stdout.write(formatAnalysis(analysis) + `\nwrote ${path.relative(process.cwd(), file) || file}\n`);
  return 0;
}

const f = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** The headline numbers of an analysis as Markdown. */
export function formatAnalysis(a: AnalysisFile): string {
  const e = a.entropy;
  const out: string[] = [`## ${a.runId} (step ${a.source.step})`, '', 'Mean attention entropy H in nats per head (rows) and length (columns), and its slope against ln T (≈ 0: length-invariant, the claim of log-n scaling):', ''];
  out.push(
    markdownTable(
      ['head', ...e.meanEntropy.columnLabels, 'H slope vs ln T'],
      e.meanEntropy.values.map((row, i) => [e.heads[i] as string, ...row.map((v) => f(v)), f(e.entropySlopes[i])]),
    ),
  );
  out.push('', 'Normalized entropy h = H / ln n (a flat h means H grows like ln n):', '');
  out.push(
    markdownTable(
      ['head', ...e.meanNormalized.columnLabels, 'h slope vs ln T'],
      e.meanNormalized.values.map((row, i) => [e.heads[i] as string, ...row.map((v) => f(v)), f(e.normalizedSlopes[i])]),
    ),
  );
  if (e.minimum) {
    out.push('', `Lowest-entropy head: ${e.minimum.head} at n = ${e.minimum.length}, H = ${f(e.minimum.meanEntropy)} nats, h = ${f(e.minimum.meanNormalized)}${e.minimum.alarm ? ' (collapse alarm)' : ''}.`);
  }
  const rt = e.retrieval;
  if (rt) {
    out.push('', `Retrieval: the query row of head ${rt.head} (the head with the most attention on the queried pair), H slope vs ln n ${f(rt.entropySlope)}:`, '');
    out.push(
      markdownTable(
        ['n', 'keys seen', 'mass on the key', 'H (nats)', 'ln n (uniform)', 'h', 'exact'],
        rt.byLength.map((b) => [
          String(b.length),
          String(b.visibleKeys),
          f(b.keyMass),
          f(b.entropy),
          f(b.uniformEntropy),
          f(b.normalized),
          f(a.lengthGeneralization.rows.find((r) => r.length === b.length)?.exact),
        ]),
      ),
    );
  }
  out.push('', `Length generalization (trained up to n = ${a.lengthGeneralization.trainLength}):`, '');
  out.push(
    markdownTable(
      ['n', 'loss', 'exact', 'shape', 'parse', 'clrs', 'wrong shape', 'wrong values'],
      a.lengthGeneralization.rows.map((r) => [String(r.length), f(r.loss), f(r.exact), f(r.shape), f(r.parse), f(r.clrs), f(r.failures.wrongShape), f(r.failures.wrongValues)]),
    ),
  );
  const r = a.randomized;
  out.push('', `Randomized seeds (${r.inputs} inputs × ${r.seeds} seeds at n = ${r.length}, RSE bits ${r.rseBits}):`, '');
  const pct = (x: number): string => `${Math.round(x * 100)} %`;
  const rows: [string, string][] = [
    ['success over seeds: mean / 5th percentile', `${f(r.success.mean)} / ${f(r.success.p5)}`],
    ['inputs never / always right', `${pct(r.success.atZero)} / ${pct(r.success.atOne)}`],
    ['success histogram (10 bins, 0 → 1)', r.success.histogram.fractions.map((x) => Math.round(x * 100)).join(' ')],
    [`properly random inputs (seed spread > ${r.properlyRandom.bound})`, `${f(r.properlyRandom.fraction)} (mean spread ${f(r.properlyRandom.meanSpread)})`],
    ['variance of p(correct) over seeds: mean / p95', `${f(r.answerVariance.mean, 4)} / ${f(r.answerVariance.p95, 4)}`],
    [`majority vote over 1 / ${r.seeds} seeds`, `${f(r.majorityVote.accuracy[0])} / ${f(r.majorityVote.accuracy.at(-1))}`],
    ['loss mean / p95 / worst', `${f(r.loss.mean)} / ${f(r.loss.p95)} / ${f(r.loss.worst)}`],
  ];
  const adv = r.adversarial;
  if (adv) {
    rows.push([`error: random query / worst key / worst key (majority), ${adv.inputs} inputs × ${adv.pairs} keys × ${adv.seeds} seeds`, `${f(adv.meanError)} / ${f(adv.worstKeyError)} / ${f(adv.worstKeyMajorityError)}`]);
    const ref = (name: string, s: NonNullable<typeof adv.taskStore>): void => {
      rows.push([
        `${name} (M = ${f(s.capacity, 2)}, K = ${s.seeds}): random store worst key [95 % band] / majority; deterministic store worst key`,
        `${f(s.random.worstKeyError)} [${f(s.random.worstKeyErrorBand[0])}, ${f(s.random.worstKeyErrorBand[1])}] / ${f(s.random.worstKeyMajorityError)}; ${f(s.deterministic.worstKeyError)}`,
      ]);
    };
    ref('ideal stores at the matched capacity', adv.matchedStore);
    if (adv.taskStore) ref("ideal stores at the task's capacity", adv.taskStore);
  }
  out.push(markdownTable(['measure', 'value'], rows));
  if (a.coloring) out.push(...formatColoring(a.coloring));
  if (a.softmaxNoise) out.push(...formatSoftmaxNoise(a.softmaxNoise));
  return out.join('\n');
}

/** The graph-colouring section: the adversary's graph, best-of-k and majority. */
export function formatColoring(c: ColoringAnalysis): string[] {
  const K = c.seeds;
  const graphs = c.exhaustive ? `all ${c.graphs} labelled cycles on ${c.length} vertices` : `${c.graphs} ${c.graphKind} graphs on ${c.length} vertices`;
  const rows: [string, string][] = [
    ['proper colourings over (graph, seed)', f(c.properRate)],
    ['per-graph success over seeds: mean / 5th percentile', `${f(c.success.mean)} / ${f(c.success.p5)}`],
    ['graphs never / always coloured properly', `${f(c.success.atZero)} / ${f(c.success.atOne)}`],
    [`the adversary's graph (#${c.worstGraph.index}): success / mean conflicts / expected monochromatic edges`, `${f(c.worstGraph.successRate)} / ${f(c.worstGraph.meanConflicts)} / ${f(c.worstGraph.meanExpectedMonochromatic)}`],
    ['conflicts (argmax): mean / worst graph', `${f(c.conflicts.mean)} / ${f(c.conflicts.worst)}`],
    ['expected monochromatic edges (the loss): mean / worst graph', `${f(c.expectedMonochromatic.mean)} / ${f(c.expectedMonochromatic.worst)}`],
    [`best-of-${K} (some seed proper): mean / worst graph`, `${f(c.bestOfK.mean.at(-1))} / ${f(c.bestOfK.worst.at(-1))}`],
    [`majority colouring over ${K} seeds: proper / graphs failing`, `${f(c.majority.proper.at(-1))} / ${c.majority.failingGraphs.at(-1) ?? '–'}`],
    [`properly random graphs (spread > ${c.properlyRandom.bound})`, `${f(c.properlyRandom.fraction)} (mean spread ${f(c.properlyRandom.meanSpread)})`],
    ['distinct colourings per graph over seeds: mean / max', `${f(c.distinctColorings.mean, 2)} / ${c.distinctColorings.max}`],
  ];
  return ['', `Graph colouring (${graphs}, ${K} seed(s), ${c.colors} colours, ${c.view} view):`, '', markdownTable(['measure', 'value'], rows)];
}

/** The softmax-noise probe, all layers at once: per σ and length, attention TV, output KL and exact. */
export function formatSoftmaxNoise(s: SoftmaxNoiseAnalysis): string[] {
  const all = s.targets.indexOf('all');
  const columns = ['σ', ...s.lengths.flatMap((n) => [`attn TV@${n}`, `KL@${n}`, `exact@${n}`])];
  const rows = s.sigmas.map((sigma, si) => [
    String(sigma),
    ...s.lengths.flatMap((_, li) => [f(s.attentionTv[all]?.[si]?.[li]), f(s.outputKl[all]?.[si]?.[li], 4), f(s.exact[all]?.[si]?.[li])]),
  ]);
  return [
    '',
    `Softmax-noise probe (${s.attentionScaling} scaling): N(0, σ²) on the attention logits of every layer, ${s.examples} inputs × ${s.draws} draws per length; clean exact ${s.lengths.map((n, i) => `${f(s.clean.exact[i])}@${n}`).join(', ')}:`,
    '',
    markdownTable(columns, rows),
  ];
}
