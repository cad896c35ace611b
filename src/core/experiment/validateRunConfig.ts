/**
 * Checks a RunConfig read back from a file (run.json's `config`, a checkpoint's `runConfig`)
 * before anything is built from it: the same rules as an experiment spec (validateSpec, applied
 * to the one-run spec the config is a point of), plus the fields the grid resolved (vocabulary,
 * maxLen, trainLength), the task's own needs, and the resource budget. A damaged or absurd config
 * (steps 1e12, dModel 100000, layers −3) is refused with the JSON path, never trained on.
 */
import type { ModelConfig, RunConfig } from '../../protocol/config';
import type { ExperimentSpec } from '../../protocol/spec';
import { DEFAULT_LIMITS, allowLargeFromEnv, estimateParameters, runBudgetProblem } from './budget';
import { taskShape } from './grid';
import { validateSpec } from './validateSpec';
import { NAR_ALGORITHMS } from '../../protocol/nar';
import { CLRS_TASKS } from '../tasks/clrs/clrsTask';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first problem of `value` as a RunConfig (`$.model.dModel: expected …`), or null. */
export function runConfigProblem(value: unknown, options: { allowLarge?: boolean } = {}): string | null {
  if (!isObject(value)) return '$: expected a run configuration object';
  const c = value;
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(c.id)) return '$.id: expected a file-name safe run id';
  for (const k of ['task', 'model', 'optimizer', 'train']) if (!isObject(c[k])) return `$.${k}: expected an object`;
  const task = c.task as Record<string, unknown>;
  const model = c.model as Record<string, unknown>;
  const { accumulate: legacyAccumulate, ...optimizer } = c.optimizer as Record<string, unknown>;
  const train = c.train as Record<string, unknown>;
  // Run folders written before gradient accumulation became train.accumulate carry Tiger's own
  // `accumulate` (1 by default, written out): 1 means what no field means now; any other k
  // counted optimizer calls, not micro-batches of a step, so such a run cannot go on as it began.
  if (legacyAccumulate !== undefined && legacyAccumulate !== 1) {
    return `$.optimizer.accumulate: ${JSON.stringify(legacyAccumulate)} is Tiger's accumulation as older versions counted it (one optimizer call per step); it is train.accumulate now (micro-batches per step), so this run cannot be resumed with the same meaning`;
  }
  // The NAR link is checked on its own: its file is relative to the run folder, read when the run starts.
  const { vocabSize, trainLength, attentionScaling, nar, ...modelFields } = model;
  const spec = {
    name: 'run',
    tasks: [{ name: task.name, trainLengths: task.trainLengths, evalLengths: task.evalLengths, options: task.options }],
    models: [{ label: 'model', ...modelFields }],
    attentionScalings: [attentionScaling],
    optimizers: [optimizer],
    seeds: [c.seed],
    train,
  };
  const checked = validateSpec(spec);
  if (!checked.ok) {
    const e = checked.errors[0] as { path: string; message: string };
    const where = e.path
      .replace(/^\$\.tasks\[0\]/, '$.task')
      .replace(/^\$\.models\[0\]/, '$.model')
      .replace(/^\$\.optimizers\[0\]/, '$.optimizer')
      .replace(/^\$\.seeds\[0\]/, '$.seed')
      .replace(/^\$\.attentionScalings\[0\]/, '$.model.attentionScaling');
    return `${where}: ${e.message}${checked.errors.length > 1 ? ` (and ${checked.errors.length - 1} more)` : ''}`;
  }
  const narProblem = narLinkProblem(nar, (modelFields.layers as number | undefined) ?? 2, task.name);
  if (narProblem) return narProblem;
  const s = checked.spec as ExperimentSpec;
  let shape: ReturnType<typeof taskShape>;
  try {
    const t = s.tasks[0] as ExperimentSpec['tasks'][number];
    shape = taskShape({ name: t.name, trainLengths: t.trainLengths, evalLengths: t.evalLengths ?? t.trainLengths, options: t.options ?? {} }, model.causal !== false);
  } catch (err) {
    return `$.task: ${(err as Error).message}`;
  }
  if (vocabSize !== shape.vocabSize) return `$.model.vocabSize: expected ${shape.vocabSize} (the task's vocabulary), found ${String(vocabSize)}`;
  if (typeof model.maxLen !== 'number' || model.maxLen < shape.maxLen) {
    return `$.model.maxLen: expected at least ${shape.maxLen} (the task's longest sequence), found ${String(model.maxLen)}`;
  }
  if (trainLength !== shape.trainLength) return `$.model.trainLength: expected ${shape.trainLength} (the longest training sequence), found ${String(trainLength)}`;
  for (const k of ['steps', 'batchSize', 'evalEvery', 'evalExamples', 'logEvery', 'checkpointEvery', 'q', 'seedsPerInput', 'gradClip']) {
    if (typeof train[k] !== 'number') return `$.train.${k}: expected a number, found ${train[k] === undefined ? 'nothing' : JSON.stringify(train[k])}`;
  }
  if (!isObject(train.schedule)) return '$.train.schedule: expected a schedule object';
  if (!(options.allowLarge ?? allowLargeFromEnv())) {
    const budget = runBudgetProblem(value as unknown as RunConfig);
    if (budget) return `$: ${budget}`;
  }
  return null;
}

