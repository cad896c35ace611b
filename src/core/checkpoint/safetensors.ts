/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  UTF-8 JSON object: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 *              …, "__metadata__": {"<key>": "<string>"}}; may be padded with trailing spaces
 *   [rest]     the byte buffer: every tensor's little-endian, row-major data; offsets are relative
 *              to the buffer's start
 *
 * The reader parses only the header when a file is opened and reads a tensor's bytes when asked
 * (positional reads), so a large checkpoint can be inspected without loading it. It checks the
 * header as strictly as the reference implementation (which, among other things, rejects holes
 * between tensors) and reports every problem as a SafetensorsError naming the file and the tensor.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import { writeChunksAtomic } from '../io/atomicWrite';
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from './float16';

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element of each supported dtype. */
export const DTYPE_SIZES: Readonly<Record<Dtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

export const DTYPES = Object.keys(DTYPE_SIZES) as readonly Dtype[];

export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, s);
}

/**
 * Dtypes of other tools that this reader does not decode, with their bits per element (packed
 * for the sub-byte ones): their tensors are listed as opaque (name, dtype, shape, bytes) and
 * the rest of the file reads normally. Any other upper-case dtype name is opaque too, with no
 * size check (only the offsets must tile the buffer).
 */
export const OPAQUE_DTYPE_BITS: Readonly<Record<string, number>> = {
  F8_E4M3: 8,
  F8_E5M2: 8,
  F8_E8M0: 8,
  F6_E2M3: 6,
  F6_E3M2: 6,
  F4: 4,
  C64: 64,
};

/** A dtype name this reader does not decode but accepts as opaque bytes: upper case, digits, `_`. */
const OPAQUE_DTYPE_NAME = /^[A-Z][A-Z0-9_]{0,31}$/;

/** Largest header accepted, as in the reference implementation: a guard against absurd lengths. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/**
 * What `read` returns for each dtype: the native typed array, except F16/BF16 (decoded to
 * float32, which holds them exactly) and BOOL (one byte per element, 0 or 1 as stored).
 */
export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

