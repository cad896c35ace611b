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
  tokensPerPair: { doc: '2: a key token then a value token per pair; 1: one token per pair, the value read at the query token', min: 1, max: 2, default: () => 2 },
};

/**
 * Associative recall (one of the tasks of the ICLR 2025 paper, docs/science.md §4).
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
 * bidirectional model). This is the "store holding M of N items" of docs/science.md §4: a
 * deterministic model that keeps a fixed M of the n items is beaten by a query on an item it
 * dropped, while a model that lets a random seed (Random Seed Encoding) choose the kept items
 * drops the queried one with probability 1 − M/n whatever the query (and then guesses right with
 * chance 1/values; the analysis's reference simulates exactly that, randomStore.ts). The slots are vectors of dModel numbers per
 * layer, so a wide model can pack more than one item in a slot: keep dModel small when the
 * bottleneck should bite.
 *
 * One token per pair (`tokensPerPair: 1`, the paper's layout, docs/science.md §7.1):
 *
 *     (k₁:v₁) (k₂:v₂) … (kₙ:vₙ) q
 *
 * each pair is one token `k3:v1`, the query is the key token, and the answer (the value token) is
 * read at the query position (`answersAtEnd`: no separator, no EOS). There the model itself is the
 * bottleneck (e.g. a linear-attention memory's key size); capacity must be 0.
 *
 * Input features (`inputFeatures`, for `embedding: 'features'`), as the paper's tokens
 * e = [value bits, one-hot key]: a pair token is [bits(v), onehot(k)], a key (query) token
 * [0, onehot(k)] (the value slot zeroed), a value token [bits(v), 0]; specials and memory slots 0.
 * bits(v) are the ⌈log₂ values⌉ binary digits of v (least significant first), 0/1.
 */
export class RecallTask implements Task {
  readonly name = 'recall' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = false;
  readonly answersAtEnd: boolean;
  private readonly keys: number;
  private readonly values: number;
  private readonly capacity: number;
  private readonly onePerPair: boolean;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'recall');
    this.largest = largestTaskSize(config);
    this.config = config;
    this.options = resolveTaskOptions(config, RECALL_OPTIONS);
    this.keys = this.options.keys as number;
    this.values = this.options.values as number;
    this.capacity = this.options.capacity as number;
    this.onePerPair = this.options.tokensPerPair === 1;
    this.answersAtEnd = this.onePerPair;
    if (this.keys < this.largest) {
      throw new Error(`task "recall": option keys = ${this.keys} is smaller than the largest size n = ${this.largest}; n pairs need n distinct keys`);
    }
    if (this.onePerPair && this.capacity > 0) {
      throw new Error('task "recall": capacity must be 0 with tokensPerPair = 1 (one token per pair has no memory slots; the model is the bottleneck)');
    }
    const keySymbols = Array.from({ length: this.keys }, (_, i) => `k${i}`);
    const valueSymbols = Array.from({ length: this.values }, (_, i) => `v${i}`);
    const pairSymbols = this.onePerPair ? keySymbols.flatMap((k) => valueSymbols.map((v) => `${k}:${v}`)) : [];
    this.vocab = [...SPECIAL_TOKENS, ...keySymbols, ...valueSymbols, ...(this.capacity > 0 ? ['<mem>'] : []), ...pairSymbols];
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

  /** The one token of pair (k, v) (tokensPerPair = 1). */
  private pairToken(k: number, v: number): number {
    return FIRST_SYMBOL + this.keys + this.values + (this.capacity > 0 ? 1 : 0) + k * this.values + v;
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
    if (this.onePerPair) {
      for (let i = 0; i < n; i++) prompt.push(this.pairToken(keys[i] as number, values[i] as number));
      prompt.push(this.keyToken(keys[q] as number));
      return { prompt, answer: [this.valueToken(values[q] as number)] };
    }
    for (let i = 0; i < n; i++) prompt.push(this.keyToken(keys[i] as number), this.valueToken(values[i] as number));
    for (let i = 0; i < this.capacity; i++) prompt.push(this.memoryToken);
    prompt.push(SEP, this.keyToken(keys[q] as number));
    return { prompt, answer: [this.valueToken(values[q] as number)] };
  }

  answerLength(_n: number): number {
    return 1;
  }

  promptLength(n: number): number {
    return this.onePerPair ? n + 1 : 2 * n + this.capacity + 2;
  }

  /** The stored (key token, value token) pairs of an example's prompt, in order. */
  storedPairs(example: TaskExample): { key: number; value: number }[] {
    if (this.onePerPair) {
      const first = this.pairToken(0, 0);
      return example.prompt.slice(0, -1).map((t) => {
        const i = t - first;
        if (!(i >= 0 && i < this.keys * this.values)) throw new Error(`recall: token ${t} of a one-token-per-pair prompt is not a pair token`);
        return { key: this.keyToken(Math.floor(i / this.values)), value: this.valueToken(i % this.values) };
      });
    }
    const n = (example.prompt.length - this.capacity - 2) / 2;
    return Array.from({ length: n }, (_, j) => ({ key: example.prompt[2 * j] as number, value: example.prompt[2 * j + 1] as number }));
  }

  /**
   * The same stored pairs asked for each stored key in turn (the oblivious adversary's choice set,
   * docs/science.md §4): variant j queries pair j and expects its value.
   */
  queryVariants(example: TaskExample): TaskExample[] {
    return this.storedPairs(example).map(({ key, value }) => {
      const prompt = example.prompt.slice();
      prompt[prompt.length - 1] = key;
      return { prompt, answer: [value] };
    });
  }

  /**
   * The prompt positions of the queried pair: its one token (tokensPerPair = 1) or its key and
   * value tokens; [] behind a memory bottleneck (capacity > 0), where the query cannot see the pairs.
   */
  retrievalPositions(example: TaskExample): number[] {
    if (this.capacity > 0) return [];
    const query = example.prompt[example.prompt.length - 1] as number;
    const j = this.storedPairs(example).findIndex((p) => p.key === query);
    if (j < 0) throw new Error(`recall: the query ${tokenText(this.vocab, query)} is not among the stored keys`);
    return this.onePerPair ? [j] : [2 * j, 2 * j + 1];
  }

  /** Number of value symbols V (an unstored value is guessed right with probability 1/V). */
  get valueCount(): number {
    return this.values;
  }

  /** The fixed input features described on the class: [vocab.length, ⌈log₂ values⌉ + keys]. */
  inputFeatures(): { width: number; table: Float32Array } {
    const bits = Math.max(1, Math.ceil(Math.log2(this.values)));
    const width = bits + this.keys;
    const table = new Float32Array(this.vocab.length * width);
    const setBits = (row: number, v: number): void => {
      for (let b = 0; b < bits; b++) table[row * width + b] = (v >> b) & 1;
    };
    const setKey = (row: number, k: number): void => {
      table[row * width + bits + k] = 1;
    };
    for (let k = 0; k < this.keys; k++) setKey(this.keyToken(k), k);
    for (let v = 0; v < this.values; v++) setBits(this.valueToken(v), v);
    if (this.onePerPair) {
      for (let k = 0; k < this.keys; k++) {
        for (let v = 0; v < this.values; v++) {
          setBits(this.pairToken(k, v), v);
          setKey(this.pairToken(k, v), k);
        }
      }
    }
    return { width, table };
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
    const pairs = this.storedPairs(example);
    const store: string[] = pairs.map(({ key, value }) => `${text(key)}:${text(value)}`);
    for (let i = 0; i < this.capacity; i++) store.push(text(example.prompt[2 * pairs.length + i] as number));
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
