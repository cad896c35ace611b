/**
 * How task examples become model inputs and how a model's per-position predictions become an
 * answer again. Three layouts (P = promptLength(n), A = answerLength(n)):
 *
 * - causal, not aligned (decoder reading the prompt, then writing the answer):
 *   seq = prompt | SEP | answer | EOS; input = seq without its last token (T = P + A + 1);
 *   target[i] = seq[i + 1] where that next token is part of answer + EOS (i ≥ P), else −1.
 * - aligned (position probe), causal or bidirectional: input = prompt, target = answer at the
 *   same positions (T = P).
 * - answered at the end (task.answersAtEnd, causal or bidirectional): input = prompt (T = P), the
 *   targets are the answer at the last A prompt positions (recall with one token per pair: the
 *   value at the query token); no separator, no EOS, one pass.
 * - bidirectional, not aligned (encoder filling in blanks):
 *   input = prompt | SEP | BLANK × (A + 1) (T = P + A + 2); the targets at the blanks are
 *   answer + EOS (padded with PAD if the answer is shorter), −1 elsewhere. Reading the blanks is
 *   the model's real output: no teacher forcing is involved.
 *
 * Every example of a batch has the same size n, so rows have the same length and need no padding.
 */
import type { Task, TaskExample } from './task';
import { BLANK, EOS, PAD, SEP } from './task';
import { tokenText } from './tokenText';

/** A batch laid out for the model. */
export interface LaidOutBatch {
  /** Input token ids, [B * T] row-major. */
  tokens: Int32Array;
  /** Target token ids, [B * T]; −1 = no loss at this position. */
  targets: Int32Array;
  batch: number;
  /** T, the sequence length in tokens. */
  length: number;
  /** First position with a target. */
  answerStart: number;
  /**
   * [T * T] allowed[q * T + k] from task.attentionMask (causal part included when causal), or null;
   * [B * T * T], one mask per example, from task.exampleMask.
   */
  mask: Uint8Array | null;
}

/** Task.exampleMask of every example, stacked: [B * T * T]; null when no example restricts anything. */
function exampleMasks(task: Task, examples: readonly TaskExample[], T: number, causal: boolean): Uint8Array | null {
  if (task.attentionMask) throw new Error(`task "${task.name}" gives both a per-size and a per-example attention mask`);
  const masks = examples.map((ex, b) => {
    const m = (task.exampleMask as NonNullable<Task['exampleMask']>)(ex, T, causal);
    if (m && m.length !== T * T) throw new Error(`task "${task.name}": example ${b}'s attention mask has ${m.length} entries, expected ${T}×${T}`);
    return m;
  });
  if (masks.every((m) => m === null)) return null;
  const out = new Uint8Array(examples.length * T * T).fill(1);
  masks.forEach((m, b) => {
    if (m) out.set(m, b * T * T);
  });
  return out;
}

type LayoutKind = 'causal' | 'aligned' | 'end' | 'blanks';

function layoutKind(task: Task, causal: boolean): LayoutKind {
  if (task.aligned && task.answersAtEnd) throw new Error(`task "${task.name}" cannot be both aligned and answered at the end`);
  return task.aligned ? 'aligned' : task.answersAtEnd ? 'end' : causal ? 'causal' : 'blanks';
}

function sizes(task: Task, n: number): { P: number; A: number } {
  const P = task.promptLength(n);
  const A = task.answerLength(n);
  if (task.aligned && P !== A) {
    throw new Error(`task "${task.name}" is aligned but its prompt (${P}) and answer (${A}) lengths differ at n = ${n}`);
  }
  if (task.answersAtEnd && A > P) {
    throw new Error(`task "${task.name}" answers at the end of its prompt but the answer (${A}) is longer than the prompt (${P}) at n = ${n}`);
  }
  return { P, A };
}

/** T: the number of input positions of a laid-out example of size n. */
export function sequenceLength(task: Task, n: number, causal: boolean): number {
  const { P, A } = sizes(task, n);
  switch (layoutKind(task, causal)) {
    case 'aligned':
    case 'end':
      return P;
    case 'causal':
      return P + A + 1;
    case 'blanks':
      return P + A + 2;
  }
}

/** The positions whose predictions form the answer: [start, start + count). */
function answerSlots(task: Task, n: number, causal: boolean): { start: number; count: number } {
  const { P, A } = sizes(task, n);
  switch (layoutKind(task, causal)) {
    case 'aligned':
      return { start: 0, count: A };
    case 'end':
      return { start: P - A, count: A };
    case 'causal':
      return { start: P, count: A + 1 };
    case 'blanks':
      return { start: P + 1, count: A + 1 };
  }
}

function checkExample(task: Task, example: TaskExample, n: number, index: number): void {
  const { P, A } = sizes(task, n);
  if (example.prompt.length !== P) {
    throw new Error(`example ${index}: prompt has ${example.prompt.length} tokens, task "${task.name}" expects ${P} at n = ${n}`);
  }
  const exact = task.aligned || task.answersAtEnd === true;
  const okAnswer = exact ? example.answer.length === A : example.answer.length <= A;
  if (!okAnswer) {
    throw new Error(`example ${index}: answer has ${example.answer.length} tokens, task "${task.name}" expects ${exact ? '' : 'at most '}${A} at n = ${n}`);
  }
}

