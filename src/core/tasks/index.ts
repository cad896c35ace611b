import type { TaskConfig, TaskName } from '../../protocol/config';
import { TASK_NAMES } from '../../protocol/config';
import { ALPHABET_OPTIONS } from './alphabetTask';
import { CLRS_OPTIONS, ClrsTextTask } from './clrs/clrsTask';
import { CopyTask } from './copy';
import { GRAPH_COLORING_OPTIONS, GraphColoringTask } from './graphColoring';
import { GRID_WORLD_OPTIONS, GridWorldTask } from './gridWorld';
import { POSITION_PROBE_OPTIONS, PositionProbeTask } from './positionProbe';
import { RECALL_OPTIONS, RecallTask } from './recall';
import { ReverseTask } from './reverse';
import { SORT_OPTIONS, SortTask } from './sort';
import type { Task } from './task';
import type { OptionSpecs } from './taskOptions';

interface TaskEntry {
  create: (config: TaskConfig) => Task;
  summary: string;
  options: OptionSpecs;
}

const TASKS: Record<TaskName, TaskEntry> = {
  copy: {
    create: (c) => new CopyTask(c),
    summary: 'copy: prompt n letters, answer the same n letters. Text: `input: [a c b] | copy: [a c b]`.',
    options: ALPHABET_OPTIONS,
  },
  reverse: {
    create: (c) => new ReverseTask(c),
    summary: 'reverse: prompt n letters, answer them last to first. Text: `input: [a c b] | reversed: [b c a]`.',
    options: ALPHABET_OPTIONS,
  },
  sort: {
    create: (c) => new SortTask(c),
    summary:
      'sort (CLRS-Text style): prompt n keys from [0, values), duplicates allowed, answer them ascending; ' +
      'scored by shape, parse, CLRS and exact. Text: `key: [5 3 1] | sorted: [1 3 5]`.',
    options: SORT_OPTIONS,
  },
  'position-probe': {
    create: (c) => new PositionProbeTask(c),
    summary:
      "position-probe (Su): prompt n copies of `0`, answer 1 … n at the same positions; solvable only with a " +
      'position encoding that reaches the values (learned, sinusoidal), not one acting on the logits alone (RoPE). ' +
      'Text: `input: [0 0 0] | positions: [1 2 3]`.',
    options: POSITION_PROBE_OPTIONS,
  },
  recall: {
    create: (c) => new RecallTask(c),
    summary:
      'recall (associative): prompt n key–value pairs, then `|` and a stored key; answer its value. ' +
      'With capacity M > 0, M memory slots follow the pairs and an attention mask makes the query see only them ' +
      '(a store for M of n items, where a random seed can choose what to keep). Text: `k3:v1 k0:v5 | query: k0 | value: v5`.',
    options: RECALL_OPTIONS,
  },
  'graph-coloring': {
    create: (c) => new GraphColoringTask(c),
    summary:
      'graph-coloring (randomized Transformers): colour the n vertices of a random cycle or a random C-colourable graph so that no edge is monochromatic; ' +
      'trained on the expected number of monochromatic edges (inside the q-norm objective over seeds). Neighbours view (the paper): one token per vertex, ' +
      'each vertex attends only to its neighbours (bidirectional models only); edge view: the edges as tokens, then the vertices. ' +
      'Text: `edges: v3–v1 v1–v0 v0–v3 | colours: v3=c0 v1=c1 v0=c2`.',
    options: GRAPH_COLORING_OPTIONS,
  },
  'grid-world': {
    create: (c) => new GridWorldTask(c),
    summary:
      'grid-world (randomized Transformers): an agent starts in the corner of an n × n grid and looks for a goal hidden in one of the n² − 1 other cells, ' +
      'seeing only the cell it stands on; the oblivious adversary hides the goal where the agent, averaged over its seeds, arrives last. ' +
      'Trained by evolution strategies (antithetic pairs; the pseudo-gradient goes through the configured optimizer); cost = steps to the goal. ' +
      'Text: `start: 0,0 | goal: 2,1`.',
    options: GRID_WORLD_OPTIONS,
  },
  'insertion-sort': {
    create: (c) => new ClrsTextTask(c),
    summary:
      'insertion-sort (CLRS-Text): keys as multi-digit numbers, answer them sorted (option trace: 1 adds the array after each insertion, as CLRS-Text with hints); ' +
      'scored by shape, parse, CLRS. Text: `insertion_sort:\\nkey: [5 30 1]\\npred:\\n` → `[1 5 30]`.',
    options: CLRS_OPTIONS['insertion-sort'],
  },
  minimum: {
    create: (c) => new ClrsTextTask(c),
    summary: 'minimum (CLRS-Text): the lowest index of the smallest key. Text: `minimum:\\nkey: [5 30 1]\\nmin:\\n` → `2`.',
    options: CLRS_OPTIONS.minimum,
  },
  'binary-search': {
    create: (c) => new ClrsTextTask(c),
    summary:
      'binary-search (CLRS-Text): sorted keys and a target, answer the lowest index whose key is ≥ the target (clamped to n − 1). ' +
      'Text: `binary_search:\\nkey: [1 5 30], target: 4\\nreturn:\\n` → `1`.',
    options: CLRS_OPTIONS['binary-search'],
  },
  bfs: {
    create: (c) => new ClrsTextTask(c),
    summary:
      'bfs (CLRS-Text): breadth-first search from s on a random symmetric graph (adjacency matrix A), answer each node\'s parent pi. ' +
      'Text: `bfs:\\ns: 0, A: [[1 1 0], [1 0 0], [0 0 0]]\\npi:\\n` → `[0 0 2]`.',
    options: CLRS_OPTIONS.bfs,
  },
};

function entry(name: string): TaskEntry {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown task "${name}"; valid tasks: ${TASK_NAMES.join(', ')}`);
  }
  return TASKS[name as TaskName];
}

/** The task for a config; throws on an unknown name, bad lengths or bad options. */
export function createTask(config: TaskConfig): Task {
  return entry(config.name).create(config);
}