export interface TensorInfo {
  readonly name: string;
  /** A decoded dtype, or (when `opaque`) another tool's dtype name. */
  readonly dtype: Dtype | string;
  /** The dtype is not one this reader decodes: only shape and bytes are known; `read` refuses it. */
  readonly opaque: boolean;
  readonly shape: readonly number[];
  /** Offset in the byte buffer (not in the file: the buffer starts at `dataStart`). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** A malformed file or a bad request; the message names the file and, when there is one, the tensor. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    readonly tensor: string | null,
    detail: string,
  ) {
    super(`${file}: ${tensor === null ? '' : `tensor ${JSON.stringify(tensor)}: `}${detail}`);
  }
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Reverses the bytes of every `size`-byte element: the file is little-endian whatever the host is. */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (HOST_IS_LITTLE_ENDIAN || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/** Views bytes (in a buffer of their own, offset 0, so aligned) as the dtype's typed array. */
function viewAs(dtype: Dtype, buffer: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
      return decodeF16(new Uint16Array(buffer));
    case 'BF16':
      return decodeBf16(new Uint16Array(buffer));
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U64':
      return new BigUint64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'U32':
      return new Uint32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'U16':
      return new Uint16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return `the string ${s.length > 40 ? s.slice(0, 37) + '…"' : s}`;
  }
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and checks one header entry; `bufferSize` is the size of the byte buffer. */
function parseTensorEntry(file: string, name: string, entry: unknown, bufferSize: number): TensorInfo {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, name, detail);
  };
  if (!isPlainObject(entry)) return fail(`header entry must be an object with dtype, shape and data_offsets, got ${describe(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  for (const [key, value] of [['dtype', dtype], ['shape', shape], ['data_offsets', offsets]] as const) {
    if (value === undefined) fail(`missing "${key}"`);
  }
  const known = isDtype(dtype);
  if (!known && !(typeof dtype === 'string' && OPAQUE_DTYPE_NAME.test(dtype))) {
    return fail(`unknown dtype ${describe(dtype)} (readable: ${DTYPES.join(', ')}; other upper-case names such as F8_E4M3 are listed as opaque bytes)`);
  }
  if (!Array.isArray(shape)) return fail(`"shape" must be a list of non-negative integers, got ${describe(shape)}`);
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`"shape" must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
  const dims = shape as number[];
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return fail(`"data_offsets" must be [begin, end], got ${describe(offsets)}${Array.isArray(offsets) ? ` of length ${offsets.length}` : ''}`);
  }
  const [begin, end] = offsets as unknown[];
  if (typeof begin !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < 0) {
    return fail(`"data_offsets" must be two non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  if (begin > end) fail(`"data_offsets" [${begin}, ${end}] has begin > end`);
  if (end > bufferSize) fail(`"data_offsets" [${begin}, ${end}] lie outside the byte buffer, which has ${bufferSize} bytes`);
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (!Number.isSafeInteger(count)) fail(`shape ${JSON.stringify(dims)} has too many elements`);
  }
  if (known) {
    const expected = count * DTYPE_SIZES[dtype];
    if (end - begin !== expected) {
      fail(`holds ${end - begin} bytes but shape ${JSON.stringify(dims)} of ${dtype} needs ${count} × ${DTYPE_SIZES[dtype]} = ${expected}`);
    }
    return { name, dtype, opaque: false, shape: dims, byteOffset: begin, byteLength: end - begin };
  }
  const bits = OPAQUE_DTYPE_BITS[dtype as string];
  if (bits !== undefined) {
    const expected = Math.ceil((count * bits) / 8);
    if (end - begin !== expected) {
      fail(`holds ${end - begin} bytes but shape ${JSON.stringify(dims)} of ${dtype as string} (${bits} bits each) needs ${expected}`);
    }
  }
  return { name, dtype: dtype as string, opaque: true, shape: dims, byteOffset: begin, byteLength: end - begin };
}

/**
 * Parses a header's bytes. Exported for tests and tools that hold a header in memory;
 * `bufferSize` is the number of bytes after the header.
 */
export function parseHeader(file: string, headerBytes: Uint8Array, bufferSize: number): { metadata: Record<string, string>; tensors: TensorInfo[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(file, null, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(file, null, `header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError(file, null, `header must be a JSON object, got ${describe(json)}`);

  let metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === METADATA_KEY) {
      if (!isPlainObject(value)) throw new SafetensorsError(file, null, `"__metadata__" must be an object of strings, got ${describe(value)}`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(file, null, `"__metadata__" must map strings to strings, but ${JSON.stringify(k)} is ${describe(v)}`);
        }
      }
      // fromEntries defines own properties, so even a key named "__proto__" is kept as data.
      metadata = Object.fromEntries(Object.entries(value)) as Record<string, string>;
      continue;
    }
    tensors.push(parseTensorEntry(file, key, value, bufferSize));
  }

  // File order; the tensors must tile the buffer exactly (no overlap, no hole, nothing after).
  tensors.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let covered = 0;
  let previous: TensorInfo | null = null;
  for (const t of tensors) {
    if (t.byteOffset < covered && previous !== null) {
      throw new SafetensorsError(
        file,
        t.name,
        `bytes [${t.byteOffset}, ${t.byteOffset + t.byteLength}) overlap tensor ${JSON.stringify(previous.name)} at [${previous.byteOffset}, ${covered})`,
      );
    }
    if (t.byteOffset > covered) {
      throw new SafetensorsError(
        file,
        t.name,
        `starts at byte ${t.byteOffset} but the previous tensor ends at ${covered}: safetensors does not allow holes between tensors`,
      );
    }
    covered = t.byteOffset + t.byteLength;
    previous = t;
  }
  if (covered !== bufferSize) {
    throw new SafetensorsError(
      file,
      null,
      `the tensors cover ${covered} bytes of the ${bufferSize}-byte buffer: ${bufferSize - covered} trailing bytes belong to no tensor (truncated header or corrupt file?)`,
    );
  }
  return { metadata, tensors };
}

/** An open safetensors file: header parsed, tensor data read on demand. Call `close()` when done. */
export class SafetensorsFile {
  /** One file, no shards (the TensorFile shape that sharded checkpoints share, ./tensorFile.ts). */
  readonly shards: readonly string[] = [];
  private handle: FileHandle | null;
  private readonly byName: Map<string, TensorInfo>;

  constructor(
    readonly path: string,
    handle: FileHandle,
    readonly fileSize: number,
    /** Length N of the JSON header (padding included). */
    readonly headerLength: number,
    readonly metadata: Record<string, string>,
    /** In file (buffer) order. */
    readonly tensors: readonly TensorInfo[],
  ) {
    this.handle = handle;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }

  /** File offset of the byte buffer. */
  get dataStart(): number {
    return 8 + this.headerLength;
  }

  get(name: string): TensorInfo | undefined {
    return this.byName.get(name);
  }

  private info(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (t === undefined) {
      const names = [...this.byName.keys()];
      const list = names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')}, … (${names.length} in all)`;
      throw new SafetensorsError(this.path, name, `no such tensor in the file (has: ${list || 'none'})`);
    }
    return t;
  }

