/**
 * Full attention probability matrices for a few fixed inputs (docs/analysis.md `patterns`): the
 * data of the pattern viewer. Two inputs: the first evaluation example at the longest training
 * size, and at the shortest evaluation size beyond training (when it fits MAX_PATTERN_TOKENS).
 */
import type { AttentionPatternInput, AttentionPatterns } from '../../protocol/analysis';
import type { Rng } from '../../core/random';
import { sequenceLength } from '../../core/tasks/layout';
import { tokenText } from '../../core/tasks/tokenText';
import type { AnalysisSubject } from './modelPasses';
import { attentionProbabilities, evaluationExamples, seedBitsFor } from './modelPasses';
import { roundTo } from '../../core/analysis/statistics';
import { crossPattern } from './crossAttention';

/** Longer inputs are left out: a 4-layer × 4-head pattern at T = 96 is already ~150k numbers. */
export const MAX_PATTERN_TOKENS = 96;

/** The sizes whose patterns are kept. */
export function patternLengths(trainLengths: readonly number[], evalLengths: readonly number[]): number[] {
  const maxTrain = Math.max(...trainLengths);
  const beyond = evalLengths.filter((n) => n > maxTrain).sort((a, b) => a - b)[0];
  return beyond === undefined ? [maxTrain] : [maxTrain, beyond];
}

export function patternFor(subject: AnalysisSubject, n: number, rng: Rng): AttentionPatternInput {
  const example = evaluationExamples(subject.task, n, 1)[0];
  if (!example) throw new Error(`patterns: no example of size ${n}`);
  const bits = seedBitsFor(subject, rng, 1);
  const { layout, layers, cross, nodes } = attentionProbabilities(subject, [example], n, bits);
  const T = layout.length;
  const H = subject.config.model.heads;
  const crossAttention = crossPattern(subject, example, cross, T, nodes);
  return {
    length: n,
    text: subject.task.format(example),
    tokens: Array.from(layout.tokens, (t) => tokenText(subject.task.vocab, t)),
    probabilities: layers.map((p) =>
      Array.from({ length: H }, (_, h) => Array.from({ length: T }, (_, q) => Array.from(p.subarray((h * T + q) * T, (h * T + q + 1) * T), (v) => roundTo(v, 4)))),
    ),
    ...(crossAttention ? { cross: crossAttention } : {}),
  };
}

export function attentionPatterns(subject: AnalysisSubject, rng: Rng): AttentionPatterns {
  const { task, model } = subject.config;
  const lengths = patternLengths(task.trainLengths, task.evalLengths).filter(
    (n) => sequenceLength(subject.task, n, model.causal) <= Math.min(MAX_PATTERN_TOKENS, model.maxLen),
  );
  return { inputs: lengths.map((n) => patternFor(subject, n, rng)) };
}