const MODEL_LIMITS: Record<string, [number, number]> = {
  layers: [1, 64],
  dModel: [1, 4096],
  heads: [1, 256],
  dFf: [1, 16384],
  vocabSize: [1, 1_000_000],
  maxLen: [1, 65536],
  positionRange: [1, 1_048_576],
  rseBits: [0, 4096],
  trainLength: [1, 65536],
};

/**
 * The first problem of a model config read from a file (a checkpoint's metadata), or null: the
 * sizes a model is built from must be integers in the schema's ranges and within the parameter
 * budget — checked before any tensor is allocated.
 */
export function modelConfigProblem(value: unknown, options: { allowLarge?: boolean } = {}): string | null {
  if (!isObject(value)) return '$.model: expected an object';
  for (const [k, [lo, hi]] of Object.entries(MODEL_LIMITS)) {
    const v = value[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return `$.model.${k}: expected an integer from ${lo} to ${hi}, found ${JSON.stringify(v) ?? 'nothing'}`;
  }
  if ((value.dModel as number) % (value.heads as number) !== 0) return `$.model.heads: expected a divisor of dModel (${String(value.dModel)}), found ${String(value.heads)}`;
  if (!(options.allowLarge ?? allowLargeFromEnv())) {
    const params = estimateParameters(value as unknown as ModelConfig);
    if (params > DEFAULT_LIMITS.parameters) {
      return `$.model: about ${params.toLocaleString('en-US')} parameters, above the limit of ${DEFAULT_LIMITS.parameters.toLocaleString('en-US')} (pass --allow-large or set ATTENTION_LAB_ALLOW_LARGE=1 to load it anyway)`;
    }
  }
  return null;
}

/** The first problem of a run config's `model.nar` (a NarLink or null; absent in configs written before TransNAR), or null. */
function narLinkProblem(value: unknown, layers: number, taskName: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) return '$.model.nar: expected a NAR link object or null';
  if (typeof value.checkpoint !== 'string' || value.checkpoint === '') return '$.model.nar.checkpoint: expected the path of a NAR checkpoint';
  const l = value.layers;
  if (!Array.isArray(l) || l.length === 0 || l.some((x) => !(Number.isInteger(x) && x >= 0 && x < layers)) || new Set(l).size !== l.length) {
    return `$.model.nar.layers: expected distinct block indices from 0 to ${layers - 1}, found ${JSON.stringify(l)}`;
  }
  if (!(NAR_ALGORITHMS as readonly unknown[]).includes(value.algorithm)) return `$.model.nar.algorithm: expected one of ${NAR_ALGORITHMS.join(', ')}, found ${JSON.stringify(value.algorithm)}`;
  const clrs = (CLRS_TASKS as Record<string, string>)[String(taskName)];
  if (clrs !== value.algorithm) return `$.model.nar.algorithm: task "${String(taskName)}" needs a NAR for ${clrs ?? 'a CLRS-Text task'}, found ${String(value.algorithm)}`;
  if (!(Number.isInteger(value.hidden) && (value.hidden as number) >= 1 && (value.hidden as number) <= 1024)) return `$.model.nar.hidden: expected an integer from 1 to 1024, found ${JSON.stringify(value.hidden)}`;
  const source = value.source;
  if (!isObject(source) || !((source.kind === 'file' && typeof source.path === 'string') || (source.kind === 'pretrain' && isObject(source.train)))) {
    return '$.model.nar.source: expected {"kind": "file", "path": …} or {"kind": "pretrain", "train": {…}}';
  }
  return null;
}
