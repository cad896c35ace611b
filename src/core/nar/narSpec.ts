/**
 * From a spec's `nar` and `narPretraining` to the NarLink a run config holds (docs/spec.md): the
 * pretraining defaults, and where an experiment keeps its copy of each NAR. No tf.
 *
 * An experiment keeps every NAR it uses in its own `nar/` folder: `nar/<task>.safetensors` for the
 * one it pretrains per task entry (shared by every "pretrain" model of that task), and
 * `nar/<task>-<model label>.safetensors` for a copy of a file a model names. A run folder links to
 * `../nar/…`, so a run can be resumed or analysed even if the original file moves.
 */
import * as path from 'node:path';
import type { TaskConfig } from '../../protocol/config';
import type { NarLink, NarPretrainSpec, NarSpec, NarTrainConfig } from '../../protocol/nar';
import { NAR_PRETRAIN } from '../../protocol/nar';
import { NAR_DIR } from '../../protocol/runFolder';
import { CLRS_TASKS, isClrsTask } from '../tasks/clrs/clrsTask';
import { createTask } from '../tasks';
import { readNarHeaderSync } from './narHeader';


/** Pretraining settings a spec may leave out (trainLengths default to the task's). */
export const NAR_PRETRAIN_DEFAULTS = {
  hidden: 64,
  steps: 500,
  batchSize: 32,
  lr: 3e-3,
  hintWeight: 1,
  seed: 1,
} as const satisfies Partial<NarTrainConfig>;

/** The complete pretraining config of a task entry: graphs drawn as the task draws them (its options), evaluated at its evaluation sizes. */
export function resolveNarTrainConfig(pre: NarPretrainSpec | undefined, task: TaskConfig): NarTrainConfig {
  const p = pre ?? {};
  return {
    hidden: p.hidden ?? NAR_PRETRAIN_DEFAULTS.hidden,
    steps: p.steps ?? NAR_PRETRAIN_DEFAULTS.steps,
    batchSize: p.batchSize ?? NAR_PRETRAIN_DEFAULTS.batchSize,
    lr: p.lr ?? NAR_PRETRAIN_DEFAULTS.lr,
    trainLengths: [...(p.trainLengths ?? task.trainLengths)],
    evalLengths: [...task.evalLengths],
    hintWeight: p.hintWeight ?? NAR_PRETRAIN_DEFAULTS.hintWeight,
    seed: p.seed ?? NAR_PRETRAIN_DEFAULTS.seed,
    taskOptions: { ...createTask(task).options },
  };
}

/**
 * The run config's link for a model's `nar` on one task entry (`taskPart`: the task's part of the
 * run ids). A named file's header is read (and must fit the task's algorithm); throws a one-line
 * Error otherwise. Relative file paths are read from the working folder (a spec file's own are made
 * absolute when it is parsed).
 */
export function resolveNarLink(nar: NarSpec, label: string, task: TaskConfig, taskPart: string, pre: NarPretrainSpec | undefined): NarLink {
  if (!isClrsTask(task.name)) throw new Error(`a NAR reads the graph of a CLRS-Text task (${Object.keys(CLRS_TASKS).join(', ')}), not "${task.name}"`);
  const algorithm = CLRS_TASKS[task.name];
  const layers = [...nar.layers].sort((a, b) => a - b);
  if (nar.checkpoint === NAR_PRETRAIN) {
    const train = resolveNarTrainConfig(pre, task);
    return { checkpoint: path.join('..', NAR_DIR, `${taskPart}.safetensors`), layers, algorithm, hidden: train.hidden, source: { kind: 'pretrain', train } };
  }
  const file = path.resolve(nar.checkpoint);
  const header = readNarHeaderSync(file);
  if (header.nar.algorithm !== algorithm) {
    throw new Error(`${file} is a NAR for ${header.nar.algorithm}; task "${task.name}" needs one for ${algorithm}`);
  }
  return {
    checkpoint: path.join('..', NAR_DIR, `${taskPart}-${label}.safetensors`),
    layers,
    algorithm,
    hidden: header.nar.hidden,
    source: { kind: 'file', path: file },
  };
}
