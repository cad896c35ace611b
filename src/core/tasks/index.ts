import type { TaskConfig, TaskName } from '../../protocol/config';
import { TASK_NAMES } from '../../protocol/config';
import { ALPHABET_OPTIONS } from './alphabetTask';
import { CopyTask } from './copy';
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

/** A short description of a task and its options, for help texts and the UI. */
export function describeTask(name: TaskName): string {
  const { summary, options } = entry(name);
  const lines = Object.entries(options).map(([key, spec]) => `  ${key} (${spec.min}…${spec.max}, default ${describeDefault(spec.default)}): ${spec.doc}`);
  return lines.length > 0 ? `${summary}\nOptions:\n${lines.join('\n')}` : `${summary}\nNo options.`;
}

/** A default as text; one that depends on the largest size n (recall keys) shows an example. */
function describeDefault(fn: (largestSize: number) => number): string {
  return fn(1) === fn(1000) ? String(fn(1)) : `${fn(16)} for n = 16`;
}

/** The options a task uses when none are given, for a config whose largest size n is `largestSize`. */
export function defaultTaskOptions(name: TaskName, largestSize: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(entry(name).options)) out[key] = spec.default(largestSize);
  return out;
}
