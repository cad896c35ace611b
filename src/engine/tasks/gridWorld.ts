import type { TaskConfig } from '../../protocol/config';
import type { Rng } from '../random';
import type { ExampleScores, Task, TaskExample } from './task';
import { FIRST_SYMBOL, PAD, SPECIAL_TOKENS } from './task';
import { checkSize, checkTaskName, largestTaskSize, resolveTaskOptions, type OptionSpecs } from './taskOptions';
import { tokenText } from './tokenText';

export const GRID_WORLD_OPTIONS: OptionSpecs = {
  exploreSteps: { doc: 'steps of episode 1 (explore); default n² − 1, enough for a sweep of every cell', min: 1, max: 256, default: (n) => n * n - 1 },
  exploitSteps: { doc: 'steps of episode 2 (exploit); default 2(n − 1), the farthest Manhattan distance from the start', min: 1, max: 256, default: (n) => 2 * (n - 1) },
  stepPenalty: { doc: 'reward per step that does not find the treasure, in thousandths, negated (100: −0.1 per step, the paper)', min: 0, max: 1000, default: () => 100 },
};

/** Actions, in the order of their tokens: left, up, right, down. */
export const ACTIONS = ['L', 'U', 'R', 'D'] as const;
const DX = [-1, 0, 1, 0];
const DY = [0, 1, 0, -1];

/** The environment of one grid size: everything a rollout needs, tfjs-free (the ES workers use it). */
export interface GridWorldEnv {
  /** Side n of the n × n grid. */
  side: number;
  exploreSteps: number;
  exploitSteps: number;
  /** Reward of a step that does not find the treasure (−stepPenalty / 1000). */
  stepReward: number;
  /** Tokens: episode starts, per cell "visited, nothing here" and "found the treasure here", actions. */
  tokens: { episode1: number; episode2: number; cell: (c: number) => number; found: (c: number) => number; action: (a: number) => number };
  /** Context length 2 + exploreSteps + exploitSteps: the longest sequence an agent reads. */
  contextLength: number;
}

/** Cell index c = y·n + x; the start is the lower-left corner (0, 0), cell 0. */
export const START_CELL = 0;

/** The cell reached from c by action a (a move into a wall stays put). */
export function moveOn(side: number, c: number, a: number): number {
  const x = c % side;
  const y = Math.floor(c / side);
  const nx = x + (DX[a] as number);
  const ny = y + (DY[a] as number);
  return nx < 0 || ny < 0 || nx >= side || ny >= side ? c : ny * side + nx;
}

/** "x,y" of a cell. */
export function cellName(side: number, c: number): string {
  return `${c % side},${Math.floor(c / side)}`;
}

/**
 * The two-episode treasure hunt of the randomized-Transformers paper (science.md §4, §7.4), on an
 * n × n grid (task size n = the side). The agent starts in the lower-left corner (0, 0); the
 * treasure is in one of the other n² − 1 cells. Episode 1 (explore) lasts at most exploreSteps
 * moves, episode 2 (exploit) at most exploitSteps; each ends when the agent steps onto the
 * treasure, and the agent goes back to the start in between (the treasure stays). Reward: +1 for
 * finding the treasure, stepReward (−0.1) for every other step.
 *
 * Tokens (what the agent reads, one per time step): `ep1` / `ep2` when an episode starts at (0, 0),
 * then after each move the cell reached, `x,y` (nothing there) or `x,y!` (the treasure). The agent
 * is a causal Transformer that reads the tokens so far (and its random seed, RSE) and picks the
 * next move as the argmax of its logits over the action tokens `L U R D`: a deterministic policy,
 * random only through the seed (the paper's agent). It is trained by evolution strategies
 * (src/engine/es/), not by gradients; the rollouts and the loss are in src/engine/es/gridRollout.ts.
 *
 * Loss of one (treasure cell, seed): L = 2 − reward = Σ over the two episodes of 0.1·(steps before
 * the find), or 1 + 0.1·(the episode's steps) when the episode never finds it — ≥ 0, 0 only for
 * an impossible instant find. The oblivious adversary puts the treasure where the agent's mean L
 * over seeds is largest: where it looks last.
 *
 * Examples (`example`) are for the generic analyses and the inspector only: one episode pair of a
 * fixed reference agent (a boustrophedon sweep, then the shortest way back) for a random treasure,
 * padded with `<pad>` to the context length, with the sweep's action at each position where an
 * action is taken (aligned). Their score is agreement with the sweep, not the task's measure.
 */
export class GridWorldTask implements Task {
  readonly name = 'grid-world' as const;
  readonly config: TaskConfig;
  readonly vocab: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly aligned = true;
  private readonly largest: number;

