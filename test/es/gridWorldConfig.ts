/** A small grid-world run config for the ES tests (3 × 3, 8 candidates, RSE 4 by default). */
import type { RunConfig } from '../../src/protocol/config';

export function gridRunConfig(overrides: { optimizer?: RunConfig['optimizer']; rseBits?: number; population?: number; train?: Partial<RunConfig['train']>; seed?: number } = {}): RunConfig {
  return {
    id: 'g',
    seed: overrides.seed ?? 5,
    task: { name: 'grid-world', trainLengths: [3], evalLengths: [3], options: { population: overrides.population ?? 8, sigmaMilli: 50 } },
    model: { causal: true, layers: 1, dModel: 16, heads: 2, dFf: 32, attention: 'softmax', keySize: 8, valueSize: 8, embedding: 'learned', init: 'gpt2', norm: 'layer', vocabSize: 13, maxLen: 9, position: 'learned', randomizePositions: false, positionRange: 9, positionEval: 'random', embedScale: 1, attentionScaling: 'standard', lognBase: 512, trainLength: 9, rseBits: overrides.rseBits ?? 4, rseProjection: false, nar: null },
    optimizer: overrides.optimizer ?? { name: 'adamw', lr: 0.03, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    train: { steps: 6, batchSize: 1, accumulate: 1, schedule: { kind: 'constant' }, gradClip: 0, evalEvery: 0, evalExamples: 32, logEvery: 1, checkpointEvery: 0, q: 4, seedsPerInput: 4, qWarmup: 0, ...overrides.train },
  };
}
