import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsError } from '../../src/core/checkpoint/safetensors';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-checkpoint-test-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The repository's folder: tests run bundled from dist/test/…, so look upwards for the fixtures. */
export function fixturePath(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'test', 'fixtures', 'safetensors', name);
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`fixture ${name} not found above ${__dirname}`);
}

/** Bytes of a safetensors file with the given header text and buffer; `headerLength` overrides N. */
export function rawFile(header: string | object, buffer: Uint8Array = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** Asserts that `promise` rejects with a SafetensorsError whose message matches every pattern. */
export async function rejectsWithSafetensorsError(promise: Promise<unknown>, ...patterns: (RegExp | string)[]): Promise<SafetensorsError> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SafetensorsError, `expected a SafetensorsError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(caught.message.includes(p), `message ${JSON.stringify(caught.message)} should contain ${JSON.stringify(p)}`);
    else assert.match(caught.message, p);
  }
  return caught;
}