  constructor(config: TaskConfig) {
    checkTaskName(config, 'grid-world');
    this.largest = largestTaskSize(config);
    this.config = config;
    this.options = resolveTaskOptions(config, GRID_WORLD_OPTIONS);
    const sizes = [...config.trainLengths, ...config.evalLengths];
    if (sizes.some((n) => n < 2 || n > 16)) throw new Error(`task "grid-world": sizes are grid sides from 2 to 16, got ${sizes.join(', ')}`);
    if (new Set(sizes).size !== 1) throw new Error(`task "grid-world": one grid side for training and evaluation, got ${[...new Set(sizes)].join(', ')}`);
    const n = this.largest;
    this.vocab = [
      ...SPECIAL_TOKENS,
      'ep1',
      'ep2',
      ...Array.from({ length: n * n }, (_, c) => cellName(n, c)),
      ...Array.from({ length: n * n }, (_, c) => `${cellName(n, c)}!`),
      ...ACTIONS,
    ];
  }

  /** The environment of a grid of side n. */
  env(n: number): GridWorldEnv {
    checkSize(this.name, n, this.largest);
    const cells = this.largest * this.largest;
    const first = FIRST_SYMBOL;
    const exploreSteps = this.options.exploreSteps as number;
    const exploitSteps = this.options.exploitSteps as number;
    return {
      side: n,
      exploreSteps,
      exploitSteps,
      stepReward: -(this.options.stepPenalty as number) / 1000,
      tokens: {
        episode1: first,
        episode2: first + 1,
        cell: (c) => first + 2 + c,
        found: (c) => first + 2 + cells + c,
        action: (a) => first + 2 + 2 * cells + a,
      },
      contextLength: 2 + exploreSteps + exploitSteps,
    };
  }

  example(rng: Rng, n: number): TaskExample {
    const env = this.env(n);
    const goal = rng.int(1, n * n);
    const { tokens, actions } = referenceEpisodes(env, goal);
    const T = env.contextLength;
    const prompt = new Array<number>(T).fill(PAD);
    const answer = new Array<number>(T).fill(PAD);
    tokens.forEach((t, i) => (prompt[i] = t));
    actions.forEach((a, i) => (answer[i] = a < 0 ? PAD : env.tokens.action(a)));
    return { prompt, answer };
  }

  answerLength(n: number): number {
    return this.env(n).contextLength;
  }

  promptLength(n: number): number {
    return this.env(n).contextLength;
  }

  private isAction(t: number): boolean {
    return this.vocab[t] !== undefined && (ACTIONS as readonly string[]).includes(this.vocab[t] as string);
  }

  /** Agreement with the reference sweep at the positions where it acts: exact = all, clrs = the fraction. */
  score(example: TaskExample, predicted: readonly number[]): ExampleScores {
    const acting = example.answer.map((t, i) => (t !== PAD ? i : -1)).filter((i) => i >= 0);
    const right = acting.filter((i) => predicted[i] === example.answer[i]).length;
    const parse = acting.every((i) => this.isAction(predicted[i] ?? -1)) ? 1 : 0;
    return { exact: right === acting.length ? 1 : 0, shape: 1, parse, clrs: acting.length ? right / acting.length : 1 };
  }

  /** `ep1 1,0 2,0 … | ep2 … | actions: R R U …`, with ` | predicted: …` when given. */
  format(example: TaskExample, predicted?: readonly number[]): string {
    const text = (t: number): string => tokenText(this.vocab, t);
    const seq = example.prompt.filter((t) => t !== PAD).map(text).join(' ');
    const acts = (list: readonly number[]): string =>
      example.answer
        .map((t, i) => (t === PAD ? null : text(list[i] ?? -1)))
        .filter((s): s is string => s !== null)
        .join(' ');
    const parts = [seq, `actions: ${acts(example.answer)}`];
    if (predicted) parts.push(`predicted: ${acts(predicted)}`);
    return parts.join(' | ');
  }
}

/**
 * The reference agent's two episodes for a treasure at `goal`: a boustrophedon sweep (right along
 * the bottom row, up, left along the next, …) in episode 1, the shortest way (up, then right) in
 * episode 2. Tokens as the agent reads them; actions[i] = the move taken after reading token i
 * (−1 where none is: after the last token of an episode and after the very last one).
 */
export function referenceEpisodes(env: GridWorldEnv, goal: number): { tokens: number[]; actions: number[] } {
  const n = env.side;
  const tokens: number[] = [env.tokens.episode1];
  const actions: number[] = [];
  let c = START_CELL;
  let found = false;
  for (let t = 0; t < env.exploreSteps && !found; t++) {
    const x = c % n;
    const y = Math.floor(c / n);
    const rightward = y % 2 === 0;
    const a = rightward ? (x < n - 1 ? 2 : 1) : x > 0 ? 0 : 1;
    actions.push(a);
    c = moveOn(n, c, a);
    found = c === goal;
    tokens.push(found ? env.tokens.found(c) : env.tokens.cell(c));
  }
  actions.push(-1);
  tokens.push(env.tokens.episode2);
  c = START_CELL;
  const gx = goal % n;
  const gy = Math.floor(goal / n);
  for (let t = 0; t < env.exploitSteps && found; t++) {
    const y = Math.floor(c / n);
    const a = y < gy ? 1 : (c % n) < gx ? 2 : 0;
    actions.push(a);
    c = moveOn(n, c, a);
    tokens.push(c === goal ? env.tokens.found(c) : env.tokens.cell(c));
    if (c === goal) break;
  }
  actions.push(-1);
  return { tokens, actions: actions.slice(0, tokens.length) };
}