  /** The tensor's raw little-endian bytes, in a fresh buffer. */
  async readBytes(name: string): Promise<Uint8Array> {
    const t = this.info(name);
    if (this.handle === null) throw new SafetensorsError(this.path, name, 'cannot read: the file was closed');
    const bytes = new Uint8Array(t.byteLength);
    let done = 0;
    while (done < t.byteLength) {
      const { bytesRead } = await this.handle.read(bytes, done, t.byteLength - done, this.dataStart + t.byteOffset + done);
      if (bytesRead === 0) {
        throw new SafetensorsError(this.path, name, `file ended after ${done} of the tensor's ${t.byteLength} bytes (was it truncated after opening?)`);
      }
      done += bytesRead;
    }
    return bytes;
  }

  /** The tensor's values as the dtype's typed array (F16 and BF16 decoded to Float32Array); an opaque dtype is refused. */
  async read(name: string): Promise<TensorData> {
    const t = this.info(name);
    if (t.opaque || !isDtype(t.dtype)) throw new SafetensorsError(this.path, name, `dtype ${t.dtype} is not decoded by this reader (readable: ${DTYPES.join(', ')}); its ${t.byteLength} bytes are opaque`);
    const bytes = await this.readBytes(name);
    swapBytes(bytes, DTYPE_SIZES[t.dtype]);
    return viewAs(t.dtype, bytes.buffer as ArrayBuffer);
  }

  /**
   * The tensor's values converted to float32: exact for F32/F16/BF16/BOOL and small integers,
   * rounded for F64 and for integers beyond 2^24.
   */
  async readAsFloat32(name: string): Promise<Float32Array> {
    const data = await this.read(name);
    if (data instanceof Float32Array) return data;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
      return out;
    }
    return Float32Array.from(data);
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h !== null) await h.close();
  }
}

/** Reads exactly `length` bytes at `position`, or fewer when the file ends first. */
async function readAt(handle: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? bytes : bytes.subarray(0, done);
}

/** What a non-regular file is, for messages. */
export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** An open() failure as a reason: "no such file", "too many levels of symbolic links (ELOOP)", … */
export function openFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'ELOOP':
      return 'a symbolic link loop (ELOOP)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOTDIR':
      return 'a part of the path is not a folder (ENOTDIR)';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Opens a safetensors file and parses its header; no tensor data is read. */
export async function openSafetensors(file: string): Promise<SafetensorsFile> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    handle = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw new SafetensorsError(file, null, openFailure(err));
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SafetensorsError(file, null, `is ${fileKind(stat)}, not a safetensors file`);
    const size = stat.size;
    if (size < 8) throw new SafetensorsError(file, null, `file has ${size} bytes; a safetensors file starts with an 8-byte header length`);
    const prefix = await readAt(handle, 8, 0);
    if (prefix.length < 8) throw new SafetensorsError(file, null, 'file ended while reading the 8-byte header length');
    const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
    if (n === 0n) throw new SafetensorsError(file, null, 'header length is 0; the header must be a JSON object');
    if (n > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(file, null, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
    }
    const headerLength = Number(n);
    if (8 + headerLength > size) {
      throw new SafetensorsError(file, null, `header length ${headerLength} runs past the end of the ${size}-byte file (truncated or not a safetensors file?)`);
    }
    const headerBytes = await readAt(handle, headerLength, 8);
    if (headerBytes.length < headerLength) throw new SafetensorsError(file, null, 'file ended while reading the header');
    const { metadata, tensors } = parseHeader(file, headerBytes, size - 8 - headerLength);
    return new SafetensorsFile(file, handle, size, headerLength, metadata, tensors);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Values accepted for writing: numbers for float and ≤32-bit integer dtypes, bigints (or numbers) for 64-bit ones. */
export type WritableData = ArrayLike<number> | ArrayLike<bigint>;

export interface TensorToWrite {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /**
   * Row-major values. A typed array of the dtype's own type is copied as is; other arrays are
   * converted, and an integer dtype rejects a value that is not an integer in its range.
   * F16/BF16 take numbers (rounded to nearest even); BOOL takes 0/1 or booleans.
   */
  readonly data: WritableData | ArrayLike<boolean>;
}

const INT_RANGES: Partial<Record<Dtype, readonly [number, number]>> = {
  I32: [-(2 ** 31), 2 ** 31 - 1],
  U32: [0, 2 ** 32 - 1],
  I16: [-(2 ** 15), 2 ** 15 - 1],
  U16: [0, 2 ** 16 - 1],
  I8: [-128, 127],
  U8: [0, 255],
  BOOL: [0, 1],
};

const NATIVE_TYPES: Partial<Record<Dtype, new (n: number) => ArrayLike<number | bigint>>> = {
  F64: Float64Array,
  F32: Float32Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
  I32: Int32Array,
  U32: Uint32Array,
  I16: Int16Array,
  U16: Uint16Array,
  I8: Int8Array,
  U8: Uint8Array,
};

/** The tensor's bytes, little-endian. Throws a SafetensorsError for a value the dtype cannot hold. */
function encodeTensor(file: string, t: TensorToWrite): Uint8Array {
  const { dtype, data } = t;
  const fail = (i: number, v: unknown, why: string): never => {
    throw new SafetensorsError(file, t.name, `element ${i} (${String(v)}) ${why}`);
  };
  let bytes: Uint8Array;
  const native = NATIVE_TYPES[dtype];
  if (native !== undefined && data instanceof native && ArrayBuffer.isView(data)) {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!HOST_IS_LITTLE_ENDIAN) bytes = bytes.slice();
  } else if (dtype === 'F16' || dtype === 'BF16') {
    const values = toNumbers(file, t);
    const bits = dtype === 'F16' ? encodeF16(values) : encodeBf16(values);
    bytes = new Uint8Array(bits.buffer);
  } else if (dtype === 'I64' || dtype === 'U64') {
    const out = dtype === 'I64' ? new BigInt64Array(data.length) : new BigUint64Array(data.length);
    const [lo, hi] = dtype === 'I64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
      else return fail(i, v, `is not an integer (${dtype} takes bigints or safe integers)`);
      if (b < lo || b > hi) fail(i, v, `is outside the range of ${dtype}`);
      out[i] = b;
    }
    bytes = new Uint8Array(out.buffer);
  } else {
    const Ctor = native ?? Uint8Array; // BOOL is stored as one byte per element
    const out = new Ctor(data.length) as unknown as { [i: number]: number; buffer: ArrayBuffer };
    const range = INT_RANGES[dtype];
    for (let i = 0; i < data.length; i++) {
      const raw = data[i];
      const v = typeof raw === 'boolean' && dtype === 'BOOL' ? Number(raw) : raw;
      if (typeof v !== 'number') return fail(i, raw, `is a ${typeof raw}; ${dtype} takes numbers`);
      if (range !== undefined && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
        fail(i, raw, `is not an integer in [${range[0]}, ${range[1]}] as ${dtype} requires`);
      }
      out[i] = v;
    }
    bytes = new Uint8Array(out.buffer);
  }
  swapBytes(bytes, DTYPE_SIZES[dtype]);
  return bytes;
}

