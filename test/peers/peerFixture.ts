/**
 * Reading the peer fixtures of test/fixtures/peers/ (written by bench/peers/make_fixtures.py with
 * PyTorch, JAX/optax and NumPy; see the README there) and comparing arrays against them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors } from '../../src/core/checkpoint/safetensors';

/** test/fixtures/peers/<name>: tests run bundled from dist/test/…, so look upwards. */
export function peerFixturePath(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'test', 'fixtures', 'peers', name);
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`peer fixture ${name} not found above ${__dirname} (regenerate with: node bench/peers/run.mjs fixtures)`);
}

export interface PeerTensor {
  shape: number[];
  data: Float32Array;
}

/** A whole fixture file in memory: tensors as float32, metadata values JSON-decoded. */
export interface PeerFixture {
  tensors: Map<string, PeerTensor>;
  meta: Record<string, unknown>;
  get(name: string): PeerTensor;
}

export async function loadPeerFixture(name: string): Promise<PeerFixture> {
  const st = await openSafetensors(peerFixturePath(name));
  try {
    const tensors = new Map<string, PeerTensor>();
    for (const info of st.tensors) {
      const raw = await st.read(info.name);
      const data = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>, Number);
      tensors.set(info.name, { shape: [...info.shape], data });
    }
    const meta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(st.metadata)) {
      try {
        meta[k] = JSON.parse(v);
      } catch {
        meta[k] = v;
      }
    }
    return {
      tensors,
      meta,
      get(tensorName: string): PeerTensor {
        const t = tensors.get(tensorName);
        if (t === undefined) throw new Error(`${name}: no tensor '${tensorName}'`);
        return t;
      },
    };
  } finally {
    await st.close();
  }
}

/** Row `i` of a tensor whose first axis is steps (or examples): a copy. */
export function row(t: PeerTensor, i: number): Float32Array {
  const size = t.data.length / (t.shape[0] as number);
  return t.data.slice(i * size, (i + 1) * size);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** "worst 3.1e-7 at step 42; step 1: …, 10: …, 50: …, 100: …" from per-step maxima (index = step). */
export function describePerStep(perStep: readonly number[]): string {
  let worstStep = 0;
  perStep.forEach((d, i) => {
    if (d > (perStep[worstStep] as number)) worstStep = i;
  });
  const marks = [1, 10, 50, 100, 150].filter((s) => s < perStep.length);
  const at = marks.map((s) => `${s}: ${(perStep[s] as number).toExponential(1)}`).join(', ');
  return `max |Δ| ${(perStep[worstStep] as number).toExponential(2)} at step ${worstStep} (per step — ${at})`;
}
