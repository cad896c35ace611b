/**
 * Length generalization (docs/analysis.md `lengthGeneralization`, docs/science.md §5): the model's
 * real answers at every evaluation length, scored by exact match and the CLRS-Text scores,
 * with the failures split into wrong shape and wrong values.
 */
import type { FailureKinds, LengthGeneralization, LengthGeneralizationRow } from '../../protocol/analysis';
import type { ExampleScores } from '../../core/tasks/task';
import type { Rng } from '../../core/random';
import type { AnalysisSubject } from './modelPasses';
import { PASS_CHUNK, chunks, evaluationExamples, modelAnswers, seedBitsFor, teacherForced } from './modelPasses';

/** Failure kinds of scored answers: correct, wrong shape (or unparseable), right shape but wrong values. */
export function failureKinds(scores: readonly ExampleScores[]): FailureKinds {
  if (scores.length === 0) return { correct: 0, wrongShape: 0, wrongValues: 0 };
  let correct = 0;
  let wrongShape = 0;
  let wrongValues = 0;
  for (const s of scores) {
    if (s.exact === 1) correct++;
    else if (s.shape === 0 || s.parse === 0) wrongShape++;
    else wrongValues++;
  }
  const n = scores.length;
  return { correct: correct / n, wrongShape: wrongShape / n, wrongValues: wrongValues / n };
}

export function lengthRow(subject: AnalysisSubject, n: number, count: number, rng: Rng): LengthGeneralizationRow {
  const maxTrain = Math.max(...subject.config.task.trainLengths);
  const examples = evaluationExamples(subject.task, n, count);
  const scores: ExampleScores[] = [];
  let loss = 0;
  let right = 0;
  let targets = 0;
  let T = 0;
  for (const chunk of chunks(examples, PASS_CHUNK)) {
    const bits = seedBitsFor(subject, rng, chunk.length);
    const tfp = teacherForced(subject, chunk, n, bits);
    T = tfp.layout.length;
    for (const l of tfp.loss) loss += l;
    tfp.layout.targets.forEach((t, i) => {
      if (t < 0) return;
      targets++;
      if (tfp.argmax[i] === t) right++;
    });
    const answers = modelAnswers(subject, chunk, n, bits);
    chunk.forEach((ex, b) => scores.push(subject.task.score(ex, answers[b] as number[])));
  }
  const avg = (k: keyof ExampleScores): number => scores.reduce((s, x) => s + x[k], 0) / scores.length;
  return {
    length: n,
    tokens: T,
    inTraining: subject.config.task.trainLengths.includes(n),
    beyondTraining: n > maxTrain,
    loss: loss / examples.length,
    exact: avg('exact'),
    tokenAccuracy: targets ? right / targets : 0,
    shape: avg('shape'),
    parse: avg('parse'),
    clrs: avg('clrs'),
    failures: failureKinds(scores),
  };
}

export function lengthGeneralization(subject: AnalysisSubject, examplesPerLength: number, rng: Rng): LengthGeneralization {
  const { trainLengths, evalLengths } = subject.config.task;
  return {
    trainLengths: [...trainLengths],
    trainLength: Math.max(...trainLengths),
    rows: evalLengths.map((n) => lengthRow(subject, n, examplesPerLength, rng)),
  };
}
