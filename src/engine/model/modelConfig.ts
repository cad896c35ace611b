/**
 * A model config made complete and checked: the fields older run folders and checkpoints lack filled
 * in as those runs had them, and every field the model builder (transformer.ts) relies on validated.
 * Plain numbers only: no tensors.
 */
import {
  ATTENTION_KINDS,
  ATTENTION_SCALINGS,
  EMBEDDING_KINDS,
  INIT_KINDS,
  NORM_KINDS,
  POSITION_ENCODINGS,
  POSITION_EVALS,
  RANDOMIZABLE_POSITIONS,
  upgradeModelConfig,
} from '../../protocol/config';
import type { ModelConfig } from '../../protocol/config';

/**
 * The config with the fields that older run folders and checkpoints lack filled in as those runs
 * had them (softmax attention, head sizes dModel / heads, a learned embedding, GPT-2 init, no seed
 * projection; positions as upgradeModelConfig reads them), so they still load.
 */
export function completeModelConfig(config: ModelConfig): ModelConfig {
  const c = upgradeModelConfig(config); // the position fields (randomizePositions, positionEval, embedScale)
  const partial = c as Partial<ModelConfig> & ModelConfig;
  if ((partial.keySize === undefined || partial.valueSize === undefined) && c.heads > 0 && c.dModel % c.heads !== 0) {
    throw new Error(`model config: heads (${c.heads}) must divide dModel (${c.dModel}), or keySize and valueSize must be given`);
  }
  const headDim = c.heads > 0 ? c.dModel / c.heads : NaN;
  return {
    ...c,
    attention: partial.attention ?? 'softmax',
    keySize: partial.keySize ?? headDim,
    valueSize: partial.valueSize ?? headDim,
    embedding: partial.embedding ?? 'learned',
    init: partial.init ?? 'gpt2',
    norm: partial.norm ?? 'layer',
    rseProjection: partial.rseProjection ?? false,
    nar: partial.nar ?? null,
  };
}

/** Throws a clear Error for a config the model cannot be built from. */
export function validateModelConfig(c: ModelConfig): void {
  const posInt = (name: keyof ModelConfig, min = 1): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`model config: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  posInt('layers');
  posInt('dModel');
  posInt('heads');
  posInt('dFf', 0);
  posInt('vocabSize');
  posInt('maxLen');
  posInt('rseBits', 0);
  posInt('keySize');
  posInt('valueSize');
  if (!POSITION_ENCODINGS.includes(c.position)) throw new Error(`model config: unknown position encoding '${String(c.position)}'`);
  if (!ATTENTION_SCALINGS.includes(c.attentionScaling)) {
    throw new Error(`model config: unknown attention scaling '${String(c.attentionScaling)}'`);
  }
  if (!ATTENTION_KINDS.includes(c.attention)) throw new Error(`model config: unknown attention '${String(c.attention)}'`);
  if (!EMBEDDING_KINDS.includes(c.embedding)) throw new Error(`model config: unknown embedding '${String(c.embedding)}'`);
  if (!INIT_KINDS.includes(c.init)) throw new Error(`model config: unknown init '${String(c.init)}'`);
  if (!NORM_KINDS.includes(c.norm)) throw new Error(`model config: unknown norm '${String(c.norm)}'`);
  if (typeof c.rseProjection !== 'boolean') throw new Error(`model config: rseProjection must be true or false, got ${String(c.rseProjection)}`);
  if (c.rseProjection && c.rseBits === 0) throw new Error('model config: rseProjection needs rseBits > 0');
  if (c.position === 'rope' && c.keySize % 2 !== 0) {
    throw new Error(`model config: RoPE needs an even key size per head, got ${c.keySize}`);
  }
  if (c.attention === 'linear' && c.attentionScaling !== 'standard') {
    throw new Error(`model config: linear attention is unscaled; attentionScaling must be 'standard', got '${c.attentionScaling}'`);
  }
  if (c.rseBits >= c.dModel) {
    throw new Error(`model config: rseBits (${c.rseBits}) must be smaller than dModel (${c.dModel}); the tokens get dModel − rseBits dims`);
  }
  if (typeof c.randomizePositions !== 'boolean') throw new Error(`model config: randomizePositions must be true or false, got ${String(c.randomizePositions)}`);
  if (c.randomizePositions && !RANDOMIZABLE_POSITIONS.includes(c.position)) {
    throw new Error(`model config: randomized positions need a 'sinusoidal' or 'rope' code, got '${c.position}'`);
  }
  if (c.randomizePositions && !(Number.isInteger(c.positionRange) && c.positionRange >= c.maxLen)) {
    throw new Error(`model config: positionRange (${c.positionRange}) must be an integer ≥ maxLen (${c.maxLen}) for randomized positions`);
  }
  if (!POSITION_EVALS.includes(c.positionEval)) throw new Error(`model config: unknown positionEval '${String(c.positionEval)}'`);
  if (!(typeof c.embedScale === 'number' && Number.isFinite(c.embedScale) && c.embedScale > 0)) {
    throw new Error(`model config: embedScale must be a positive number, got ${String(c.embedScale)}`);
  }
  if (c.nar !== null) {
    const { layers: narLayers, hidden } = c.nar;
    if (!Array.isArray(narLayers) || narLayers.length === 0 || narLayers.some((l) => !(Number.isInteger(l) && l >= 0 && l < c.layers))) {
      throw new Error(`model config: nar.layers must be a non-empty list of block indices in [0, ${c.layers}), got ${JSON.stringify(narLayers)}`);
    }
    if (new Set(narLayers).size !== narLayers.length) throw new Error(`model config: nar.layers has a block twice: ${JSON.stringify(narLayers)}`);
    if (!(Number.isInteger(hidden) && hidden >= 1)) throw new Error(`model config: nar.hidden must be a positive integer, got ${String(hidden)}`);
  }
  if (c.attentionScaling === 'logn' && !(c.lognBase > 1)) throw new Error(`model config: lognBase must be > 1, got ${c.lognBase}`);
  if (c.attentionScaling === 'logn-train' && !(Number.isInteger(c.trainLength) && c.trainLength >= 2)) {
    throw new Error(`model config: trainLength must be an integer ≥ 2 for logn-train scaling, got ${c.trainLength}`);
  }
}
