/**
 * Checks a parsed experiment spec against the rules of `schemas/experiment.schema.json`, by
 * hand (no JSON-Schema engine at runtime), plus the rules a schema cannot state (heads divides
 * dModel, rseBits < dModel, unique labels, warm-up within the steps…). Every problem is
 * reported with the JSON path of the offending value and what was expected versus found, so a
 * user can fix a whole file in one pass.
 */
import * as nodePath from 'node:path';
import { BACKEND_CHOICES } from '../../protocol/backend';
import {
  ATTENTION_KINDS,
  ATTENTION_SCALINGS,
  EMBEDDING_KINDS,
  INIT_KINDS,
  NORM_KINDS,
  OPTIMIZER_NAMES,
  POSITION_CHOICES,
  POSITION_EVALS,
  RANDOMIZABLE_POSITIONS,
  TASK_NAMES,
} from '../../protocol/config';
import type { OptimizerName, TaskConfig } from '../../protocol/config';
import type { ExperimentSpec } from '../../protocol/spec';
import { createTask } from '../tasks';
import { CLRS_TASKS, isClrsTask } from '../tasks/clrs/clrsTask';
import { NAR_PRETRAIN } from '../../protocol/nar';
import { readNarHeaderSync } from '../nar/narHeader';
import type { Task } from '../tasks/task';
import { TaskOptionError } from '../tasks/taskOptions';
import { MODEL_DEFAULTS, TRAIN_DEFAULTS } from './defaults';
import { findDuplicateKey, findJsonSyntaxError } from './jsonSyntaxError';
import { readTextFile, TextFileError } from '../io/readTextFile';

