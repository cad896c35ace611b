/**
 * A batch of CLRS instances of one size n as the NAR reads them (docs/science.md §5): per input
 * feature a host array in the layout its encoder takes, and per hint and output feature the
 * targets. Every instance of a batch has the same n and the same number of hint states
 * (algorithms.ts pads them), so nothing needs padding.
 *
 *   node scalar / mask      [B, N]     the value per node
 *   node mask_one           [B, N]     one-hot of the chosen node
 *   edge scalar             [B, N, N]  row-major, [b, i, j] = edge i → j
 *   graph scalar            [B]
 *   targets: mask [B, N] 0/1; mask_one [B] node index; pointer [B, N] node index per node
 */
import type { NarAlgorithm } from '../../protocol/nar';
import type { ClrsInstance, FeatureSpec, FeatureValue } from '../tasks/clrs/algorithms';
import { CLRS_SPECS, hintSteps } from '../tasks/clrs/algorithms';

export interface FeatureArray {
  spec: FeatureSpec;
  data: Float32Array;
  shape: number[];
}

export interface GraphBatch {
  algorithm: NarAlgorithm;
  B: number;
  N: number;
  /** Processor steps: hintSteps(algorithm, N). */
  steps: number;
  inputs: FeatureArray[];
  /** hints[t − 1]: targets of the state after step t, t = 1 … steps. */
  hints: FeatureArray[][];
  outputs: FeatureArray[];
}

/** The features of `stage` in spec order. */
export function featuresOf(algorithm: NarAlgorithm, stage: FeatureSpec['stage']): FeatureSpec[] {
  return CLRS_SPECS[algorithm].filter((f) => f.stage === stage);
}

function encodeInput(spec: FeatureSpec, values: readonly FeatureValue[], N: number): FeatureArray {
  const B = values.length;
  if (spec.location === 'graph') {
    return { spec, data: Float32Array.from(values as number[]), shape: [B] };
  }
  if (spec.location === 'edge') {
    const data = new Float32Array(B * N * N);
    values.forEach((v, b) => data.set(v as readonly number[], b * N * N));
    return { spec, data, shape: [B, N, N] };
  }
  const data = new Float32Array(B * N);
  values.forEach((v, b) => {
    if (spec.type === 'mask_one') data[b * N + (v as number)] = 1;
    else data.set(v as readonly number[], b * N);
  });
  return { spec, data, shape: [B, N] };
}

function encodeTarget(spec: FeatureSpec, values: readonly FeatureValue[], N: number): FeatureArray {
  const B = values.length;
  if (spec.type === 'mask_one') return { spec, data: Float32Array.from(values as number[]), shape: [B] };
  const data = new Float32Array(B * N);
  values.forEach((v, b) => data.set(v as readonly number[], b * N));
  return { spec, data, shape: [B, N] };
}

/** The batch of instances (all of one algorithm and one size). */
export function graphBatch(instances: readonly ClrsInstance[]): GraphBatch {
  const first = instances[0];
  if (!first) throw new Error('graphBatch: no instances');
  const { algorithm, n: N } = first;
  for (const [i, inst] of instances.entries()) {
    if (inst.algorithm !== algorithm || inst.n !== N) {
      throw new Error(`graphBatch: instance ${i} is ${inst.algorithm} of size ${inst.n}; the batch is ${algorithm} of size ${N}`);
    }
  }
  const steps = hintSteps(algorithm, N);
  const inputs = featuresOf(algorithm, 'input').map((spec) => encodeInput(spec, instances.map((x) => x.inputs[spec.name] as FeatureValue), N));
  const hints: FeatureArray[][] = [];
  for (let t = 1; t <= steps; t++) {
    hints.push(featuresOf(algorithm, 'hint').map((spec) => encodeTarget(spec, instances.map((x) => (x.hints[t] as Record<string, FeatureValue>)[spec.name] as FeatureValue), N)));
  }
  const outputs = featuresOf(algorithm, 'output').map((spec) => encodeTarget(spec, instances.map((x) => x.outputs[spec.name] as FeatureValue), N));
  return { algorithm, B: instances.length, N, steps, inputs, hints, outputs };
}
