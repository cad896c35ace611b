/**
 * The CLRS-Text tasks (docs/science.md §5, §7.3): insertion sort (final output, or its trace),
 * minimum, binary search and BFS, written as CLRS-Text with multi-digit numbers (clrsText.ts), from
 * seeded random instances (sampler.ts). Each example also carries its instance (`graph`), the
 * graph form a NAR reads (src/engine/nar/).
 *
 * Lengths vary with the numbers' digit counts. The prompt is left-padded with `<pad>` to
 * promptLength(n), the longest prompt of size n, so that the examples of a batch line up; the
 * answer is as long as it is (the causal layout pads after its EOS).
 *
 * Scores (docs/science.md §5), on the answer's tokens:
 * - parse: the answer is well formed — a number (minimum, binary search), a list `[a b c]`
 *   (insertion sort, BFS) or a trace `[…], […] | […]` — with no special or foreign token;
 * - shape: read leniently (parts split at `,` and ` | `, each part's digit runs its numbers), the
 *   answer has the truth's number of parts and of numbers in each part;
 * - clrs: the fraction of numbers equal to the truth's, in order; 0 when the shape is wrong;
 * - exact: the tokens are the truth's.
 */
import type { TaskConfig, TaskName } from '../../../protocol/config';
import type { Rng } from '../../random';
import type { ExampleScores, Task, TaskExample } from '../task';
import { PAD } from '../task';
import { checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from '../taskOptions';
import type { ClrsAlgorithm, ClrsInstance } from './algorithms';
import { bfs, binarySearch, insertionSort, minimum, predecessorsToOrder } from './algorithms';
import type { AnswerKind } from './clrsText';
import type { ClrsWord } from './clrsText';
import { CLOSE, CLRS_VOCAB, COLON, COMMA, DIGIT0, NEWLINE, OPEN, SPACE, TRACE_SEP, TokenWriter, digitCount, isDigit, parses, readParts, renderTokens, tokenId } from './clrsText';
import { DEFAULT_EDGE_P, sampleInstance } from './sampler';

/** The CLRS-Text task names and the algorithm each runs. */
export const CLRS_TASKS = {
  'insertion-sort': 'insertion_sort',
  minimum: 'minimum',
  'binary-search': 'binary_search',
  bfs: 'bfs',
} as const satisfies Partial<Record<TaskName, ClrsAlgorithm>>;
export type ClrsTaskName = keyof typeof CLRS_TASKS;

export function isClrsTask(name: TaskName): name is ClrsTaskName {
  return Object.hasOwn(CLRS_TASKS, name);
}

const VALUES = { doc: 'keys and targets are integers drawn from [0, values)', min: 2, max: 100000, default: () => 100 };

export const CLRS_OPTIONS: Readonly<Record<ClrsTaskName, OptionSpecs>> = {
  'insertion-sort': {
    values: VALUES,
    trace: { doc: '1: answer with the trace (the array after each insertion) then the output, as CLRS-Text with hints; 0: the output only', min: 0, max: 1, default: () => 0 },
  },
  minimum: { values: VALUES },
  'binary-search': { values: VALUES },
  bfs: {
    edgePercent: { doc: 'B_ij ~ Bernoulli(p) with p = edgePercent / 100, A = B ∘ Bᵀ (CLRS: 50, so edges have probability 0.25)', min: 1, max: 100, default: () => 50 },
  },
};

export class ClrsTextTask implements Task {
  readonly name: ClrsTaskName;
  readonly algorithm: ClrsAlgorithm;
  readonly config: TaskConfig;
  readonly vocab = CLRS_VOCAB;
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = false;
  private readonly keyRange: number;
  private readonly edgeP: number;
  private readonly trace: boolean;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    if (!isClrsTask(config.name)) throw new Error(`task config named "${config.name}" given to a CLRS-Text task`);
    checkTaskName(config, config.name);
    this.name = config.name;
    this.algorithm = CLRS_TASKS[this.name];
    this.config = config;
    this.largest = largestTaskSize(config);
    this.options = resolveTaskOptions(config, CLRS_OPTIONS[this.name]);
    this.keyRange = this.options.values ?? 100;
    this.edgeP = this.options.edgePercent !== undefined ? this.options.edgePercent / 100 : DEFAULT_EDGE_P;
    this.trace = this.options.trace === 1;
  }

  get answerKind(): AnswerKind {
    if (this.algorithm === 'minimum' || this.algorithm === 'binary_search') return 'index';
    return this.trace ? 'trace' : 'list';
  }

  /** The instance of size n behind a random example. */
  instance(rng: Rng, n: number): ClrsInstance {
    checkSize(this.name, n, this.largest);
    return sampleInstance(this.algorithm, rng, n, { keyRange: this.keyRange, edgeP: this.edgeP });
  }

  example(rng: Rng, n: number): TaskExample {
    return this.exampleOf(this.instance(rng, n));
  }

  /** The text example of an instance (prompt left-padded to promptLength(n)). */
  exampleOf(inst: ClrsInstance): TaskExample {
    const text = this.promptTokens(inst);
    const P = this.promptLength(inst.n);
    if (text.length > P) throw new Error(`${this.name}: prompt of ${text.length} tokens exceeds promptLength(${inst.n}) = ${P}`);
    const prompt = [...new Array<number>(P - text.length).fill(PAD), ...text];
    return { prompt, answer: this.answerTokens(inst), graph: inst };
  }

  private promptTokens(inst: ClrsInstance): number[] {
    const w = new TokenWriter().field(inst.algorithm).punct(NEWLINE);
    switch (inst.algorithm) {
      case 'insertion_sort':
        w.field('key').list(inst.keys);
        if (this.trace) w.punct(COMMA).field('initial_trace').list(inst.keys);
        w.punct(NEWLINE);
        if (this.trace) w.word('trace').punct(TRACE_SEP);
        w.field('pred');
        break;
      case 'minimum':
        w.field('key').list(inst.keys).punct(NEWLINE).field('min');
        break;
      case 'binary_search':
        w.field('key').list(inst.keys).punct(COMMA).field('target').number(Math.round((inst.inputs.target as number) * inst.keyRange));
        w.punct(NEWLINE).field('return');
        break;
      case 'bfs':
        w.field('s').number(inst.inputs.s as number).punct(COMMA).field('A').matrix(inst.inputs.A as number[], inst.n);
        w.punct(NEWLINE).field('pi');
        break;
    }
    return w.punct(NEWLINE).tokens;
  }

  private answerTokens(inst: ClrsInstance): number[] {
    const w = new TokenWriter();
    switch (inst.algorithm) {
      case 'insertion_sort': {
        const keysInOrder = (pred: readonly number[]): number[] => predecessorsToOrder(pred).map((i) => inst.keys[i] as number);
        if (this.trace) {
          // States after insertions j = 1 … n − 2 (hints 1 … n − 2), then the output.
          for (let t = 1; t <= inst.n - 2; t++) {
            if (t > 1) w.punct(COMMA);
            w.list(keysInOrder((inst.hints[t] as Record<string, number[]>).pred_h as number[]));
          }
          w.punct(TRACE_SEP);
        }
        w.list(keysInOrder(inst.outputs.pred as number[]));
        break;
      }
      case 'minimum':
        w.number(inst.outputs.min as number);
        break;
      case 'binary_search':
        w.number(inst.outputs.return as number);
        break;
      case 'bfs':
        w.list(inst.outputs.pi as number[]);
        break;
    }
    return w.tokens;
  }

  /** Longest prompt of size n: every number at its most digits. */
  promptLength(n: number): number {
    const keyDigits = digitCount(this.keyRange - 1);
    const list = (digits: number): number => 2 + n * digits + (n - 1); // [ … ] with separators
    const header = 3; // name : ⏎
    switch (this.algorithm) {
      case 'insertion_sort':
        return header + 2 + list(keyDigits) + (this.trace ? 1 + 2 + list(keyDigits) + 2 : 0) + 1 + 2 + 1;
      case 'minimum':
        return header + 2 + list(keyDigits) + 1 + 2 + 1;
      case 'binary_search':
        return header + 2 + list(keyDigits) + 1 + 2 + keyDigits + 1 + 2 + 1;
      case 'bfs':
        return header + 2 + digitCount(n - 1) + 1 + 2 + (2 + n * (n + 2) + (n - 1)) + 1 + 2 + 1;
    }
  }

  /** Longest answer of size n (tokens, without EOS). */
  answerLength(n: number): number {
    const keyDigits = digitCount(this.keyRange - 1);
    const list = (digits: number): number => 2 + n * digits + (n - 1);
    switch (this.algorithm) {
      case 'insertion_sort':
        return this.trace ? Math.max(0, n - 2) * list(keyDigits) + Math.max(0, n - 3) + 1 + list(keyDigits) : list(keyDigits);
      case 'minimum':
      case 'binary_search':
        return digitCount(n - 1);
      case 'bfs':
        return list(digitCount(n - 1));
    }
  }

  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    const legal = predicted.every((t) => t >= 4 && t < CLRS_VOCAB.length);
    const parse = legal && parses(predicted, this.answerKind) ? 1 : 0;
    const truth = readParts(example.answer);
    const got = readParts(predicted);
    const shape = got.length === truth.length && got.every((p, i) => p.length === (truth[i] as number[]).length) ? 1 : 0;
    let equal = 0;
    let total = 0;
    truth.forEach((part, i) =>
      part.forEach((x, k) => {
        total++;
        if (shape && (got[i] as number[])[k] === x) equal++;
      }),
    );
    const clrs = shape ? (total > 0 ? equal / total : 1) : 0;
    const exact = predicted.length === example.answer.length && predicted.every((t, i) => t === example.answer[i]) ? 1 : 0;
    return { exact, shape, parse, clrs };
  }

  /**
   * The instance a CLRS-Text prompt describes (token ids, with or without the left padding, and
   * anything after the prompt's last newline ignored): the inverse of the prompt's text, for inputs
   * typed by hand (the attention probe of a TransNAR model needs the graph). Throws a one-line
   * Error saying what is missing or malformed.
   */
  instanceFromTokens(ids: readonly number[]): ClrsInstance {
    const toks = ids.filter((t) => t !== PAD);
    const at = (word: ClrsWord): number => {
      const k = toks.findIndex((t, i) => t === tokenId(word) && toks[i + 1] === COLON);
      if (k < 0) throw new Error(`${this.name}: the input has no "${word}:" field`);
      return k + 2;
    };
    const numberAt = (k: number): { value: number; end: number } => {
      let end = k;
      let text = '';
      while (end < toks.length && isDigit(toks[end] as number)) text += String((toks[end++] as number) - DIGIT0);
      if (text === '') throw new Error(`${this.name}: expected a number at token ${k + 1}`);
      return { value: Number(text), end };
    };
    const listAt = (k: number): number[] => {
      if (toks[k] !== OPEN) throw new Error(`${this.name}: expected "[" at token ${k + 1}`);
      const out: number[] = [];
      let i = k + 1;
      for (;;) {
        const n = numberAt(i);
        out.push(n.value);
        i = n.end;
        if (toks[i] === SPACE) i++;
        else if (toks[i] === CLOSE) return out;
        else throw new Error(`${this.name}: expected "␣" or "]" at token ${i + 1}`);
      }
    };
    const head = toks[0];
    if (head !== tokenId(this.algorithm)) throw new Error(`${this.name}: a prompt starts with "${this.algorithm}:", this one with "${CLRS_VOCAB[head ?? 0] ?? '?'}"`);
    const checkKeys = (keys: number[]): number[] => {
      const bad = keys.find((k) => k >= this.keyRange);
      if (bad !== undefined) throw new Error(`${this.name}: key ${bad} is outside [0, ${this.keyRange})`);
      return keys;
    };
    switch (this.algorithm) {
      case 'insertion_sort':
        return insertionSort(checkKeys(listAt(at('key'))), this.keyRange);
      case 'minimum':
        return minimum(checkKeys(listAt(at('key'))), this.keyRange);
      case 'binary_search': {
        const keys = checkKeys(listAt(at('key')));
        if (keys.some((k, i) => i > 0 && k < (keys[i - 1] as number))) throw new Error(`${this.name}: the keys must be sorted ascending`);
        const target = numberAt(at('target')).value;
        if (target >= this.keyRange) throw new Error(`${this.name}: target ${target} is outside [0, ${this.keyRange})`);
        return binarySearch(keys, target, this.keyRange);
      }
      case 'bfs': {
        const s = numberAt(at('s')).value;
        let i = at('A');
        if (toks[i] !== OPEN) throw new Error(`${this.name}: expected "[[" after "A:"`);
        i++;
        const rows: number[][] = [];
        while (toks[i] === OPEN) {
          const row: number[] = [];
          i++;
          while (toks[i] !== undefined && isDigit(toks[i] as number)) row.push((toks[i++] as number) - DIGIT0);
          if (toks[i] !== CLOSE) throw new Error(`${this.name}: expected "]" after row ${rows.length} of A`);
          i++;
          rows.push(row);
          if (toks[i] === COMMA) i++;
        }
        const n = rows.length;
        if (n === 0 || rows.some((r) => r.length !== n)) throw new Error(`${this.name}: A must be a square matrix of 0/1, got ${rows.map((r) => r.length).join(', ')} entries per row`);
        if (!(s < n)) throw new Error(`${this.name}: s = ${s} is not a node of ${n}`);
        return bfs(rows.flat(), n, s);
      }
    }
  }

  /** The CLRS-Text of the example, the answer after the prompt, and a prediction when given. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const text = `${renderTokens(example.prompt)}${renderTokens(example.answer)}`;
    return predicted ? `${text}\npredicted:\n${renderTokens(predicted)}` : text;
  }
}
