/**
 * The one way every front end turns "a preset or a spec file, with options" into the checked
 * spec of an experiment: the CLI's `run`, the extension's backend (`experiment/run`). Options
 * apply before the check, so `--steps` rescales the step-based settings (withSteps.ts) and the
 * result is validated as a whole. A problem is one error naming the JSON path of each problem.
 */
import type { ExperimentSpec, SpecSource } from '../../protocol/spec';
import { PRESETS } from './presets';
import { parseSpecFile, validateSpec } from './validateSpec';
import { withSteps } from './withSteps';

export type { SpecSource };

export interface SpecOptions {
  /** Train every run this many steps (step-based settings scaled to fit); null or absent: the spec's own. */
  steps?: number | null;
}

/** A preset name that is not one of the built-in presets. */
export class UnknownPresetError extends Error {
  override name = 'UnknownPresetError';
  constructor(readonly preset: string) {
    super(`unknown preset "${preset}"; available: ${Object.keys(PRESETS).join(', ')}`);
  }
}

/** A spec that is not valid after the options applied: `$.path: message` for each problem, `; `-separated. */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
}

/** The spec as written (a copy of a preset's, or the file's parsed JSON); not checked yet. */
export function loadSpec(source: SpecSource): ExperimentSpec {
  if (source.kind === 'file') return parseSpecFile(source.path);
  const preset = Object.hasOwn(PRESETS, source.name) ? PRESETS[source.name] : undefined;
  if (!preset) throw new UnknownPresetError(source.name);
  return structuredClone(preset.spec);
}

/** Loads, applies the options and checks: the spec an experiment runs. */
export function resolveSpec(source: SpecSource, options: SpecOptions = {}): ExperimentSpec {
  const spec = loadSpec(source);
  if (options.steps !== undefined && options.steps !== null) spec.train = withSteps(spec.train ?? {}, options.steps);
  const checked = validateSpec(spec);
  if (!checked.ok) throw new InvalidSpecError(checked.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return checked.spec;
}
