import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import { scoreAnswer } from './scoreAnswer';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, SEP, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { tokenText } from './tokenText';

export const RECALL_OPTIONS: OptionSpecs = {
  keys: { doc: 'key alphabet size, at least the largest n; default max(2·n, 8)', min: 1, max: 4096, default: (n) => Math.max(2 * n, 8) },
  values: { doc: 'value alphabet size', min: 1, max: 4096, default: () => 8 },
  capacity: { doc: 'memory slots M between the pairs and the query; 0 = the query sees the pairs', min: 0, max: 4096, default: () => 0 },
};

/**
 * Associative recall (one of the tasks of the ICLR 2025 paper, science.md §4).
 *
 * Prompt, for n pairs and capacity M:
 *
 *     k₁ v₁ k₂ v₂ … kₙ vₙ  <mem>×M  |  q
 *
 * n distinct keys (from `keys` symbols k0, k1, …), each with a value drawn uniformly from
 * `values` symbols v0, v1, …; then M memory tokens (only when M > 0); a separator; and a query q,
 * one of the stored keys chosen uniformly. The answer is q's value (one token).
 *
 * Capacity. With M > 0 the task also restricts attention (`attentionMask`) so that the sequence
 * splits in two regions:
 * - the store, positions [0, 2n + M): the pairs and the memory slots, which see only the store;
 * - the read side, positions from 2n + M on (separator, query, answer slots), which sees the
 *   memory slots and the read side, never the pairs.
 * Everything the model keeps about the pairs must therefore pass through the M memory slots, and
 * the store cannot see the query (so it cannot keep just the queried item, not even in a
 * bidirectional model). This is the "store holding M of N items" of science.md §4: a
 * deterministic model that keeps a fixed M of the n items is beaten by a query on an item it
 * dropped, while a model that lets a random seed (Random Seed Encoding) choose the kept items
 * fails with probability 1 − M/n whatever the query. The slots are vectors of dModel numbers per
 * layer, so a wide model can pack more than one item in a slot: keep dModel small when the
 * bottleneck should bite.
 */
export class RecallTask implements Task {
  readonly name = 'recall' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = false;
  private readonly keys: number;
  private readonly values: number;
  private readonly capacity: number;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'recall');
    this.largest = largestTaskSize(config);
    this.config = config;
    this.options = resolveTaskOptions(config, RECALL_OPTIONS);
    this.keys = this.options.keys as number;
    this.values = this.options.values as number;
    this.capacity = this.options.capacity as number;
    if (this.keys < this.largest) {
      throw new Error(`task "recall": option keys = ${this.keys} is smaller than the largest size n = ${this.largest}; n pairs need n distinct keys`);
    }
    const keySymbols = Array.from({ length: this.keys }, (_, i) => `k${i}`);
    const valueSymbols = Array.from({ length: this.values }, (_, i) => `v${i}`);
    this.vocab = [...SPECIAL_TOKENS, ...keySymbols, ...valueSymbols, ...(this.capacity > 0 ? ['<mem>'] : [])];
  }

  private keyToken(k: number): number {
    return FIRST_SYMBOL + k;
  }

  private valueToken(v: number): number {
    return FIRST_SYMBOL + this.keys + v;
  }

  private get memoryToken(): number {
    return FIRST_SYMBOL + this.keys + this.values;
  }

  private isValueToken(t: number): boolean {
    return t >= this.valueToken(0) && t < this.valueToken(this.values);
  }

  example(rng: Rng, n: number): TaskExample {
    checkSize(this.name, n, this.largest);
    const keys = rng.sample(this.keys, n);
    const values = keys.map(() => rng.int(0, this.values));
    const q = rng.int(0, n);
    const prompt: number[] = [];
    for (let i = 0; i < n; i++) prompt.push(this.keyToken(keys[i] as number), this.valueToken(values[i] as number));
    for (let i = 0; i < this.capacity; i++) prompt.push(this.memoryToken);
    prompt.push(SEP, this.keyToken(keys[q] as number));
    return { prompt, answer: [this.valueToken(values[q] as number)] };
  }

  answerLength(_n: number): number {
    return 1;
  }

  promptLength(n: number): number {
    return 2 * n + this.capacity + 2;
  }

  /** shape: one token; parse: it is a value symbol; clrs = exact (a single element). */
  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    return scoreAnswer(example.answer, predicted, (t) => this.isValueToken(t));
  }

  /**
   * `k3:v1 k0:v5 | query: k0 | value: v5`, with the memory slots shown when M > 0
   * (`k3:v1 k0:v5 <mem> | query: k0 | value: v5`) and ` | predicted: v2` when given.
   */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const text = (t: number): string => tokenText(this.vocab, t);
    const n = (example.prompt.length - this.capacity - 2) / 2;
    const store: string[] = [];
    for (let i = 0; i < n; i++) store.push(`${text(example.prompt[2 * i] as number)}:${text(example.prompt[2 * i + 1] as number)}`);
    for (let i = 0; i < this.capacity; i++) store.push(text(example.prompt[2 * n + i] as number));
    const query = example.prompt[example.prompt.length - 1] as number;
    const parts = [store.join(' '), `query: ${text(query)}`, `value: ${example.answer.map(text).join(' ')}`];
    if (predicted) parts.push(`predicted: ${predicted.length > 0 ? predicted.map(text).join(' ') : '(nothing)'}`);
    return parts.join(' | ');
  }

  /**
   * The capacity mask described on the class; null when capacity is 0. `tokens` may exceed the
   * prompt (answer slots, greedy decoding): every position from 2n + M on is on the read side.
   */
  attentionMask(n: number, tokens: number, causal: boolean): Uint8Array | null {
    if (this.capacity === 0) return null;
    checkSize(this.name, n, this.largest);
    const pairsEnd = 2 * n; // first memory slot
    const storeEnd = 2 * n + this.capacity; // first read-side position
    if (!Number.isInteger(tokens) || tokens < 1) throw new Error(`recall attentionMask: tokens = ${tokens} must be a positive integer`);
    const allowed = new Uint8Array(tokens * tokens); // [T, T]
    for (let q = 0; q < tokens; q++) {
      const lo = q < storeEnd ? 0 : pairsEnd; // the read side never sees the pairs
      const hi = causal ? q + 1 : q < storeEnd ? Math.min(storeEnd, tokens) : tokens; // the store never sees the read side
      for (let k = lo; k < hi; k++) allowed[q * tokens + k] = 1;
    }
    return allowed;
  }
}