/** Lays out a batch of examples of size n for a causal or bidirectional model. */
export function layoutBatch(task: Task, examples: readonly TaskExample[], n: number, causal: boolean): LaidOutBatch {
  if (examples.length === 0) throw new Error('layoutBatch: no examples');
  const T = sequenceLength(task, n, causal);
  const { P, A } = sizes(task, n);
  const kind = layoutKind(task, causal);
  const B = examples.length;
  const tokens = new Int32Array(B * T); // [B, T]
  const targets = new Int32Array(B * T).fill(-1); // [B, T]
  examples.forEach((ex, b) => {
    checkExample(task, ex, n, b);
    const row = b * T;
    if (kind === 'aligned') {
      tokens.set(ex.prompt, row);
      targets.set(ex.answer, row);
    } else if (kind === 'end') {
      tokens.set(ex.prompt, row);
      targets.set(ex.answer, row + P - A);
    } else if (kind === 'causal') {
      // seq = prompt | SEP | answer | EOS, PAD after a short answer (no loss there).
      const seq = [...ex.prompt, SEP, ...ex.answer, EOS];
      while (seq.length < T + 1) seq.push(PAD);
      tokens.set(seq.slice(0, T), row);
      for (let i = P; i < P + ex.answer.length + 1; i++) targets[row + i] = seq[i + 1] as number;
    } else {
      tokens.set(ex.prompt, row);
      tokens[row + P] = SEP;
      tokens.fill(BLANK, row + P + 1, row + T);
      const fill = [...ex.answer, EOS];
      while (fill.length < A + 1) fill.push(PAD);
      targets.set(fill, row + P + 1);
    }
  });
  const answerStart = answerSlots(task, n, causal).start;
  const mask = task.exampleMask ? exampleMasks(task, examples, T, causal) : task.attentionMask?.(n, T, causal) ?? null;
  if (mask !== null && !task.exampleMask && mask.length !== T * T) {
    throw new Error(`task "${task.name}": attention mask has ${mask.length} entries, expected ${T}×${T}`);
  }
  return { tokens, targets, batch: B, length: T, answerStart, mask };
}

/**
 * The answer a model gives, from its argmax prediction at every position of one row (length T).
 * Answered at the end: the last A slots, as they are (no EOS to cut at).
 * Aligned and bidirectional layouts: the answer slots, cut at the first EOS or PAD; this is the
 * model's real output. Causal: the next-token predictions at the target positions, cut at EOS;
 * these are teacher-forced (each sees the true answer prefix), so the evaluator should decode
 * greedily from `promptForDecoding` for the real output. Without an EOS the answer keeps every
 * slot, one token too many, which scores as a wrong shape.
 */
export function answerFromPredictions(task: Task, n: number, causal: boolean, predictedRow: ArrayLike<number>): number[] {
  const T = sequenceLength(task, n, causal);
  if (predictedRow.length !== T) {
    throw new Error(`answerFromPredictions: row has ${predictedRow.length} predictions, the layout has ${T} positions`);
  }
  const { start, count } = answerSlots(task, n, causal);
  if (layoutKind(task, causal) === 'end') return Array.from({ length: count }, (_, i) => predictedRow[start + i] as number);
  const stopAtPad = layoutKind(task, causal) !== 'causal';
  const answer: number[] = [];
  for (let i = start; i < start + count; i++) {
    const t = predictedRow[i] as number;
    if (t === EOS || (stopAtPad && t === PAD)) break;
    answer.push(t);
  }
  return answer;
}

/** true when the real output of the model is found by greedy decoding (causal, not aligned). */
export function usesGreedyDecoding(task: Task, causal: boolean): boolean {
  return layoutKind(task, causal) === 'causal';
}

/**
 * What a causal model is given before it generates the answer: prompt + [SEP]. Only for
 * layouts that decode (see `usesGreedyDecoding`); the others are read in one pass with
 * `answerFromPredictions`, so asking for a decoding prompt there is a mistake.
 */
export function promptForDecoding(task: Task, example: TaskExample, causal: boolean): number[] {
  if (!usesGreedyDecoding(task, causal)) {
    const why = task.aligned ? `task "${task.name}" is aligned` : task.answersAtEnd ? `task "${task.name}" is answered at the end of its prompt` : 'the model is bidirectional';
    throw new Error(`promptForDecoding: ${why}, so its answer is read in one pass with answerFromPredictions`);
  }
  return [...example.prompt, SEP];
}

/**
 * The most tokens greedy decoding must generate for size n: the answer plus its EOS. A model
 * that has not produced EOS by then has answered with too many tokens. The longest input fed
 * to the model while decoding is sequenceLength(task, n, true).
 */
export function maxAnswerTokens(task: Task, n: number): number {
  return task.answerLength(n) + 1;
}

/**
 * One row of a batch as the model sees it: input tokens and targets in aligned columns, `·`
 * where there is no target. For example (sort, causal):
 *
 *     input   5 3 1 | 1 3 5
 *     target  · · · 1 3 5 <eos>
 */
export function formatBatchRow(task: Task, batch: LaidOutBatch, row: number): string {
  if (!Number.isInteger(row) || row < 0 || row >= batch.batch) {
    throw new Error(`formatBatchRow: row ${row} is outside the batch of ${batch.batch}`);
  }
  const T = batch.length;
  const inputs: string[] = [];
  const targets: string[] = [];
  for (let i = 0; i < T; i++) {
    const input = tokenText(task.vocab, batch.tokens[row * T + i] as number);
    const t = batch.targets[row * T + i] as number;
    const target = t < 0 ? '·' : tokenText(task.vocab, t);
    const width = Math.max(input.length, target.length);
    inputs.push(input.padEnd(width));
    targets.push(target.padEnd(width));
  }
  return `input   ${inputs.join(' ').trimEnd()}\ntarget  ${targets.join(' ').trimEnd()}`;
}
