/**
 * Checkpoints of other tools: tensors of dtypes the reader does not decode (8-bit and smaller
 * floats, anything new) are listed as opaque instead of refusing the file, and a sharded
 * checkpoint opens by its `*.safetensors.index.json` as one file — with every check the index
 * allows (tensors where the index says, no name twice, no shard outside the folder).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatInspectTable, inspectFile } from '../../src/core/checkpoint/inspect';
import { openSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { openTensorFile } from '../../src/core/checkpoint/tensorFile';
import { rawFile, rejectsWithSafetensorsError, tempDir } from './helpers';

const { dir, cleanup } = tempDir();
test.after(cleanup);

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

test('a file with F8, F4 and unknown dtypes opens; those tensors are opaque (shape and bytes), the rest reads', async () => {
  const file = path.join(dir, 'mixed.safetensors');
  const buffer = new Uint8Array(16 + 4 + 4 + 2 + 3);
  buffer.set(f32([0.5, -1.5, 2, 4]), 0);
  fs.writeFileSync(
    file,
    rawFile(
      {
        w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        q8: { dtype: 'F8_E4M3', shape: [4], data_offsets: [16, 20] },
        e5: { dtype: 'F8_E5M2', shape: [2, 2], data_offsets: [20, 24] },
        f4: { dtype: 'F4', shape: [3], data_offsets: [24, 26] }, // 3 × 4 bits, packed: 2 bytes
        nf: { dtype: 'Q4_K', shape: [7], data_offsets: [26, 29] }, // unknown to everyone: no size check
        __metadata__: { tool: 'other' },
      },
      buffer,
    ),
  );
  const st = await openSafetensors(file);
  assert.deepEqual(st.tensors.map((t) => [t.name, t.dtype, t.opaque, t.byteLength]), [
    ['w', 'F32', false, 16],
    ['q8', 'F8_E4M3', true, 4],
    ['e5', 'F8_E5M2', true, 4],
    ['f4', 'F4', true, 2],
    ['nf', 'Q4_K', true, 3],
  ]);
  assert.deepEqual([...(await st.read('w'))], [0.5, -1.5, 2, 4]);
  await rejectsWithSafetensorsError(st.read('q8'), 'tensor "q8"', 'dtype F8_E4M3 is not decoded', 'its 4 bytes are opaque');
  await st.close();

  const report = await inspectFile(file);
  assert.equal(report.tensors[1]?.stats, null);
  assert.equal(report.tensors[0]?.stats?.max, 4);
  const text = formatInspectTable(report);
  assert.match(text, /4 opaque \(dtype not decoded/);
  assert.match(text, /q8\s+model\s+F8_E4M3\s+\[4\]\s+4 B\s+opaque/);
});

async function shards(folder: string): Promise<string> {
  fs.mkdirSync(folder, { recursive: true });
  await writeSafetensors(path.join(folder, 'model-00001-of-00002.safetensors'), [
    { name: 'a.weight', dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    { name: 'a.bias', dtype: 'F32', shape: [3], data: [0, 0, 1] },
  ], { format: 'pt' });
  await writeSafetensors(path.join(folder, 'model-00002-of-00002.safetensors'), [{ name: 'b.weight', dtype: 'BF16', shape: [2], data: [0.5, -2] }]);
  const index = path.join(folder, 'model.safetensors.index.json');
  fs.writeFileSync(
    index,
    JSON.stringify({
      metadata: { total_size: 40 },
      weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'a.bias': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' },
    }),
  );
  return index;
}

test('a sharded checkpoint opens by its index as one file: every tensor, its shard, the index metadata', async () => {
  const index = await shards(path.join(dir, 'sharded'));
  const f = await openTensorFile(index);
  assert.deepEqual(f.shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  assert.deepEqual(f.tensors.map((t) => [t.name, 'shard' in t ? t.shard : null]), [
    ['a.weight', 'model-00001-of-00002.safetensors'],
    ['a.bias', 'model-00001-of-00002.safetensors'],
    ['b.weight', 'model-00002-of-00002.safetensors'],
  ]);
  assert.deepEqual([...(await f.readAsFloat32('b.weight'))], [0.5, -2]);
  assert.deepEqual([...(await f.read('a.bias'))], [0, 0, 1]);
  assert.equal(f.metadata.total_size, '40');
  assert.equal(f.metadata.format, 'pt');
  const sizes = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'].map((n) => fs.statSync(path.join(dir, 'sharded', n)).size);
  assert.equal(f.fileSize, sizes[0]! + sizes[1]!);
  await f.close();
  const report = await inspectFile(index);
  assert.equal(report.parameterCount, 6 + 3 + 2);
  assert.match(formatInspectTable(report), /in 2 shards, 3 tensors, 11 parameters/);
});

test('a sharded index that lies is refused with the index and the tensor named', async () => {
  const index = await shards(path.join(dir, 'bad'));
  const write = (o: object): void => fs.writeFileSync(index, JSON.stringify(o));
  const map = { 'a.weight': 'model-00001-of-00002.safetensors', 'a.bias': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' };
  write({ weight_map: { ...map, 'b.weight': 'model-00001-of-00002.safetensors' } });
  await rejectsWithSafetensorsError(openTensorFile(index), 'model.safetensors.index.json', 'tensor "b.weight"', 'the index puts it in "model-00001-of-00002.safetensors", which does not hold it');
  write({ weight_map: { ...map, 'a.bias': 'model-00002-of-00002.safetensors' } });
  await rejectsWithSafetensorsError(openTensorFile(index), 'tensor "a.bias"', 'but it is in "model-00001-of-00002.safetensors"');
  write({ weight_map: { ...map, 'c.weight': 'model-00002-of-00002.safetensors' } });
  await rejectsWithSafetensorsError(openTensorFile(index), 'tensor "c.weight"', 'which does not hold it');
  write({ weight_map: { ...map, 'a.weight': '../elsewhere.safetensors' } });
  await rejectsWithSafetensorsError(openTensorFile(index), 'lies outside the index\'s folder');
  write({ weight_map: { ...map, 'a.weight': 'missing.safetensors' } });
  await rejectsWithSafetensorsError(openTensorFile(index), 'missing.safetensors', 'no such file');
  write({ weight_map: [] });
  await rejectsWithSafetensorsError(openTensorFile(index), '"weight_map" must be an object');
  fs.writeFileSync(index, '{ "weight_map": ');
  await rejectsWithSafetensorsError(openTensorFile(index), 'index is not valid JSON');
  // The same tensor name in two shards.
  await writeSafetensors(path.join(dir, 'bad', 'model-00002-of-00002.safetensors'), [
    { name: 'b.weight', dtype: 'BF16', shape: [2], data: [0.5, -2] },
    { name: 'a.bias', dtype: 'F32', shape: [3], data: [0, 0, 1] },
  ]);
  write({ weight_map: map });
  await rejectsWithSafetensorsError(openTensorFile(index), 'tensor "a.bias"', 'appears in shard');
});
