import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import { scoreAnswer } from './scoreAnswer';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { formatTokenList, numberSymbols } from './tokenText';

export const SORT_OPTIONS: OptionSpecs = {
  values: { doc: 'keys are drawn from [0, values)', min: 2, max: 4096, default: () => 32 },
};

/**
 * Sorting in the CLRS-Text style (docs/science.md §5): prompt n keys drawn uniformly from
 * [0, values) with duplicates allowed, answer the keys in ascending order. Every key is one
 * number token, so the shape / parse / CLRS scores are per element.
 */
export class SortTask implements Task {
  readonly name = 'sort' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = false;
  private readonly values: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'sort');
    this.config = config;
    this.options = resolveTaskOptions(config, SORT_OPTIONS);
    this.values = this.options.values as number;
    this.vocab = [...SPECIAL_TOKENS, ...numberSymbols(this.values)];
  }

  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, null);
    const prompt = Array.from({ length: n }, () => FIRST_SYMBOL + rng.int(0, this.values));
    // Token ids are FIRST_SYMBOL + key, so sorting ids sorts keys.
    return { prompt, answer: [...prompt].sort((a, b) => a - b) };
  }

  answerLength(n: number): number {
    return n;
  }

  promptLength(n: number): number {
    return n;
  }

  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    return scoreAnswer(example.answer, predicted, (t) => t >= FIRST_SYMBOL && t < FIRST_SYMBOL + this.values);
  }

  /** `key: [5 3 1] | sorted: [1 3 5]`, plus ` | predicted: [1 3 4]` when given. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const parts = [`key: ${formatTokenList(this.vocab, example.prompt)}`, `sorted: ${formatTokenList(this.vocab, example.answer)}`];
    if (predicted) parts.push(`predicted: ${formatTokenList(this.vocab, predicted)}`);
    return parts.join(' | ');
  }
}
