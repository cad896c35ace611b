import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import { scoreAnswer } from './scoreAnswer';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { formatTokenList, numberSymbols } from './tokenText';

export const POSITION_PROBE_OPTIONS: OptionSpecs = {};

/**
 * Su's position probe (docs/science.md §2): prompt n copies of the token `0`, answer
 * `[1, 2, …, n]`, read at the prompt's own positions (aligned). With identical inputs the only
 * thing that can tell positions apart is the position encoding, and one that acts only on the
 * attention logits (RoPE, most relative schemes) gives the same output at every position. So
 * this separates encodings added to the input (learned, sinusoidal) from the others.
 * The vocabulary holds the numbers 0 … largest configured n; nothing else is random, so the
 * generator consumes no randomness.
 */
export class PositionProbeTask implements Task {
  readonly name = 'position-probe' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = true;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'position-probe');
    this.largest = largestTaskSize(config);
    this.config = config;
    this.options = resolveTaskOptions(config, POSITION_PROBE_OPTIONS);
    this.vocab = [...SPECIAL_TOKENS, ...numberSymbols(this.largest + 1)];
  }

  example(_rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, this.largest);
    return {
      prompt: Array.from({ length: n }, () => FIRST_SYMBOL),
      answer: Array.from({ length: n }, (_, i) => FIRST_SYMBOL + i + 1),
    };
  }

  answerLength(n: number): number {
    return n;
  }

  promptLength(n: number): number {
    return n;
  }

  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    return scoreAnswer(example.answer, predicted, (t) => t >= FIRST_SYMBOL && t <= FIRST_SYMBOL + this.largest);
  }

  /** `input: [0 0 0] | positions: [1 2 3]`, plus ` | predicted: […]` when given. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const parts = [`input: ${formatTokenList(this.vocab, example.prompt)}`, `positions: ${formatTokenList(this.vocab, example.answer)}`];
    if (predicted) parts.push(`predicted: ${formatTokenList(this.vocab, predicted)}`);
    return parts.join(' | ');
  }
}
