/**
 * One safetensors file, or a sharded checkpoint opened as one: `model.safetensors.index.json`
 * (the layout Hugging Face tools write for large models) maps every tensor name to the shard
 * that holds it,
 *
 *   {"metadata": {"total_size": 123}, "weight_map": {"lm_head.weight": "model-00002-of-00002.safetensors", …}}
 *
 * and the shards are ordinary safetensors files next to it. `openTensorFile` opens either and
 * gives the readers (inspect, the inspector) one list of tensors; each shard's header is checked
 * as strictly as a single file's, every mapped tensor must be in the shard the index names, a
 * tensor name may appear in one shard only, and shard names may not leave the index's folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openFailure, openSafetensors, SafetensorsError, type SafetensorsFile, type TensorData, type TensorInfo } from './safetensors';

/** A tensor of a sharded checkpoint: where it lives besides what it is. */
export interface ShardedTensorInfo extends TensorInfo {
  /** The shard's file name (relative to the index's folder). */
  readonly shard: string;
}

/** What a reader needs of a safetensors file or of a sharded checkpoint. */
export interface TensorFile {
  readonly path: string;
  /** Bytes on disk (all shards for a sharded checkpoint). */
  readonly fileSize: number;
  /** Length of the JSON header (the sum over shards). */
  readonly headerLength: number;
  /** `__metadata__` (of the first shard, plus the index's own `metadata` entries as strings, for a sharded checkpoint). */
  readonly metadata: Record<string, string>;
  readonly tensors: readonly (TensorInfo | ShardedTensorInfo)[];
  /** The shard file names, in order; empty for a single file. */
  readonly shards: readonly string[];
  get(name: string): TensorInfo | undefined;
  read(name: string): Promise<TensorData>;
  readAsFloat32(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

/** `*.safetensors.index.json`: a sharded checkpoint's index. */
export function isShardIndex(file: string): boolean {
  return file.toLowerCase().endsWith('.safetensors.index.json');
}

/** Largest index file read (a weight map of a few hundred thousand names). */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

class ShardedFile implements TensorFile {
  readonly tensors: ShardedTensorInfo[];
  private readonly byName: Map<string, { info: ShardedTensorInfo; file: SafetensorsFile }>;

  constructor(
    readonly path: string,
    readonly metadata: Record<string, string>,
    private readonly files: readonly { shard: string; file: SafetensorsFile }[],
  ) {
    this.tensors = files.flatMap(({ shard, file }) => file.tensors.map((t) => ({ ...t, shard })));
    this.byName = new Map();
    for (const info of this.tensors) {
      const owner = files.find((f) => f.shard === info.shard) as { file: SafetensorsFile };
      this.byName.set(info.name, { info, file: owner.file });
    }
  }

  get fileSize(): number {
    return this.files.reduce((n, f) => n + f.file.fileSize, 0);
  }

  get headerLength(): number {
    return this.files.reduce((n, f) => n + f.file.headerLength, 0);
  }

  get shards(): string[] {
    return this.files.map((f) => f.shard);
  }

  get(name: string): TensorInfo | undefined {
    return this.byName.get(name)?.info;
  }

  private owner(name: string): SafetensorsFile {
    const hit = this.byName.get(name);
    if (hit === undefined) throw new SafetensorsError(this.path, name, 'no such tensor in the sharded checkpoint');
    return hit.file;
  }

  read(name: string): Promise<TensorData> {
    return this.owner(name).read(name);
  }

  readAsFloat32(name: string): Promise<Float32Array> {
    return this.owner(name).readAsFloat32(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.file.close()));
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Opens a sharded checkpoint from its index; a problem is a SafetensorsError naming the index (and the shard or tensor). */
export async function openShardedSafetensors(indexFile: string): Promise<TensorFile> {
  const fail = (detail: string, tensor: string | null = null): never => {
    throw new SafetensorsError(indexFile, tensor, detail);
  };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(indexFile);
  } catch (err) {
    return fail(openFailure(err));
  }
  if (!stat.isFile()) fail('is not a regular file');
  if (stat.size > MAX_INDEX_BYTES) fail(`index of ${stat.size} bytes exceeds the ${MAX_INDEX_BYTES}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  } catch (err) {
    return fail(`index is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(json)) return fail('index must be a JSON object with a "weight_map"');
  const map = json.weight_map;
  if (!isPlainObject(map)) return fail('"weight_map" must be an object mapping tensor names to shard files');
  const dir = path.dirname(indexFile);
  const shardOf = new Map<string, string>();
  const shardNames: string[] = [];
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard === '') fail(`"weight_map" entry must name a shard file, got ${JSON.stringify(shard)}`, name);
    const s = shard as string;
    const resolved = path.resolve(dir, s);
    if (path.isAbsolute(s) || path.relative(dir, resolved).startsWith('..')) fail(`shard ${JSON.stringify(s)} lies outside the index's folder`, name);
    shardOf.set(name, s);
    if (!shardNames.includes(s)) shardNames.push(s);
  }
  if (shardNames.length === 0) fail('"weight_map" is empty: no shard to open');
  const metadata: Record<string, string> = {};
  if (isPlainObject(json.metadata)) for (const [k, v] of Object.entries(json.metadata)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);

  const files: { shard: string; file: SafetensorsFile }[] = [];
  try {
    for (const shard of shardNames) files.push({ shard, file: await openSafetensors(path.resolve(dir, shard)) });
    const seen = new Map<string, string>();
    for (const { shard, file } of files) {
      for (const t of file.tensors) {
        const other = seen.get(t.name);
        if (other !== undefined) fail(`appears in shard ${JSON.stringify(other)} and in ${JSON.stringify(shard)}`, t.name);
        seen.set(t.name, shard);
      }
    }
    for (const [name, shard] of shardOf) {
      const where = seen.get(name);
      if (where === undefined) fail(`the index puts it in ${JSON.stringify(shard)}, which does not hold it`, name);
      else if (where !== shard) fail(`the index puts it in ${JSON.stringify(shard)} but it is in ${JSON.stringify(where)}`, name);
    }
  } catch (err) {
    await Promise.all(files.map((f) => f.file.close()));
    throw err;
  }
  const first = files[0]?.file.metadata ?? {};
  return new ShardedFile(indexFile, { ...first, ...metadata }, files);
}

/** Opens a `.safetensors` file, or a sharded checkpoint by its `.safetensors.index.json`. */
export async function openTensorFile(file: string): Promise<TensorFile> {
  return isShardIndex(file) ? openShardedSafetensors(file) : openSafetensors(file);
}
