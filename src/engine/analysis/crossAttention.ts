/**
 * TransNAR's cross-attention to the NAR's nodes (docs/science.md §5; docs/analysis.md
 * `crossAttention`): the entropy of each cross-attention head's rows over the N nodes per evaluation
 * length, on the answer rows and on every row, the peak node mass, and the gates. Over the first
 * examples of the run's fixed evaluation sets, as the other analyses.
 */
import type { CrossAttentionAnalysis, CrossAttentionPattern, LabeledMatrix } from '../../protocol/analysis';
import { nodeLabels } from '../nar/narInput';
import type { Rng } from '../../core/random';
import type { TaskExample } from '../../core/tasks/task';
import { normalizedEntropy, rowEntropy } from '../../core/analysis/attentionEntropyMath';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, attentionProbabilities, chunks, evaluationExamples, seedBitsFor } from './modelPasses';
import { roundTo } from '../../core/analysis/statistics';

/** `X<block>.H<head>`, block-major. */
export function crossHeadLabels(blocks: readonly number[], heads: number): string[] {
  return blocks.flatMap((b) => Array.from({ length: heads }, (_, h) => `X${b}.H${h}`));
}

/** Per cross-attention head: mean H over answer rows, over all rows, and the mean peak node mass over answer rows. */
export interface CrossAtLength {
  nodes: number;
  answerEntropy: number[];
  meanEntropy: number[];
  answerPeak: number[];
}

/**
 * The cross-attention readings of `examples` (one size n). `cross` data are [B, H, T, N] per block;
 * answer rows are layout positions answerStart … T − 1 (they predict the answer tokens and EOS).
 */
export function crossAtLength(subject: AnalysisSubject, examples: readonly TaskExample[], n: number, rng: Rng): CrossAtLength {
  const H = subject.config.model.heads;
  const blocks = [...(subject.config.model.nar?.layers ?? [])].sort((a, b) => a - b);
  const rows = blocks.length * H;
  const answerSum = new Array<number>(rows).fill(0);
  const allSum = new Array<number>(rows).fill(0);
  const peakSum = new Array<number>(rows).fill(0);
  let answerCount = 0;
  let allCount = 0;
  let N = 0;
  for (const chunk of chunks(examples, PASS_CHUNK)) {
    const bits = seedBitsFor(subject, rng, chunk.length);
    const { layout, cross, nodes } = attentionProbabilities(subject, chunk, n, bits);
    if (cross.length !== blocks.length) throw new Error(`cross-attention: the model returned ${cross.length} blocks, its config lists ${blocks.length}`);
    N = nodes;
    const T = layout.length;
    const B = chunk.length;
    cross.forEach((p, k) => {
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          const r = k * H + h;
          for (let q = 0; q < T; q++) {
            const off = ((b * H + h) * T + q) * N;
            const e = rowEntropy(p, off, off + N);
            allSum[r] = (allSum[r] as number) + e;
            if (q >= layout.answerStart) {
              answerSum[r] = (answerSum[r] as number) + e;
              let peak = 0;
              for (let j = 0; j < N; j++) peak = Math.max(peak, p[off + j] as number);
              peakSum[r] = (peakSum[r] as number) + peak;
            }
          }
        }
      }
    });
    allCount += B * T;
    answerCount += B * (T - layout.answerStart);
  }
  return {
    nodes: N,
    answerEntropy: answerSum.map((v) => v / Math.max(1, answerCount)),
    meanEntropy: allSum.map((v) => v / Math.max(1, allCount)),
    answerPeak: peakSum.map((v) => v / Math.max(1, answerCount)),
  };
}

/** The gates tanh(α) of the cross-attention blocks, ascending. */
export function crossGates(subject: AnalysisSubject): number[] {
  const blocks = [...(subject.config.model.nar?.layers ?? [])].sort((a, b) => a - b);
  return blocks.map((b) => {
    const p = subject.model.params.find((x) => x.name === `blocks.${b}.xattn.gate`);
    if (!p) throw new Error(`cross-attention: the model has no gate for block ${b}`);
    return Math.tanh(p.variable.dataSync()[0] as number);
  });
}

/** The `crossAttention` section of analysis.json: null for a model without a NAR. */
export function crossAttentionAnalysis(subject: AnalysisSubject, opts: { lengths: readonly number[]; examplesPerLength: number; rng: Rng }): CrossAttentionAnalysis | null {
  const link = subject.config.model.nar;
  if (!link) return null;
  const blocks = [...link.layers].sort((a, b) => a - b);
  const heads = crossHeadLabels(blocks, subject.config.model.heads);
  const per = opts.lengths.map((n) => crossAtLength(subject, evaluationExamples(subject.task, n, opts.examplesPerLength), n, opts.rng));
  const columns = opts.lengths.map((n) => `n=${n}`);
  const matrix = (pick: (c: CrossAtLength) => (number | null)[]): LabeledMatrix => ({
    rowLabels: [...heads],
    columnLabels: [...columns],
    values: heads.map((_, r) => per.map((c) => pick(c)[r] ?? null)),
  });
  return {
    blocks,
    heads,
    lengths: [...opts.lengths],
    nodes: per.map((c) => c.nodes),
    answerEntropy: matrix((c) => c.answerEntropy),
    answerNormalized: matrix((c) => c.answerEntropy.map((e) => normalizedEntropy(e, c.nodes))),
    meanEntropy: matrix((c) => c.meanEntropy),
    answerPeak: matrix((c) => c.answerPeak),
    gates: crossGates(subject),
  };
}

/** One example's cross-attention for the pattern viewer; undefined for a model without a NAR. */
export function crossPattern(subject: AnalysisSubject, example: TaskExample, cross: readonly Float32Array[], T: number, N: number): CrossAttentionPattern | undefined {
  const link = subject.config.model.nar;
  if (!link) return undefined;
  const H = subject.config.model.heads;
  return {
    blocks: [...link.layers].sort((a, b) => a - b),
    nodes: nodeLabels(example),
    probabilities: cross.map((p) =>
      Array.from({ length: H }, (_, h) => Array.from({ length: T }, (_, q) => Array.from(p.subarray((h * T + q) * N, (h * T + q + 1) * N), (v) => roundTo(v, 4)))),
    ),
  };
}