export interface SpecError {
  /** JSON path of the offending value, e.g. `$.optimizers[1].lr`. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

export type SpecValidation = { ok: true; spec: ExperimentSpec } | { ok: false; errors: SpecError[] };

/** The properties each object of a spec may have (the schema's `properties`, kept in step by a test). */
export const SPEC_PROPERTIES = {
  spec: ['$schema', 'name', 'description', 'backend', 'parallel', 'tasks', 'models', 'attentionScalings', 'optimizers', 'seeds', 'train', 'narPretraining'],
  task: ['name', 'trainLengths', 'evalLengths', 'options'],
  model: [
    'label', 'causal', 'layers', 'dModel', 'heads', 'dFf', 'attention', 'keySize', 'valueSize', 'embedding', 'init', 'norm',
    'maxLen', 'position', 'randomizePositions', 'positionRange', 'positionEval', 'embedScale', 'lognBase', 'rseBits', 'rseProjection', 'nar',
  ],
  nar: ['checkpoint', 'layers'],
  narPretraining: ['hidden', 'steps', 'batchSize', 'lr', 'trainLengths', 'hintWeight', 'seed'],
  optimizer: ['name', 'label', 'lr', 'weightDecay', 'beta1', 'beta2', 'beta', 'eps', 'momentum', 'shrink'],
  train: ['steps', 'batchSize', 'accumulate', 'schedule', 'gradClip', 'evalEvery', 'evalExamples', 'logEvery', 'checkpointEvery', 'q', 'seedsPerInput', 'qWarmup'],
} as const;

/** Hyper-parameters beyond name, label, lr and weightDecay that each optimizer takes. */
export const OPTIMIZER_FIELDS: Record<OptimizerName, readonly string[]> = {
  adamw: ['beta1', 'beta2', 'eps'],
  lion: ['beta1', 'beta2'],
  tiger: ['beta', 'shrink'],
  sgd: ['momentum'],
};

const SCHEDULE_PROPERTIES = {
  constant: ['kind'],
  'warmup-cosine': ['kind', 'warmupSteps', 'minFactor'],
  piecewise: ['kind', 'points'],
} as const;
type ScheduleKind = keyof typeof SCHEDULE_PROPERTIES;

const FILE_SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STEP_KEY = /^(0|[1-9][0-9]*)$/;

/** A numeric rule: the bounds, and how to say it in an error message. */
interface NumberRule {
  integer: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  expected: string;
}

const int = (min: number, max: number | undefined, expected: string): NumberRule => ({ integer: true, min, max, expected });
const POSITIVE_INT = int(1, undefined, 'a positive integer');
const NON_NEGATIVE_INT = int(0, undefined, 'an integer ≥ 0');
const LENGTH = int(1, 1024, 'an integer from 1 to 1024');
const SEED = int(0, 4294967295, 'an integer from 0 to 4294967295');
const LR: NumberRule = { integer: false, min: 0, exclusiveMin: true, max: 1, expected: 'a positive number at most 1' };
const WEIGHT_DECAY: NumberRule = { integer: false, min: 0, max: 10, expected: 'a number from 0 to 10' };
const UNIT: NumberRule = { integer: false, min: 0, max: 1, exclusiveMax: true, expected: 'a number in [0, 1)' };
const Q: NumberRule = { integer: false, min: 1, max: 32, expected: 'a number from 1 to 32' };

const MODEL_RULES: Record<string, NumberRule> = {
  layers: int(1, 64, 'an integer from 1 to 64'),
  dModel: int(1, 4096, 'an integer from 1 to 4096'),
  heads: int(1, 256, 'an integer from 1 to 256'),
  dFf: int(0, 16384, 'an integer from 0 (no MLP) to 16384'),
  keySize: int(1, 4096, 'an integer from 1 to 4096'),
  valueSize: int(1, 4096, 'an integer from 1 to 4096'),
  maxLen: int(1, 65536, 'an integer from 1 to 65536'),
  positionRange: int(1, 1048576, 'an integer from 1 to 1048576'),
  embedScale: { integer: false, min: 0, exclusiveMin: true, max: 1000, expected: 'a positive number at most 1000' },
  rseBits: int(0, 4096, 'an integer from 0 to 4096'),
};

/** A number, or "train" (accepted beside the rule, see checkModel). */
const LOGN_BASE: NumberRule = { integer: false, min: 1, exclusiveMin: true, expected: 'a number greater than 1 or "train"' };

const OPTIMIZER_RULES: Record<string, NumberRule> = {
  beta1: UNIT,
  beta2: UNIT,
  beta: UNIT,
  momentum: UNIT,
  eps: { integer: false, min: 0, exclusiveMin: true, max: 1, expected: 'a positive number at most 1' },
  shrink: { integer: false, min: 0, exclusiveMin: true, max: 1, expected: 'a number in (0, 1]' },
};

const BATCH_SIZE = int(1, 4096, 'an integer from 1 to 4096');
const ACCUMULATE = int(1, 1024, 'an integer from 1 to 1024');

const TRAIN_RULES: Record<string, NumberRule> = {
  steps: int(1, 10_000_000, 'an integer from 1 to 10000000'),
  gradClip: { integer: false, min: 0, expected: 'a number ≥ 0' },
  evalEvery: POSITIVE_INT,
  evalExamples: int(1, 100_000, 'an integer from 1 to 100000'),
  logEvery: POSITIVE_INT,
  checkpointEvery: NON_NEGATIVE_INT,
  seedsPerInput: int(1, 64, 'an integer from 1 to 64'),
  qWarmup: NON_NEGATIVE_INT,
};

/** Checks `value` as an experiment spec. On success `spec` is a copy without the editor-only `$schema` key. */
export function validateSpec(value: unknown): SpecValidation {
  const errors: SpecError[] = [];
  const fail = (path: string, message: string): void => {
    errors.push({ path, message });
  };
  const spec = checkObject(value, '$', 'an experiment spec object', SPEC_PROPERTIES.spec, fail);
  if (!spec) return { ok: false, errors };
  requireKeys(spec, '$', ['name', 'tasks', 'models', 'attentionScalings', 'optimizers', 'seeds'], fail);

  if ('$schema' in spec && typeof spec.$schema !== 'string') fail('$.$schema', `expected a string, found ${describe(spec.$schema)}`);
  if ('name' in spec) checkFileSafe(spec.name, '$.name', 64, 'name', fail);
  if ('description' in spec && typeof spec.description !== 'string') {
    fail('$.description', `expected a string, found ${describe(spec.description)}`);
  }
  if ('backend' in spec) checkEnum(spec.backend, '$.backend', BACKEND_CHOICES, fail);
  if ('parallel' in spec) checkNumber(spec.parallel, '$.parallel', int(1, 64, 'an integer from 1 to 64'), fail);

  const tasks: { task: Task; path: string }[] = [];
  forEachItem(spec.tasks, '$.tasks', 'a list of tasks', fail, (task, path) => {
    const built = checkTask(task, path, fail);
    if (built) tasks.push({ task: built, path });
  });
  const modelLabels: (string | undefined)[] = [];
  const linearModels: number[] = [];
  const narModels: { index: number; checkpoint: string }[] = [];
  forEachItem(spec.models, '$.models', 'a list of models', fail, (model, path) => {
    const m = checkModel(model, path, fail);
    modelLabels.push(m.label);
    if (m.linear) linearModels.push(modelLabels.length - 1);
    if (m.narCheckpoint !== undefined) narModels.push({ index: modelLabels.length - 1, checkpoint: m.narCheckpoint });
    for (const t of tasks) {
      if (t.task.bidirectionalOnly && m.causal) fail(`${path}.causal`, `expected false: ${t.task.bidirectionalOnly} (${t.path}), found ${'causal' in (model as Obj) ? 'true' : 'the default true'}`);
    }
  });
  checkUniqueLabels(modelLabels, '$.models', 'label', fail);
  checkNarModels(narModels, spec.tasks, fail);
  if ('narPretraining' in spec) checkNarPretraining(spec.narPretraining, '$.narPretraining', fail);

  if ('attentionScalings' in spec) {
    const list = checkList(spec.attentionScalings, '$.attentionScalings', 'a list of attention scalings', fail);
    list?.forEach((s, i) => checkEnum(s, `$.attentionScalings[${i}]`, ATTENTION_SCALINGS, fail));
    if (list) checkDistinct(list, '$.attentionScalings', fail);
    const scaled = list?.findIndex((s) => s !== 'standard') ?? -1;
    if (scaled >= 0 && linearModels.length > 0) {
      fail(
        `$.attentionScalings[${scaled}]`,
        `expected only "standard" when a model has linear attention ($.models[${linearModels[0]}]; linear attention is unscaled), found ${describe(list?.[scaled])}`,
      );
    }
  }

  const optimizerLabels: (string | undefined)[] = [];
  forEachItem(spec.optimizers, '$.optimizers', 'a list of optimizers', fail, (opt, path) => {
    optimizerLabels.push(checkOptimizer(opt, path, fail));
  });
  checkUniqueLabels(optimizerLabels, '$.optimizers', 'label', fail);

  if ('seeds' in spec) {
    const seeds = checkList(spec.seeds, '$.seeds', 'a list of integer seeds', fail);
    seeds?.forEach((s, i) => checkNumber(s, `$.seeds[${i}]`, SEED, fail));
    if (seeds) checkDistinct(seeds, '$.seeds', fail);
  }

  if ('train' in spec) checkTrain(spec.train, '$.train', fail);

  if (errors.length > 0) return { ok: false, errors };
  const copy: Record<string, unknown> = { ...spec };
  delete copy.$schema;
  return { ok: true, spec: copy as unknown as ExperimentSpec };
}

/** `"$.models[0].heads: expected …"` lines, one per error. */
export function formatSpecErrors(errors: readonly SpecError[], prefix = ''): string {
  return errors.map((e) => `${prefix}${e.path}: ${e.message}`).join('\n');
}

/** A spec file that cannot be used: invalid JSON (with line and column) or an invalid spec (with JSON paths). */
export class SpecFileError extends Error {
  constructor(
    readonly file: string,
    /** The spec's problems; empty when the file could not be read or parsed. */
    readonly errors: readonly SpecError[],
    message: string,
  ) {
    super(message);
    this.name = 'SpecFileError';
  }
}

/**
 * Reads and validates a spec file. Throws SpecFileError with one line per problem, e.g.
 * `spec.json: $.models[0].heads: expected an integer from 1 to 256, found 0`, or for a syntax
 * error `spec.json:3:14: invalid JSON: expected ',' or '}' after a property value, found "\""`.
 */
export function parseSpecFile(file: string): ExperimentSpec {
  let text = readSpecText(file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark some editors write
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const where = findJsonSyntaxError(text);
    const message = where ? `${file}:${where.line}:${where.column}: invalid JSON: ${where.message}` : `${file}: invalid JSON: ${(err as Error).message}`;
    throw new SpecFileError(file, [], message);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) throw new SpecFileError(file, [], `${file}:${duplicate.line}:${duplicate.column}: ${duplicate.message}`);
  resolveNarPaths(value, nodePath.dirname(nodePath.resolve(file)));
  const checked = validateSpec(value);
  if (!checked.ok) throw new SpecFileError(file, checked.errors, formatSpecErrors(checked.errors, `${file}: `));
  return checked.spec;
}

/** A spec file's relative NAR checkpoint paths are read from the spec file's folder: made absolute in place. */
function resolveNarPaths(value: unknown, dir: string): void {
  if (!isObject(value) || !Array.isArray(value.models)) return;
  for (const m of value.models) {
    if (!isObject(m) || !isObject(m.nar)) continue;
    const c = m.nar.checkpoint;
    if (typeof c === 'string' && c.trim() !== '' && c !== NAR_PRETRAIN && !nodePath.isAbsolute(c)) m.nar.checkpoint = nodePath.resolve(dir, c);
  }
}

/** Largest spec file read: a real one is a few KB; a device such as /dev/zero must not fill the memory. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** The text of a spec file, refusing what is not a regular file of at most MAX_SPEC_BYTES. */
function readSpecText(file: string): string {
  try {
    return readTextFile(file, 'a spec file', MAX_SPEC_BYTES);
  } catch (err) {
    throw err instanceof TextFileError ? new SpecFileError(file, [], err.message) : err;
  }
}

type Fail = (path: string, message: string) => void;
type Obj = Record<string, unknown>;

/** Checks one task; returns the task when it could be built (for the rules that join tasks and models). */
function checkTask(value: unknown, path: string, fail: Fail): Task | null {
  let problems = 0;
  const count: Fail = (p, m) => {
    problems++;
    fail(p, m);
  };
  checkTaskFields(value, path, count);
  if (problems > 0) return null;
  // The task itself knows its options (names, ranges, defaults that depend on n): let it judge them.
  const task = value as { name: TaskConfig['name']; trainLengths: number[]; evalLengths?: number[]; options?: Record<string, number> };
  try {
    return createTask({ name: task.name, trainLengths: task.trainLengths, evalLengths: task.evalLengths ?? task.trainLengths, options: task.options ?? {} });
  } catch (err) {
    const where = err instanceof TaskOptionError ? `${path}.options${pathKey(err.option)}` : task.options ? `${path}.options` : path;
    fail(where, (err as Error).message);
    return null;
  }
}

function checkTaskFields(value: unknown, path: string, fail: Fail): void {
  const task = checkObject(value, path, 'a task object', SPEC_PROPERTIES.task, fail);
  if (!task) return;
  requireKeys(task, path, ['name', 'trainLengths'], fail);
  if ('name' in task) checkEnum(task.name, `${path}.name`, TASK_NAMES, fail);
  for (const key of ['trainLengths', 'evalLengths'] as const) {
    if (!(key in task)) continue;
    const list = checkList(task[key], `${path}.${key}`, 'a non-empty list of task sizes (integers from 1 to 1024)', fail);
    list?.forEach((n, i) => checkNumber(n, `${path}.${key}[${i}]`, LENGTH, fail));
    if (list) checkDistinct(list, `${path}.${key}`, fail);
  }
  if ('options' in task) {
    const options = checkObject(task.options, `${path}.options`, 'an object of numeric task options', null, fail);
    for (const [key, v] of Object.entries(options ?? {})) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.options${pathKey(key)}`, `expected a number, found ${describe(v)}`);
    }
  }
}

/**
 * The rules between models with a NAR and the tasks (docs/science.md §5): a NAR reads a CLRS-Text
 * task's graph, and a named checkpoint must exist, be a NAR checkpoint whose tensors fit its own
 * config, and be of each task's algorithm. The file's header is read (no tensor data).
 */
function checkNarModels(models: readonly { index: number; checkpoint: string }[], tasks: unknown, fail: Fail): void {
  if (models.length === 0 || !Array.isArray(tasks)) return;
  for (const { index, checkpoint } of models) {
    const path = `$.models[${index}].nar`;
    let algorithm: string | null = null;
    if (checkpoint !== NAR_PRETRAIN) {
      try {
        algorithm = readNarHeaderSync(checkpoint).nar.algorithm;
      } catch (err) {
        fail(`${path}.checkpoint`, (err as Error).message);
        continue;
      }
    }
    tasks.forEach((task: unknown, j) => {
      const name = isObject(task) && typeof task.name === 'string' ? task.name : undefined;
      if (name === undefined || !(TASK_NAMES as readonly string[]).includes(name)) return; // reported with the task
      if (!isClrsTask(name as TaskConfig['name'])) {
        fail(path, `a NAR reads the graph of a CLRS-Text task (${Object.keys(CLRS_TASKS).join(', ')}); $.tasks[${j}] is "${name}"`);
        return;
      }
      const needed = CLRS_TASKS[name as keyof typeof CLRS_TASKS];
      if (algorithm !== null && algorithm !== needed) {
        fail(`${path}.checkpoint`, `${checkpoint} is a NAR for ${algorithm}; $.tasks[${j}] ("${name}") needs one for ${needed}`);
      }
    });
  }
}

const NAR_PRETRAIN_RULES: Record<string, NumberRule> = {
  hidden: int(1, 1024, 'an integer from 1 to 1024'),
  steps: int(1, 1_000_000, 'an integer from 1 to 1000000'),
  batchSize: int(1, 4096, 'an integer from 1 to 4096'),
  lr: LR,
  hintWeight: { integer: false, min: 0, max: 100, expected: 'a number from 0 to 100' },
  seed: SEED,
};

function checkNarPretraining(value: unknown, path: string, fail: Fail): void {
  const pre = checkObject(value, path, 'an object of NAR pretraining settings', SPEC_PROPERTIES.narPretraining, fail);
  if (!pre) return;
  for (const [key, rule] of Object.entries(NAR_PRETRAIN_RULES)) {
    if (key in pre) checkNumber(pre[key], `${path}.${key}`, rule, fail);
  }
  if ('trainLengths' in pre) {
    const list = checkList(pre.trainLengths, `${path}.trainLengths`, 'a non-empty list of graph sizes (integers from 1 to 1024)', fail);
    list?.forEach((n, i) => checkNumber(n, `${path}.trainLengths[${i}]`, LENGTH, fail));
    if (list) checkDistinct(list, `${path}.trainLengths`, fail);
  }
}

/** Checks a model's `nar`; returns its checkpoint when the link is well formed (for checkNarModels). */
function checkNar(value: unknown, path: string, layers: number | undefined, fail: Fail): string | undefined {
  const nar = checkObject(value, path, 'a NAR link object like {"checkpoint": "pretrain", "layers": [0, 1]}', SPEC_PROPERTIES.nar, fail);
  if (!nar) return undefined;
  requireKeys(nar, path, ['checkpoint', 'layers'], fail);
  let ok = true;
  if ('checkpoint' in nar && !(typeof nar.checkpoint === 'string' && nar.checkpoint.trim() !== '')) {
    fail(`${path}.checkpoint`, `expected the path of a NAR checkpoint or "${NAR_PRETRAIN}", found ${describe(nar.checkpoint)}`);
    ok = false;
  }
  if ('layers' in nar) {
    const expected = layers !== undefined ? `an integer from 0 to ${layers - 1} (a block of the model)` : 'a block index (an integer ≥ 0)';
    const rule = int(0, layers !== undefined ? layers - 1 : 64, expected);
    const list = checkList(nar.layers, `${path}.layers`, 'a non-empty list of block indices', fail);
    if (list) {
      list.forEach((l, i) => {
        if (!checkNumber(l, `${path}.layers[${i}]`, rule, fail)) ok = false;
      });
      checkDistinct(list, `${path}.layers`, fail);
    } else ok = false;
  }
  return ok && typeof nar.checkpoint === 'string' && Array.isArray(nar.layers) ? nar.checkpoint : undefined;
}

/** Checks one model; returns its label (if valid), its effective rseBits and whether it has linear attention, for cross-model rules. */
function checkModel(value: unknown, path: string, fail: Fail): { label?: string; rseBits: number; linear: boolean; causal: boolean; narCheckpoint?: string } {
  const model = checkObject(value, path, 'a model object', SPEC_PROPERTIES.model, fail);
  if (!model) return { rseBits: 0, linear: false, causal: false };
  requireKeys(model, path, ['label'], fail);
  const label = 'label' in model && checkFileSafe(model.label, `${path}.label`, 32, 'label', fail) ? (model.label as string) : undefined;
  for (const key of ['causal', 'rseProjection'] as const) {
    if (key in model && typeof model[key] !== 'boolean') fail(`${path}.${key}`, `expected true or false, found ${describe(model[key])}`);
  }
  const positionOk = 'position' in model ? checkEnum(model.position, `${path}.position`, POSITION_CHOICES, fail) : true;
  if ('randomizePositions' in model && typeof model.randomizePositions !== 'boolean') {
    fail(`${path}.randomizePositions`, `expected true or false, found ${describe(model.randomizePositions)}`);
  } else if (positionOk && model.randomizePositions === true) {
    const position = (model.position as string | undefined) ?? MODEL_DEFAULTS.position;
    if (!(RANDOMIZABLE_POSITIONS as readonly string[]).includes(position) && position !== 'randomized') {
      fail(`${path}.randomizePositions`, `randomized positions need position "sinusoidal" or "rope" (a code defined at every position), found position "${position}"`);
    }
  } else if (positionOk && model.randomizePositions === false && model.position === 'randomized') {
    fail(`${path}.randomizePositions`, `position "randomized" means sinusoidal with randomizePositions true, found false (write position "sinusoidal" for fixed positions)`);
  }
  if ('positionEval' in model) checkEnum(model.positionEval, `${path}.positionEval`, POSITION_EVALS, fail);
  if ('attention' in model) checkEnum(model.attention, `${path}.attention`, ATTENTION_KINDS, fail);
  if ('embedding' in model) checkEnum(model.embedding, `${path}.embedding`, EMBEDDING_KINDS, fail);
  if ('init' in model) checkEnum(model.init, `${path}.init`, INIT_KINDS, fail);
  if ('norm' in model) checkEnum(model.norm, `${path}.norm`, NORM_KINDS, fail);
  const ok: Record<string, boolean> = {};
  for (const [key, rule] of Object.entries(MODEL_RULES)) {
    if (key in model) ok[key] = checkNumber(model[key], `${path}.${key}`, rule, fail);
  }
  if ('lognBase' in model && model.lognBase !== 'train') {
    checkNumber(model.lognBase, `${path}.lognBase`, LOGN_BASE, fail);
  }
  // Cross-field rules, on effective values (defaults filled in), reported where the user can fix them.
  // With embedding 'features' dModel follows from the task (feature width + rseBits): checked when the grid is expanded.
  const features = model.embedding === 'features';
  if (features && 'dModel' in model) fail(`${path}.dModel`, "expected no dModel with embedding 'features' (it is the task's feature width + rseBits)");
  const dModel = ok.dModel === false || features ? undefined : ((model.dModel as number | undefined) ?? MODEL_DEFAULTS.dModel);
  const heads = ok.heads === false ? undefined : ((model.heads as number | undefined) ?? MODEL_DEFAULTS.heads);
  const rseBits = ok.rseBits === false ? 0 : ((model.rseBits as number | undefined) ?? MODEL_DEFAULTS.rseBits);
  const sizesGiven = 'keySize' in model && 'valueSize' in model;
  if (dModel !== undefined && heads !== undefined && !sizesGiven) {
    if (dModel % heads !== 0) {
      fail(`${path}.heads`, `expected a divisor of dModel (${dModel}) unless keySize and valueSize are given, found ${heads}`);
    } else if (model.position === 'rope' && !('keySize' in model) && (dModel / heads) % 2 !== 0) {
      fail(`${path}.heads`, `expected an even head size dModel / heads for 'rope' positions, found ${dModel} / ${heads} = ${dModel / heads}`);
    }
  }
  if (model.position === 'rope' && ok.keySize === true && (model.keySize as number) % 2 !== 0) {
    fail(`${path}.keySize`, `expected an even key size for 'rope' positions, found ${String(model.keySize)}`);
  }
  if (dModel !== undefined && rseBits >= dModel) {
    fail(`${path}.rseBits`, `expected fewer random bits than dModel (${dModel}), found ${rseBits}`);
  }
  if (model.rseProjection === true && rseBits === 0) fail(`${path}.rseProjection`, 'expected rseBits > 0 for a seed projection, found rseBits 0');
  if (ok.maxLen === true && ok.positionRange === true && (model.positionRange as number) < (model.maxLen as number)) {
    fail(`${path}.positionRange`, `expected at least maxLen (${String(model.maxLen)}), found ${String(model.positionRange)}`);
  }
  let narCheckpoint: string | undefined;
  if ('nar' in model) {
    const layers = ok.layers === false ? undefined : ((model.layers as number | undefined) ?? MODEL_DEFAULTS.layers);
    narCheckpoint = checkNar(model.nar, `${path}.nar`, layers, fail);
  }
  return { label, rseBits, linear: model.attention === 'linear', causal: typeof model.causal === 'boolean' ? model.causal : MODEL_DEFAULTS.causal, ...(narCheckpoint !== undefined ? { narCheckpoint } : {}) };
}

/** Checks one optimizer; returns its effective label (label or name) if valid. */
function checkOptimizer(value: unknown, path: string, fail: Fail): string | undefined {
  // 'accumulate' (Tiger's own, before accumulation applied to every optimizer) gets its own message below.
  const opt = checkObject(value, path, 'an optimizer object', [...SPEC_PROPERTIES.optimizer, 'accumulate'], fail);
  if (!opt) return undefined;
  requireKeys(opt, path, ['name', 'lr'], fail);
  if ('accumulate' in opt) {
    fail(`${path}.accumulate`, 'gradient accumulation is set for every optimizer as train.accumulate (micro-batches per update), not per optimizer; move it there');
  }
  const name = 'name' in opt && checkEnum(opt.name, `${path}.name`, OPTIMIZER_NAMES, fail) ? (opt.name as OptimizerName) : undefined;
  if (name) {
    const own = OPTIMIZER_FIELDS[name];
    for (const key of Object.keys(opt)) {
      const isHyper = key in OPTIMIZER_RULES;
      if (isHyper && !own.includes(key)) {
        fail(`${path}.${key}`, `"${key}" does not apply to ${name} (it takes lr, weightDecay${own.map((k) => `, ${k}`).join('')})`);
      }
    }
  }
  let label: string | undefined = name;
  if ('label' in opt) label = checkFileSafe(opt.label, `${path}.label`, 32, 'label', fail) ? (opt.label as string) : undefined;
  if ('lr' in opt) checkNumberOrList(opt.lr, `${path}.lr`, LR, fail);
  if ('weightDecay' in opt) checkNumberOrList(opt.weightDecay, `${path}.weightDecay`, WEIGHT_DECAY, fail);
  for (const [key, rule] of Object.entries(OPTIMIZER_RULES)) {
    if (key in opt) checkNumber(opt[key], `${path}.${key}`, rule, fail);
  }
  return label;
}

function checkTrain(value: unknown, path: string, fail: Fail): void {
  const train = checkObject(value, path, 'an object of training settings', SPEC_PROPERTIES.train, fail);
  if (!train) return;
  const ok: Record<string, boolean> = {};
  for (const [key, rule] of Object.entries(TRAIN_RULES)) {
    if (key in train) ok[key] = checkNumber(train[key], `${path}.${key}`, rule, fail);
  }
  if ('q' in train) checkNumberOrList(train.q, `${path}.q`, Q, fail);
  // A list of batch sizes or of accumulation counts expands the grid; two lists are paired, so equal lengths.
  if ('batchSize' in train) checkNumberOrList(train.batchSize, `${path}.batchSize`, BATCH_SIZE, fail, { distinct: false });
  if ('accumulate' in train) checkNumberOrList(train.accumulate, `${path}.accumulate`, ACCUMULATE, fail, { distinct: false });
  if (Array.isArray(train.batchSize) && Array.isArray(train.accumulate)) {
    if (train.batchSize.length !== train.accumulate.length) {
      fail(
        `${path}.accumulate`,
        `expected a list as long as train.batchSize (${train.batchSize.length} entries; the two lists are paired entry by entry), found ${train.accumulate.length} entries`,
      );
    } else {
      checkDistinct(train.batchSize.map((b, i) => [b, (train.accumulate as unknown[])[i]]), `${path}.accumulate`, fail, 'distinct (batchSize, accumulate) pairs');
    }
  } else if (Array.isArray(train.batchSize)) {
    checkDistinct(train.batchSize, `${path}.batchSize`, fail);
  } else if (Array.isArray(train.accumulate)) {
    checkDistinct(train.accumulate, `${path}.accumulate`, fail);
  }
  const steps = ok.steps === false ? undefined : ((train.steps as number | undefined) ?? TRAIN_DEFAULTS.steps);
  if ('schedule' in train) checkSchedule(train.schedule, `${path}.schedule`, steps, fail);
}

function checkSchedule(value: unknown, path: string, steps: number | undefined, fail: Fail): void {
  if (!isObject(value)) {
    fail(path, `expected a schedule object like {"kind": "constant"}, found ${describe(value)}`);
    return;
  }
  if (!('kind' in value)) {
    fail(`${path}.kind`, `required property is missing; expected one of ${quoteList(Object.keys(SCHEDULE_PROPERTIES))}`);
    return;
  }
  if (!checkEnum(value.kind, `${path}.kind`, Object.keys(SCHEDULE_PROPERTIES) as ScheduleKind[], fail)) return;
  const kind = value.kind as ScheduleKind;
  checkObject(value, path, 'a schedule object', SCHEDULE_PROPERTIES[kind], fail);
  requireKeys(value, path, SCHEDULE_PROPERTIES[kind], fail);
  if (kind === 'warmup-cosine') {
    if ('warmupSteps' in value && checkNumber(value.warmupSteps, `${path}.warmupSteps`, NON_NEGATIVE_INT, fail)) {
      if (steps !== undefined && (value.warmupSteps as number) > steps) {
        fail(`${path}.warmupSteps`, `expected at most train.steps (${steps}), found ${String(value.warmupSteps)}`);
      }
    }
    if ('minFactor' in value) {
      checkNumber(value.minFactor, `${path}.minFactor`, { integer: false, min: 0, max: 1, expected: 'a number from 0 to 1' }, fail);
    }
  } else if (kind === 'piecewise' && 'points' in value) {
    const points = checkObject(value.points, `${path}.points`, 'an object of {"step": factor} points', null, fail);
    if (!points) return;
    const entries = Object.entries(points);
    if (entries.length === 0) fail(`${path}.points`, 'expected at least one {"step": factor} point, found an empty object');
    for (const [key, factor] of entries) {
      if (!STEP_KEY.test(key)) {
        fail(`${path}.points${pathKey(key)}`, `expected a step number (an integer ≥ 0 written without sign or leading zeros) as key, found ${JSON.stringify(key)}`);
      } else {
        checkNumber(factor, `${path}.points${pathKey(key)}`, { integer: false, min: 0, expected: 'a factor ≥ 0' }, fail);
      }
    }
  }
}

// ---- generic checks ------------------------------------------------------------------------

/** Names of Object.prototype's members (`__proto__`, `constructor`, `toString`, …): never valid keys. */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Returns the value as an object if it is one; reports unknown properties unless `allowed` is null. */
function checkObject(value: unknown, path: string, expected: string, allowed: readonly string[] | null, fail: Fail): Obj | undefined {
  if (!isObject(value)) {
    fail(path, `expected ${expected}, found ${describe(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_NAMES.has(key)) fail(`${path}${pathKey(key)}`, `"${key}" cannot be used as a name (it is a built-in property of every JavaScript object)`);
  }
  if (allowed) {
    for (const key of Object.keys(value)) {
      if (PROTOTYPE_NAMES.has(key)) continue;
      if (allowed.includes(key)) continue;
      const near = closest(key, allowed);
      fail(`${path}${pathKey(key)}`, `unknown property "${key}"${near ? ` (did you mean "${near}"?)` : ''}`);
    }
  }
  return value;
}

function requireKeys(value: Obj, path: string, keys: readonly string[], fail: Fail): void {
  for (const key of keys) if (!(key in value)) fail(`${path}${pathKey(key)}`, 'required property is missing');
}

function checkList(value: unknown, path: string, expected: string, fail: Fail): unknown[] | undefined {
  if (!Array.isArray(value)) {
    fail(path, `expected ${expected}, found ${describe(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    fail(path, `expected ${expected} with at least one entry, found an empty list`);
    return undefined;
  }
  return value;
}

/** Calls `each` for every item of a required non-empty list (missing lists are reported by requireKeys). */
function forEachItem(value: unknown, path: string, expected: string, fail: Fail, each: (item: unknown, path: string) => void): void {
  if (value === undefined) return;
  checkList(value, path, expected, fail)?.forEach((item, i) => each(item, `${path}[${i}]`));
}

function checkNumber(value: unknown, path: string, rule: NumberRule, fail: Fail): boolean {
  if (!numberFits(value, rule)) {
    fail(path, `expected ${rule.expected}, found ${describe(value)}`);
    return false;
  }
  return true;
}

function numberFits(value: unknown, rule: NumberRule): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) return false;
  if (rule.max !== undefined && (rule.exclusiveMax ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/**
 * A number, or a non-empty list of numbers, each following `rule` (a list expands the grid);
 * the list's entries distinct unless `distinct` is false (the caller checks them otherwise).
 */
function checkNumberOrList(value: unknown, path: string, rule: NumberRule, fail: Fail, options: { distinct: boolean } = { distinct: true }): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      fail(path, `expected ${rule.expected} or a non-empty list of them, found an empty list`);
      return;
    }
    value.forEach((v, i) => checkNumber(v, `${path}[${i}]`, rule, fail));
    if (options.distinct) checkDistinct(value, path, fail);
  } else if (typeof value !== 'number') {
    fail(path, `expected ${rule.expected} or a list of them, found ${describe(value)}`);
  } else {
    checkNumber(value, path, rule, fail);
  }
}

function checkEnum<T extends string>(value: unknown, path: string, allowed: readonly T[], fail: Fail): value is T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return true;
  const near = typeof value === 'string' ? closest(value, allowed) : undefined;
  fail(path, `expected one of ${quoteList(allowed)}, found ${describe(value)}${near ? ` (did you mean "${near}"?)` : ''}`);
  return false;
}

function checkFileSafe(value: unknown, path: string, maxLength: number, what: string, fail: Fail): boolean {
  if (typeof value === 'string' && FILE_SAFE.test(value) && value.length <= maxLength) return true;
  fail(
    path,
    `expected a file-name safe ${what} (letters, digits, ".", "_" and "-", starting with a letter or digit, at most ${maxLength} characters), found ${describe(value)}`,
  );
  return false;
}

function checkDistinct(list: readonly unknown[], path: string, fail: Fail, what = 'distinct values'): void {
  const seen = new Map<string, number>();
  list.forEach((v, i) => {
    const key = JSON.stringify(v);
    const first = seen.get(key);
    if (first !== undefined) fail(`${path}[${i}]`, `expected ${what}, found ${Array.isArray(v) ? JSON.stringify(v) : describe(v)} again (also at index ${first})`);
    else seen.set(key, i);
  });
}

function checkUniqueLabels(labels: readonly (string | undefined)[], path: string, field: string, fail: Fail): void {
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    if (label === undefined) return;
    const first = seen.get(label);
    if (first !== undefined) {
      fail(`${path}[${i}].${field}`, `expected a ${field} unique in ${path}, found "${label}" again (also at index ${first}); add or change "${field}"`);
    } else seen.set(label, i);
  });
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a found value is shown in a message: strings quoted, containers by kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function quoteList(items: readonly string[]): string {
  return items.map((s) => `"${s}"`).join(', ');
}

/** `.key` for identifier-like keys, `["key"]` otherwise. */
function pathKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The candidate nearest to `word` by edit distance (case-insensitive), if close enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  // A word that extends or shortens a candidate ("sorting", "adam") is a typo of it.
  const affix = candidates.find((c) => c.length >= 3 && lower.length >= 3 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lower)));
  if (affix) return affix;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
