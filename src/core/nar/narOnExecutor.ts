/**
 * Which NARs a scheduler can use. A local pool pretrains a "pretrain" NAR once, in one of its
 * workers, before the runs that read it (src/engine/experiment/runner.ts). A scheduler's array has
 * no such step: each task trains one run, so every TransNAR task would pretrain the same NAR at once
 * and race to write it. Such specs are refused before anything is written; a NAR checkpoint file
 * named in the spec works everywhere (each task copies it into the experiment's `nar/` folder).
 */
import { NAR_PRETRAIN } from '../../protocol/nar';
import type { ExperimentSpec } from '../../protocol/spec';

/** One line naming the first model whose NAR `kind` cannot provide, or null. */
export function narOnExecutorProblem(spec: ExperimentSpec, kind: 'local' | 'slurm'): string | null {
  if (kind === 'local') return null;
  const i = spec.models.findIndex((m) => m.nar?.checkpoint === NAR_PRETRAIN);
  if (i < 0) return null;
  return `$.models[${i}].nar.checkpoint: "${NAR_PRETRAIN}" is not supported with --on ${kind} (each array task would pretrain the NAR itself); name a NAR checkpoint file instead, e.g. nar/<task>.safetensors of a local run`;
}
