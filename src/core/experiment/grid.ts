/**
 * Expands an experiment spec into its runs: tasks × models × attention scalings × optimizers
 * (× each value of a list-valued lr, weightDecay) × batch settings (list-valued batchSize and/or
 * accumulate; two lists are paired entry by entry) × q values × seeds, in that nesting order
 * (seeds innermost), so the same spec always gives the same runs in the same order.
 *
 * Run ids are `<task>-<model>-<scaling>-<optimizer>[-lr<x>][-wd<x>][-b<x>][-k<x>][-q<x>]-s<seed>`, e.g.
 * `sort-small-logn-lion-lr1e-4-wd0.1-s1`. lr / wd / b / k / q appear only when that entry gives a list
 * (the only case where they distinguish runs), so adding a model or an optimizer to a spec
 * does not rename the runs that were already there. Every part is file-name safe.
 */
import type { ModelConfig, RunConfig, TaskConfig } from '../../protocol/config';
import type { NarLink } from '../../protocol/nar';
import { resolveNarLink } from '../nar/narSpec';
import type { ExperimentSpec, TaskSpec } from '../../protocol/spec';
import { createTask } from '../tasks';
import { sequenceLength } from '../tasks/layout';
import type { TaskShape } from './defaults';
import { resolveModelConfig, resolveOptimizerConfig, resolveTrainConfig } from './defaults';
import { formatSpecErrors, validateSpec } from './validateSpec';

/** The task's vocabulary size and sequence lengths (tokens) for a causal or bidirectional model. */
export function taskShape(config: TaskConfig, causal: boolean): TaskShape {
  const task = createTask(config);
  const tokens = (n: number): number => sequenceLength(task, n, causal);
  return {
    vocabSize: task.vocab.length,
    maxLen: Math.max(...config.trainLengths.map(tokens), ...config.evalLengths.map(tokens)),
    trainLength: Math.max(...config.trainLengths.map(tokens)),
    featureWidth: task.inputFeatures ? task.inputFeatures().width : null,
  };
}

/** The TaskConfig of a task entry: evalLengths default to the train lengths, options to none. */
export function resolveTaskConfig(spec: TaskSpec): TaskConfig {
  return {
    name: spec.name,
    trainLengths: [...spec.trainLengths],
    evalLengths: [...(spec.evalLengths ?? spec.trainLengths)],
    options: { ...(spec.options ?? {}) },
  };
}

/** The number of runs a spec expands to, without resolving any task. */
export function gridSize(spec: ExperimentSpec): number {
  const perOptimizer = spec.optimizers.reduce((sum, o) => sum + listOf(o.lr).length * Math.max(1, listOf(o.weightDecay).length), 0);
  const qs = Math.max(1, listOf(spec.train?.q).length);
  const batching = Math.max(1, listOf(spec.train?.batchSize).length, listOf(spec.train?.accumulate).length);
  return spec.tasks.length * spec.models.length * spec.attentionScalings.length * perOptimizer * batching * qs * spec.seeds.length;
}

/**
 * Every run of the spec, fully resolved (defaults applied, vocabulary and lengths taken from
 * the task). Throws an Error listing the problems if the spec is invalid, or if a model cannot
 * hold a task's sequences (a given maxLen or positionRange too small).
 */
