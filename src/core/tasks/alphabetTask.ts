import type { TaskConfig, TaskName } from '../../protocol/config';
import type { Rng } from '../random';
import { scoreAnswer } from './scoreAnswer';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { formatTokenList } from './tokenText';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Options of copy and reverse. Symbols are letters, so an alphabet holds at most 52. */
export const ALPHABET_OPTIONS: OptionSpecs = {
  values: { doc: 'alphabet size: symbols a, b, …', min: 2, max: LETTERS.length, default: () => 16 },
};

/**
 * A task whose prompt is n letters drawn uniformly (with repeats) from an alphabet and whose
 * answer is a rearrangement of them (copy, reverse). The answer has as many tokens as the prompt
 * but is not aligned: a model reads the whole prompt before answering.
 */
export abstract class AlphabetTask implements Task {
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = false;
  private readonly alphabetSize: number;

  protected constructor(
    readonly name: TaskName,
    readonly config: TaskConfig,
    /** Label of the answer in the text form, e.g. `reversed`. */
    private readonly answerLabel: string,
  ) {
    checkTaskName(config, name);
    this.options = resolveTaskOptions(config, ALPHABET_OPTIONS);
    this.alphabetSize = this.options.values as number;
    this.vocab = [...SPECIAL_TOKENS, ...LETTERS.slice(0, this.alphabetSize).split('')];
  }

  /** The answer for a prompt. */
  protected abstract transform(prompt: readonly number[]): number[];

  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, null);
    const prompt = Array.from({ length: n }, () => FIRST_SYMBOL + rng.int(0, this.alphabetSize));
    return { prompt, answer: this.transform(prompt) };
  }

  answerLength(n: number): number {
    return n;
  }

  promptLength(n: number): number {
    return n;
  }

  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    return scoreAnswer(example.answer, predicted, (t) => t >= FIRST_SYMBOL && t < FIRST_SYMBOL + this.alphabetSize);
  }

  /** `input: [a b c] | copy: [a b c]`, plus ` | predicted: […]` when given. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const parts = [`input: ${formatTokenList(this.vocab, example.prompt)}`, `${this.answerLabel}: ${formatTokenList(this.vocab, example.answer)}`];
    if (predicted) parts.push(`predicted: ${formatTokenList(this.vocab, predicted)}`);
    return parts.join(' | ');
  }
}
