import type { TaskConfig, TaskName } from '../../protocol/config';

/**
 * One numeric task option. Every option of the current tasks is an integer; the default may
 * depend on the largest task size n of the config (recall's key alphabet must hold n keys).
 */
export interface OptionSpec {
  doc: string;
  min: number;
  max: number;
  default: (largestSize: number) => number;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A task option that is out of range or does not fit the other settings: `option` names it (the spec checker's JSON path). */
export class TaskOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'TaskOptionError';
  }
}

/** Sizes beyond this are almost surely a typo (a sequence of 4k items will not train here). */
const MAX_SIZE = 4096;

/**
 * Checks trainLengths / evalLengths and returns the largest size n they name: the vocabulary
 * and the defaults are fixed from it, so every configured length is covered.
 */
export function largestTaskSize(config: TaskConfig): number {
  const where = `task "${config.name}"`;
  if (!Array.isArray(config.trainLengths) || config.trainLengths.length === 0) {
    throw new Error(`${where}: trainLengths must be a non-empty list of sizes`);
  }
  if (!Array.isArray(config.evalLengths)) throw new Error(`${where}: evalLengths must be a list of sizes`);
  for (const [field, list] of [
    ['trainLengths', config.trainLengths],
    ['evalLengths', config.evalLengths],
  ] as const) {
    for (const n of list) {
      if (!Number.isInteger(n) || n < 1 || n > MAX_SIZE) {
        throw new Error(`${where}: ${field} contains ${String(n)}; sizes must be integers in [1, ${MAX_SIZE}]`);
      }
    }
  }
  return Math.max(...config.trainLengths, ...config.evalLengths);
}

/**
 * Validates `config.options` against the task's option specs and fills in defaults.
 * Unknown names are an error (a misspelt option would otherwise be silently ignored).
 */
export function resolveTaskOptions(config: TaskConfig, specs: OptionSpecs): Record<string, number> {
  const where = `task "${config.name}"`;
  const largest = largestTaskSize(config);
  const given = config.options ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new Error(`${where}: options must be an object of numbers`);
  }
  const names = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key)) {
      const valid = names.length > 0 ? `valid options: ${names.join(', ')}` : 'it takes no options';
      throw new TaskOptionError(key, `${where}: unknown option "${key}"; ${valid}`);
    }
  }
  const resolved: Record<string, number> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, key) ? given[key] : spec.default(largest);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new TaskOptionError(key, `${where}: option ${key} = ${String(value)} must be an integer in [${spec.min}, ${spec.max}] (${spec.doc})`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/** Throws unless the config is for `name` (a task class given another task's config is a bug). */
export function checkTaskName(config: TaskConfig, name: TaskName): void {
  if (config.name !== name) throw new Error(`task config named "${config.name}" given to the ${name} task`);
}

/** Throws unless n is a size this task instance can generate (its vocabulary covers it). */
export function checkSize(name: TaskName, n: number, largest: number | null): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`task "${name}": size n = ${String(n)} must be a positive integer`);
  if (largest !== null && n > largest) {
    throw new Error(`task "${name}": size n = ${n} exceeds the largest configured size ${largest}, which fixed the vocabulary`);
  }
}