export function expandGrid(spec: ExperimentSpec): RunConfig[] {
  const checked = validateSpec(spec);
  if (!checked.ok) throw new Error(`invalid experiment spec "${String(spec?.name)}":\n${formatSpecErrors(checked.errors)}`);
  const train = resolveTrainConfig(spec.train);
  const qList = listOf(spec.train?.q);
  const qValues = qList.length > 0 ? qList : [train.q];
  const batching = batchSettings(spec, train.batchSize, train.accumulate);
  const taskParts = taskIdParts(spec.tasks);
  const runs: RunConfig[] = [];

  spec.tasks.forEach((taskSpec, ti) => {
    const task = resolveTaskConfig(taskSpec);
    const shapes = new Map<boolean, TaskShape>();
    const shapeFor = (causal: boolean): TaskShape => {
      let shape = shapes.get(causal);
      if (!shape) {
        shape = taskShape(task, causal);
        shapes.set(causal, shape);
      }
      return shape;
    };
    spec.models.forEach((modelSpec, mi) => {
      let shape: TaskShape;
      try {
        shape = shapeFor(modelSpec.causal ?? true);
      } catch (err) {
        throw new Error(`$.tasks[${ti}]: ${(err as Error).message}`);
      }
      let nar: NarLink | null = null;
      try {
        if (modelSpec.nar) nar = resolveNarLink(modelSpec.nar, modelSpec.label, task, taskParts[ti] as string, spec.narPretraining);
      } catch (err) {
        throw new Error(`$.models[${mi}].nar with $.tasks[${ti}] (${task.name}): ${(err as Error).message}`);
      }
      for (const scaling of spec.attentionScalings) {
        let model: ModelConfig;
        try {
          model = { ...resolveModelConfig(modelSpec, scaling, shape), nar };
        } catch (err) {
          throw new Error(`$.models[${mi}] with $.tasks[${ti}] (${task.name}): ${(err as Error).message}`);
        }
        for (const opt of spec.optimizers) {
          const lrs = listOf(opt.lr);
          const wdList = listOf(opt.weightDecay);
          const wds: (number | undefined)[] = wdList.length > 0 ? wdList : [undefined];
          for (const lr of lrs) {
            for (const wd of wds) {
              const optimizer = resolveOptimizerConfig(opt, lr, wd);
              for (const { batchSize, accumulate } of batching) {
                for (const q of qValues) {
                  for (const seed of spec.seeds) {
                    const parts = [taskParts[ti] as string, modelSpec.label, scaling, opt.label ?? opt.name];
                    if (Array.isArray(opt.lr)) parts.push(`lr${formatNumber(lr)}`);
                    if (Array.isArray(opt.weightDecay)) parts.push(`wd${formatNumber(optimizer.weightDecay)}`);
                    if (Array.isArray(spec.train?.batchSize)) parts.push(`b${batchSize}`);
                    if (Array.isArray(spec.train?.accumulate)) parts.push(`k${accumulate}`);
                    if (qList.length > 0 && Array.isArray(spec.train?.q)) parts.push(`q${formatNumber(q)}`);
                    parts.push(`s${seed}`);
                    runs.push({
                      id: parts.join('-'),
                      task: structuredClone(task),
                      model: { ...model, nar: model.nar ? structuredClone(model.nar) : null },
                      optimizer: { ...optimizer },
                      // Every run lays out batchSize × seedsPerInput rows, with or without RSE: runs that
                      // differ only in RSE see the same rows and the same inputs per step (docs/science.md §4).
                      train: { ...train, schedule: structuredClone(train.schedule), batchSize, accumulate, q },
                      seed,
                    });
                  }
                }
              }
            }
          }
        }
      }
    });
  });

  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.id)) throw new Error(`experiment spec "${spec.name}": two runs would share the id "${run.id}"; give the models or optimizers distinct labels`);
    seen.add(run.id);
  }
  return runs;
}

/**
 * The (batchSize, accumulate) settings of the grid: a list of either expands it, two lists are
 * paired entry by entry (validateSpec checks their lengths).
 */
function batchSettings(spec: ExperimentSpec, batchSize: number, accumulate: number): { batchSize: number; accumulate: number }[] {
  const sizes = listOf(spec.train?.batchSize);
  const ks = listOf(spec.train?.accumulate);
  const n = Math.max(1, sizes.length, ks.length);
  return Array.from({ length: n }, (_, i) => ({
    batchSize: sizes.length > 1 ? (sizes[i] as number) : (sizes[0] ?? batchSize),
    accumulate: ks.length > 1 ? (ks[i] as number) : (ks[0] ?? accumulate),
  }));
}

/**
 * The task part of run ids: the task's name, numbered (`recall1`, `recall2`) when several
 * entries share a name.
 */
function taskIdParts(tasks: readonly TaskSpec[]): string[] {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  return tasks.map((t) => {
    if (counts.get(t.name) === 1) return t.name;
    const k = (seen.get(t.name) ?? 0) + 1;
    seen.set(t.name, k);
    return `${t.name}${k}`;
  });
}

/** A value or list of values as a list ([] when absent). */
function listOf(value: number | readonly number[] | undefined): number[] {
  if (value === undefined) return [];
  return typeof value === 'number' ? [value] : [...value];
}

/**
 * The shorter of a number's plain and exponential forms, without '+': 0.0001 → "1e-4",
 * 0.1 → "0.1", 0.01 → "0.01", 3e-4 → "3e-4", 1 → "1". Exact (round-trips), so distinct
 * values never share a form.
 */
export function formatNumber(x: number): string {
  const plain = String(x).replace('+', '');
  const exp = x.toExponential().replace('+', '');
  return exp.length < plain.length ? exp : plain;
}
