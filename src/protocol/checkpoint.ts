/**
 * The Attention Lab checkpoint: a safetensors file (run folder: `checkpoints/step-<N>.safetensors`)
 * holding
 *   - each model parameter under its ModelParam name (`blocks.0.attn.qkv.kernel`), F32;
 *   - each optimizer state tensor under `optimizer/<slot>` (`optimizer/blocks.0.attn.qkv.kernel/m`),
 *     F32, or I32 for integer state;
 *   - in `__metadata__` (strings only, as the format requires) the keys of CheckpointMetadata,
 *     objects JSON-encoded. Like nanoGPT's checkpoint dictionary: enough to resume a run
 *     (config, step, optimizer state) and to tell what produced the file.
 */
import type { BackendName } from './backend';
import { OPTIMIZER_NAMES, upgradeRunConfig, type OptimizerName, type RunConfig } from './config';

export const CHECKPOINT_FORMAT = 'attention-lab-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = '1';
/** Prefix of optimizer state tensor names; a model parameter name never starts with it. */
export const OPTIMIZER_TENSOR_PREFIX = 'optimizer/';

/** The `__metadata__` keys, in the order they are written. */
export const CHECKPOINT_METADATA_KEYS = ['format', 'formatVersion', 'runConfig', 'step', 'optimizer', 'backend', 'createdAt', 'versions'] as const;
export type CheckpointMetadataKey = (typeof CHECKPOINT_METADATA_KEYS)[number];

const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface CheckpointMetadata {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: typeof CHECKPOINT_FORMAT_VERSION;
  /** The run's whole configuration: model, task, optimizer and its hyper-parameters, training, seed. */
  runConfig: RunConfig;
  /** Optimizer steps taken when the checkpoint was written. */
  step: number;
  /** Same as runConfig.optimizer.name; a top-level key so tools can read it without parsing the config. */
  optimizer: OptimizerName;
  backend: BackendName;
  /** ISO 8601 time of writing. */
  createdAt: string;
  /** Versions of what wrote the file, e.g. { 'attention-lab': '0.1.0', 'tfjs-core': '4.22.0' }. */
  versions: Record<string, string>;
}

/** A file that is not an Attention Lab checkpoint, or one that does not fit the model it is loaded into. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function optimizerTensorName(slot: string): string {
  return OPTIMIZER_TENSOR_PREFIX + slot;
}

export function isOptimizerTensorName(name: string): boolean {
  return name.startsWith(OPTIMIZER_TENSOR_PREFIX);
}

/** The `__metadata__` string map of a checkpoint. */
export function encodeCheckpointMetadata(meta: CheckpointMetadata): Record<string, string> {
  return {
    format: meta.format,
    formatVersion: meta.formatVersion,
    runConfig: JSON.stringify(meta.runConfig),
    step: String(meta.step),
    optimizer: meta.optimizer,
    backend: meta.backend,
    createdAt: meta.createdAt,
    versions: JSON.stringify(meta.versions),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and checks a checkpoint's `__metadata__`. `source` (the file name) starts every error
 * message. Throws a CheckpointError that says plainly when the file is some other safetensors file.
 */
export function decodeCheckpointMetadata(raw: Readonly<Record<string, string>>, source = 'checkpoint'): CheckpointMetadata {
  const fail = (detail: string): never => {
    throw new CheckpointError(`${source}: ${detail}`);
  };
  if (raw.format !== CHECKPOINT_FORMAT) {
    fail(
      raw.format === undefined
        ? `not an Attention Lab checkpoint (its metadata has no "format" key${Object.keys(raw).length === 0 ? ' — it has no metadata at all' : ''})`
        : `not an Attention Lab checkpoint (metadata format is ${JSON.stringify(raw.format)}, expected ${JSON.stringify(CHECKPOINT_FORMAT)})`,
    );
  }
  if (raw.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(`checkpoint format version ${JSON.stringify(raw.formatVersion ?? null)} is not supported (this version reads ${CHECKPOINT_FORMAT_VERSION}); was it written by a newer Attention Lab?`);
  }
  for (const key of CHECKPOINT_METADATA_KEYS) {
    if (typeof raw[key] !== 'string') fail(`metadata key "${key}" is missing`);
  }
  const get = (key: CheckpointMetadataKey): string => raw[key] as string;

  let runConfig: unknown;
  try {
    runConfig = JSON.parse(get('runConfig'));
  } catch (err) {
    return fail(`metadata "runConfig" is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(runConfig)) return fail('metadata "runConfig" must be a JSON object');
  if (typeof runConfig.id !== 'string') fail('metadata "runConfig" has no string "id"');
  for (const part of ['task', 'model', 'optimizer', 'train'] as const) {
    if (!isObject(runConfig[part])) fail(`metadata "runConfig" has no "${part}" object`);
  }
  if (typeof runConfig.seed !== 'number') fail('metadata "runConfig" has no numeric "seed"');

  const stepText = get('step');
  const step = Number(stepText);
  if (!/^\d+$/.test(stepText) || !Number.isSafeInteger(step)) fail(`metadata "step" must be a non-negative integer, got ${JSON.stringify(stepText)}`);

  const optimizer = get('optimizer');
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(optimizer)) {
    fail(`metadata "optimizer" ${JSON.stringify(optimizer)} is not one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const configOptimizer = (runConfig.optimizer as Record<string, unknown>).name;
  if (configOptimizer !== optimizer) {
    fail(`metadata "optimizer" is ${JSON.stringify(optimizer)} but runConfig.optimizer.name is ${JSON.stringify(configOptimizer)}`);
  }

  const backend = get('backend');
  if (!(BACKEND_NAMES as readonly string[]).includes(backend)) fail(`metadata "backend" ${JSON.stringify(backend)} is not one of ${BACKEND_NAMES.join(', ')}`);

  const createdAt = get('createdAt');
  if (Number.isNaN(Date.parse(createdAt))) fail(`metadata "createdAt" ${JSON.stringify(createdAt)} is not a date`);

  let versions: unknown;
  try {
    versions = JSON.parse(get('versions'));
  } catch {
    return fail('metadata "versions" is not valid JSON');
  }
  if (!isObject(versions) || Object.values(versions).some((v) => typeof v !== 'string')) {
    fail('metadata "versions" must be a JSON object of strings');
  }

  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    // A checkpoint written before a model field existed reads as what it ran (upgradeModelConfig).
    runConfig: upgradeRunConfig(runConfig as unknown as RunConfig),
    step,
    optimizer: optimizer as OptimizerName,
    backend: backend as BackendName,
    createdAt,
    versions: versions as Record<string, string>,
  };
}

/** Metadata for a checkpoint of `runConfig` after `step` steps; `versions` as recorded in run.json. */
export function makeCheckpointMetadata(
  runConfig: RunConfig,
  step: number,
  backend: BackendName,
  versions: Record<string, string>,
  createdAt: Date = new Date(),
): CheckpointMetadata {
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    runConfig,
    step,
    optimizer: runConfig.optimizer.name,
    backend,
    createdAt: createdAt.toISOString(),
    versions,
  };
}
