import { completeModelConfig } from '../../src/engine/model/transformer';
import type { ModelConfig } from '../../src/protocol/config';

/** A small model config for tests; override what a test is about. keySize and valueSize default to dModel / heads. */
export function smallConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  const base = {
    causal: true,
    layers: 2,
    dModel: 16,
    heads: 2,
    dFf: 32,
    vocabSize: 11,
    maxLen: 12,
    position: 'learned',
    randomizePositions: false,
    positionRange: 64,
    positionEval: 'random',
    embedScale: 1,
    attentionScaling: 'standard',
    lognBase: 512,
    trainLength: 8,
    rseBits: 0,
    attention: 'softmax',
    embedding: 'learned',
    init: 'gpt2',
    norm: 'layer',
    rseProjection: false,
    ...overrides,
  } as ModelConfig;
  return completeModelConfig(base);
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
