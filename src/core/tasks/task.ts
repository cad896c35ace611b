import type { TaskConfig, TaskName } from '../../protocol/config';
import type { Rng } from '../random';
import type { ClrsInstance } from './clrs/algorithms';

/** Token ids shared by every task's vocabulary: the task's own symbols start at FIRST_SYMBOL. */
export const PAD = 0;
export const SEP = 1;
export const EOS = 2;
/** Placeholder for an answer slot a bidirectional model fills in. */
export const BLANK = 3;
export const FIRST_SYMBOL = 4;
export const SPECIAL_TOKENS = ['<pad>', '|', '<eos>', '_'] as const;

/** One problem instance: what the model is given and what it must answer (both token ids). */
export interface TaskExample {
  prompt: number[];
  /**
   * The answer; for a task with its own objective (graph colouring) one valid answer among many,
   * shown beside the model's but never its target.
   */
  answer: number[];
  /** A graph over the prompt positions (graph colouring): undirected edges [u, v], u < v. */
  edges?: [number, number][];
  /** CLRS-Text tasks: the instance behind the text, the graph form a NAR reads (docs/science.md §5). */
  graph?: ClrsInstance;
}

/**
 * A task's own training objective, replacing the cross-entropy on its targets: a per-example
 * loss L ≥ 0, which the trainer puts inside the q-norm objective over m seeds per input
 * (science.md §4) — an expected cost rather than a token likelihood. Described here as data (tasks
 * stay free of tfjs, the extension host loads them); src/engine/train/objective.ts computes it.
 *
 * `monochromatic-edges` (graph colouring): each position u gets a distribution p_u over the
 * `colors` colour tokens firstColor … firstColor + colors − 1 (the softmax of their logits alone),
 * and L = Σ over the example's edges (u, v) of Σ_c p_u(c)·p_v(c), the expected number of
 * monochromatic edges when every vertex draws its colour from its own distribution.
 */
export interface TaskObjective {
  readonly kind: 'monochromatic-edges';
  /** What L is, for logs and docs. */
  readonly description: string;
  readonly firstColor: number;
  readonly colors: number;
}

/** Per-example scores (docs/science.md §5). */
export interface ExampleScores {
  /** 1 if the whole answer is right. */
  exact: number;
  /** Output has the right shape (e.g. as many elements as the input), 0/1. */
  shape: number;
  /** Output has no illegal token, 0/1. */
  parse: number;
  /** Fraction of elements equal to the truth; 0 when the shape is wrong. */
  clrs: number;
}

/**
 * A seeded, deterministic algorithmic task. `n` is the task size (number of items), from
 * which the sequence length in tokens follows.
 */
export interface Task {
  readonly name: TaskName;
  readonly config: TaskConfig;
  /** The options actually used: TaskConfig.options validated, with defaults filled in. */
  readonly options: Readonly<Record<string, number>>;
  /** Token texts by id; the first entries are SPECIAL_TOKENS. */
  readonly vocab: readonly string[];
  /**
   * true when the answer is aligned with the prompt position by position (position probe): a
   * bidirectional model then reads the answer at the prompt's own positions.
   */
  readonly aligned: boolean;
  /**
   * true when the model answers in place at the end of the prompt: the answer (answerLength(n)
   * tokens, no EOS) is read from the predictions at the last answerLength(n) prompt positions, in
   * one pass, causal or bidirectional (recall with one token per pair reads the value at the query
   * token). Not together with `aligned`.
   */
  readonly answersAtEnd?: boolean;
  /** A random instance of size n. Same rng state → same example. */
  example(rng: Rng, n: number): TaskExample;
  /** Answer length (tokens, without EOS) for size n. */
  answerLength(n: number): number;
  /** Prompt length (tokens) for size n. */
  promptLength(n: number): number;
  /** Scores a predicted answer (token ids, already cut at EOS) against the example. */
  score(example: TaskExample, predicted: readonly number[]): ExampleScores;
  /** The example as text a person can read, optionally with a prediction beside the truth. */
  format(example: TaskExample, predicted?: readonly number[]): string;
  /**
   * Optional extra attention restriction for size n over the laid-out sequence of `tokens`
   * positions: allowed[q * tokens + k] = 1 if query q may see key k. When `causal` is true the
   * returned mask already includes the causal restriction (so AND-ing it with the causal mask
   * again changes nothing). null: no restriction beyond the causal mask. It depends on n, not
   * on `tokens`, so it also serves a growing sequence during greedy decoding.
   */
  attentionMask?(n: number, tokens: number, causal: boolean): Uint8Array | null;
  /**
   * Optional attention restriction of one example (graph colouring: each vertex sees only its
   * neighbours), [tokens * tokens] like attentionMask, or null for none; the layout stacks them
   * into one mask per example, [B * T * T]. Not together with attentionMask.
   */
  exampleMask?(example: TaskExample, tokens: number, causal: boolean): Uint8Array | null;
  /** Set (to the reason) when the task only works with a bidirectional model (causal: false). */
  readonly bidirectionalOnly?: string | null;
  /** Optional own objective (see TaskObjective); without it the trainer minimises the cross-entropy on the targets. */
  readonly objective?: TaskObjective;
  /**
   * Optional fixed input features of every token, for models with `embedding: 'features'` (no
   * input embedding): `table` [vocab.length, width], row t = token t's input vector.
   */
  inputFeatures?(): { width: number; table: Float32Array };
  /**
   * Retrieval tasks only: the prompt positions that hold what the answer must be read from (the
   * queried key–value pair of associative recall), for the attention mass on the correct key
   * (docs/science.md §1). [] when the query row cannot see them (a memory bottleneck).
   */
  retrievalPositions?(example: TaskExample): number[];
}
