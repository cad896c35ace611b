/**
 * The softmax-noise probe's perturbation (docs/science.md §6): i.i.d. Gaussian noise of scale σ
 * added to the attention logits of chosen layers, after the scaling and before the mask and the
 * softmax, so a row becomes softmax(s · q·kᵀ + σ·ε + mask) with ε ~ N(0, 1) per (example, head,
 * query, key). Drawn on the host from the project's Rng, so the same (seed, layer) gives the same
 * noise on every backend; σ = 0 adds nothing at all (the forward pass is the model's own).
 */
import { Rng, hashSeed } from '../../core/random';

export interface LogitNoise {
  /** σ ≥ 0. */
  sigma: number;
  /** Seed of the draw; layer l uses Rng(hash(seed, l)). */
  seed: number;
  /** 0-based layers that get noise; all when omitted. */
  layers?: readonly number[];
}

/** Throws on a σ or layer list the model cannot use. */
export function checkLogitNoise(noise: LogitNoise, layers: number): void {
  if (!(Number.isFinite(noise.sigma) && noise.sigma >= 0)) throw new Error(`logit noise: sigma must be a finite number ≥ 0, got ${noise.sigma}`);
  for (const l of noise.layers ?? []) {
    if (!(Number.isInteger(l) && l >= 0 && l < layers)) throw new Error(`logit noise: layer ${l} is not one of the model's layers 0…${layers - 1}`);
  }
}

/** Whether layer l gets noise (σ > 0 and l among the chosen layers). */
export function noisyLayer(noise: LogitNoise | undefined, layer: number): boolean {
  if (!noise || noise.sigma === 0) return false;
  return noise.layers === undefined || noise.layers.includes(layer);
}

/** σ·ε for one layer's logits [B, H, T, T], row-major. */
export function logitNoiseValues(noise: LogitNoise, layer: number, size: number): Float32Array {
  const rng = new Rng(hashSeed(noise.seed, 0x5a17, layer));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = noise.sigma * rng.normal();
  return out;
}