function toNumbers(file: string, t: TensorToWrite): ArrayLike<number> {
  const d = t.data;
  if (d.length > 0 && typeof d[0] !== 'number') {
    throw new SafetensorsError(file, t.name, `${t.dtype} takes numbers, got ${typeof d[0]}`);
  }
  return d as ArrayLike<number>;
}

/** Checks names, dtypes, shapes and lengths before anything is written. */
function checkTensorsToWrite(file: string, tensors: readonly TensorToWrite[], metadata: Record<string, string> | undefined): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new SafetensorsError(file, t.name, 'this name is reserved for the metadata');
    if (seen.has(t.name)) throw new SafetensorsError(file, t.name, 'appears twice; tensor names must be unique');
    seen.add(t.name);
    if (!isDtype(t.dtype)) throw new SafetensorsError(file, t.name, `unknown dtype ${describe(t.dtype)} (supported: ${DTYPES.join(', ')})`);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorsError(file, t.name, `shape must be a list of non-negative integers, got ${JSON.stringify(t.shape)}`);
    }
    const count = elementCount(t.shape);
    if (t.data.length !== count) {
      throw new SafetensorsError(file, t.name, `shape ${JSON.stringify(t.shape)} has ${count} elements but the data has ${t.data.length}`);
    }
  }
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new SafetensorsError(file, null, `metadata value of ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
  }
}

/**
 * The header's bytes, spaces appended so that the buffer starts on an 8-byte boundary. Built by
 * hand rather than with one JSON.stringify so that the entries keep the given order (JS objects
 * move integer-like keys such as "0" to the front).
 */
function buildHeader(tensors: readonly TensorToWrite[], metadata: Record<string, string> | undefined): Uint8Array {
  const entries: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    const meta = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const t of tensors) {
    const size = elementCount(t.shape) * DTYPE_SIZES[t.dtype];
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + size] })}`);
    offset += size;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

/**
 * Writes tensors (in the given order) and string metadata as a safetensors file, atomically
 * (src/core/io/atomicWrite.ts): the bytes go to a temporary file in the same folder, every write
 * is checked for its byte count, the file is fsynced and renamed over `path`. On any failure (a
 * full disk included) the temporary file is removed, nothing appears under `path` (or it keeps
 * its old content), and the error names the file. Tensors are encoded one at a time to bound the
 * extra memory.
 */
export async function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  checkTensorsToWrite(file, tensors, metadata);
  const header = buildHeader(tensors, metadata);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  const chunks: (() => Uint8Array)[] = [() => prefix, () => header, ...tensors.map((t) => () => encodeTensor(file, t))];
  let next = 0;
  await writeChunksAtomic(file, () => (next < chunks.length ? (chunks[next++] as () => Uint8Array)() : null));
}
