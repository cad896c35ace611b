/**
 * Writes that cannot lie (issue 11 §1), without root: the operating system's write calls are
 * made to write a few bytes at a time (a short write, as on a nearly full disk) or to stop making
 * progress. The atomic writer and the safetensors writer continue short writes to the end, and a
 * write that cannot finish leaves no file under the final name and no temporary file.
 * (test/faults/diskFull.test.ts does the same on a real full tmpfs when run as root.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { WriteError, writeFileAtomic } from '../../src/core/io/atomicWrite';
import { MetricsWriter, parseMetricsText } from '../../src/core/experiment/runFolder';
import { openSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { tempDir } from './helpers';

type WriteSync = typeof fs.writeSync;
// The module object itself (an `import *` binding cannot be assigned): the writers read its properties live.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsModule = require('node:fs') as { writeSync: WriteSync };

/** Replaces fs.writeSync while `body` runs: each call writes at most `chunk` bytes, and nothing once `budget` bytes are written. */
function withShortSyncWrites<T>(chunk: number, budget: number, body: () => T): T {
  const original = fsModule.writeSync;
  let written = 0;
  fsModule.writeSync = ((fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
    const want = Math.min(chunk, length ?? buffer.length, budget - written);
    if (want <= 0) return 0;
    const n = original(fd, buffer, offset ?? 0, want);
    written += n;
    return n;
  }) as WriteSync;
  try {
    return body();
  } finally {
    fsModule.writeSync = original;
  }
}

/** The same for FileHandle.write (the safetensors writer's path). */
async function withShortHandleWrites<T>(chunk: number, budget: number, body: () => Promise<T>): Promise<T> {
  const probe = await fsp.open(__filename, 'r');
  type Write = (this: unknown, buffer: Uint8Array, offset?: number, length?: number) => Promise<{ bytesWritten: number; buffer: unknown }>;
  const proto = Object.getPrototypeOf(probe) as { write: Write };
  await probe.close();
  const original = proto.write;
  let written = 0;
  proto.write = async function (this: unknown, buffer: Uint8Array, offset?: number, length?: number) {
    const want = Math.min(chunk, length ?? buffer.length, budget - written);
    if (want <= 0) return { bytesWritten: 0, buffer };
    const r = await original.call(this, buffer, offset ?? 0, want);
    written += r.bytesWritten;
    return r;
  };
  try {
    return await body();
  } finally {
    proto.write = original;
  }
}

const leftovers = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));

test('short writes are continued to the end; a write that stops leaves no file under the name', () => {
  const dir = tempDir('short');
  const file = path.join(dir, 'run.json');
  const text = JSON.stringify({ a: 'x'.repeat(5000) });
  withShortSyncWrites(7, Infinity, () => writeFileAtomic(file, text));
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  const next = JSON.stringify({ b: 'y'.repeat(5000) });
  assert.throws(() => withShortSyncWrites(7, 1000, () => writeFileAtomic(file, next)), (err: unknown) => err instanceof WriteError && err.message.includes(file));
  assert.equal(fs.readFileSync(file, 'utf8'), text, 'the old content stays');
  assert.deepEqual(leftovers(dir), []);
  assert.throws(() => withShortSyncWrites(7, 1000, () => writeFileAtomic(path.join(dir, 'new.json'), next)), WriteError);
  assert.equal(fs.existsSync(path.join(dir, 'new.json')), false, 'no file under the new name');
  assert.deepEqual(leftovers(dir), []);
});

test('a metrics append that cannot finish is cut back off: no half line for the next record', () => {
  const dir = tempDir('short-metrics');
  const w = new MetricsWriter(path.join(dir, 'metrics.jsonl'));
  w.append({ kind: 'train', step: 0, loss: 1, accuracy: 0, gradNorm: 1, updateNorm: 1, lr: 1, nanEvents: 0, wallTime: 0, length: 3 });
  assert.throws(() => withShortSyncWrites(5, 20, () => w.append({ kind: 'train', step: 1, loss: 1, accuracy: 0, gradNorm: 1, updateNorm: 1, lr: 1, nanEvents: 0, wallTime: 0, length: 3 })), WriteError);
  w.append({ kind: 'train', step: 2, loss: 1, accuracy: 0, gradNorm: 1, updateNorm: 1, lr: 1, nanEvents: 0, wallTime: 0, length: 3 });
  w.close();
  const text = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  assert.deepEqual(parseMetricsText(text, (m) => assert.fail(m)).map((r) => r.step), [0, 2]);
});

test('safetensors: short writes give a whole file; a write that stops leaves nothing under the name', async () => {
  const dir = tempDir('short-st');
  const file = path.join(dir, 'step-20.safetensors');
  const tensors = [{ name: 'w', dtype: 'F32' as const, shape: [64, 64], data: Float32Array.from({ length: 4096 }, (_, i) => i / 7) }];
  await withShortHandleWrites(1000, Infinity, () => writeSafetensors(file, tensors, { step: '20' }));
  const f = await openSafetensors(file);
  assert.deepEqual(Array.from((await f.read('w')) as Float32Array).slice(0, 3), [0, 1 / 7, 2 / 7].map((x) => Math.fround(x)));
  await f.close();
  fs.rmSync(file);
  await assert.rejects(
    withShortHandleWrites(1000, 9000, () => writeSafetensors(file, tensors, { step: '20' })),
    (err: unknown) => err instanceof WriteError && err.message.includes(file),
  );
  assert.equal(fs.existsSync(file), false, 'no truncated checkpoint under its final name');
  assert.deepEqual(leftovers(dir), []);
});
