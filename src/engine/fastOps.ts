/**
 * The ops of the model's hand-written gradients and of the optimizers' updates, where tfjs's
 * gradient tape is off (inside a custom-gradient function, or in a plain tidy). On the native
 * `tensorflow` backend they call TensorFlow through tfjs-node's binding directly: the same
 * TensorFlow kernels tfjs-node's own kernels call (Mul, Add, BatchMatMulV2, Sum, …, so the same
 * values), without tfjs's per-call work around them (kernel lookup, tape and scope bookkeeping,
 * new attribute objects), and with constants uploaded once: the scalars of GELU and LayerNorm,
 * and the int32 axis, shape and permutation tensors that tfjs-node uploads on every Sum,
 * Reshape, Transpose, ConcatV2 and SplitV. Every op gives bit for bit what its tf.* op gives
 * (test/backends/fastOps.test.ts); a trained run's numbers are unchanged. Elsewhere (wasm, cpu)
 * they are the tf.* ops. docs/benchmarks.md has the measurements (session 3).
 *
 * Never use them where autodiff must see the op: the native path checks that the tape is off
 * and throws otherwise.
 */
import { tf } from './tf';
import type { Tensor } from './tf';

export interface FastOps {
  /** true on the native backend (the direct path). */
  readonly native: boolean;
  add(a: Tensor, b: Tensor | number): Tensor;
  /** x [..., C] + bias [C] (TensorFlow's BiasAdd on the native backend: the same sums as a broadcasting Add, in a kernel made for it). */
  biasAdd(x: Tensor, bias: Tensor): Tensor;
  sub(a: Tensor | number, b: Tensor | number): Tensor;
  mul(a: Tensor, b: Tensor | number): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  square(x: Tensor): Tensor;
  sqrt(x: Tensor): Tensor;
  rsqrt(x: Tensor): Tensor;
  sigmoid(x: Tensor): Tensor;
  exp(x: Tensor): Tensor;
  log(x: Tensor): Tensor;
  softmax(x: Tensor): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  /** Sum over `axis` (negative counts from the end). */
  sum(x: Tensor, axis: number | number[], keepDims?: boolean): Tensor;
  max(x: Tensor, axis: number, keepDims?: boolean): Tensor;
  reshape(x: Tensor, shape: number[]): Tensor;
  transpose(x: Tensor, perm: number[]): Tensor;
  concat(xs: Tensor[], axis: number): Tensor;
  /** Splits into parts of the given sizes along `axis`. */
  split(x: Tensor, sizes: number[], axis: number): Tensor[];
  /** A float32 tensor of `shape` filled with `value`: kept and reused on the native backend (never dispose it), a new tensor elsewhere. */
  filled(value: number, shape: number[]): Tensor;
}

const generic: FastOps = {
  native: false,
  add: (a, b) => tf.add(a, b),
  biasAdd: (x, bias) => tf.add(x, bias),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  square: (x) => tf.square(x),
  sqrt: (x) => tf.sqrt(x),
  rsqrt: (x) => tf.rsqrt(x),
  sigmoid: (x) => tf.sigmoid(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  softmax: (x) => tf.softmax(x),
  matMul: (a, b, ta = false, tb = false) => tf.matMul(a, b, ta, tb),
  sum: (x, axis, keepDims = false) => tf.sum(x, axis, keepDims),
  max: (x, axis, keepDims = false) => tf.max(x, axis, keepDims),
  reshape: (x, shape) => tf.reshape(x, shape),
  transpose: (x, perm) => tf.transpose(x, perm),
  concat: (xs, axis) => tf.concat(xs, axis),
  split: (x, sizes, axis) => tf.split(x, sizes, axis),
  filled: (value, shape) => tf.fill(shape, value, 'float32'),
};

interface Attr {
  name: string;
  type: number;
  value: unknown;
}
interface Binding {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_INT: number;
  TF_FLOAT: number;
  TF_INT32: number;
}
interface NodeBackend {
  binding: Binding;
  executeSingleOutput(name: string, attrs: Attr[], inputs: Tensor[]): Tensor;
  executeMultipleOutputs(name: string, attrs: Attr[], inputs: Tensor[], n: number): Tensor[];
}
interface EngineState {
  gradientDepth: number;
  kernelDepth: number;
}

/** Constants kept per backend (bounded: shapes vary with batch and length, a little). */
const MAX_CONSTANTS = 2048;

class NativeOps implements FastOps {
  readonly native = true;
  private readonly f: Attr[];
  private readonly reduce: [Attr[], Attr[]];
  private readonly mm: Attr[][];
  private readonly reshapeAttrs: Attr[];
  private readonly transposeAttrs: Attr[];
  private readonly splitType: Attr[];
  private readonly concatType: Attr[];
  private readonly constants = new Map<string, Tensor>();
  private readonly state: EngineState;

  constructor(private readonly b: NodeBackend) {
    const B = b.binding;
    const type = (name: string, v: number): Attr => ({ name, type: B.TF_ATTR_TYPE, value: v });
    const bool = (name: string, v: boolean): Attr => ({ name, type: B.TF_ATTR_BOOL, value: v });
    this.f = [type('T', B.TF_FLOAT)];
    this.reduce = [false, true].map((k) => [bool('keep_dims', k), type('T', B.TF_FLOAT), type('Tidx', B.TF_INT32)]) as [Attr[], Attr[]];
    this.mm = [0, 1, 2, 3].map((i) => [type('T', B.TF_FLOAT), bool('adj_x', (i & 1) !== 0), bool('adj_y', (i & 2) !== 0)]);
    this.reshapeAttrs = [type('T', B.TF_FLOAT), type('Tshape', B.TF_INT32)];
    this.transposeAttrs = [type('T', B.TF_FLOAT), type('Tperm', B.TF_INT32)];
    this.splitType = [type('T', B.TF_FLOAT), type('Tlen', B.TF_INT32)];
    this.concatType = [type('Tidx', B.TF_INT32), type('T', B.TF_FLOAT)];
    this.state = (tf.engine() as unknown as { state: EngineState }).state;
  }

  /** The kept constants: tensors and bytes (tests subtract them from tf.memory()). */
  kept(): { tensors: number; bytes: number } {
    let tensors = 0;
    let bytes = 0;
    for (const t of this.constants.values()) {
      if (t.isDisposed) continue;
      tensors += 1;
      bytes += t.size * 4; // float32 and int32 alike
    }
    return { tensors, bytes };
  }

  private run(name: string, attrs: Attr[], inputs: Tensor[]): Tensor {
    if (this.state.gradientDepth > 0 && this.state.kernelDepth === 0) {
      throw new Error(`fastOps.${name}: called where the gradient tape records; use tf.* there (fastOps.ts)`);
    }
    return this.b.executeSingleOutput(name, attrs, inputs);
  }

  private constant(key: string, make: () => Tensor): Tensor {
    const hit = this.constants.get(key);
    if (hit && !hit.isDisposed) return hit;
    if (this.constants.size >= MAX_CONSTANTS) {
      for (const t of this.constants.values()) t.dispose();
      this.constants.clear();
    }
    const t = tf.keep(make());
    this.constants.set(key, t);
    return t;
  }

  private scalarOf(v: Tensor | number): Tensor {
    return typeof v === 'number' ? this.constant(`f${v}`, () => tf.scalar(v, 'float32')) : v;
  }

  private ints(values: number[]): Tensor {
    return this.constant(`i${values.join(',')}`, () => tf.tensor1d(values, 'int32'));
  }

  private intScalar(v: number): Tensor {
    return this.constant(`s${v}`, () => tf.scalar(v, 'int32'));
  }

  filled(value: number, shape: number[]): Tensor {
    return this.constant(`F${value}:${shape.join('x')}`, () => tf.fill(shape, value, 'float32'));
  }

  private axes(x: Tensor, axis: number | number[]): number[] {
    const list = Array.isArray(axis) ? axis : [axis];
    return list.map((a) => (a < 0 ? a + x.rank : a)).sort((p, q) => p - q);
  }

  add(a: Tensor, b: Tensor | number): Tensor {
    return this.run('Add', this.f, [a, this.scalarOf(b)]);
  }
  biasAdd(x: Tensor, bias: Tensor): Tensor {
    return this.run('BiasAdd', this.f, [x, bias]);
  }
  sub(a: Tensor | number, b: Tensor | number): Tensor {
    return this.run('Sub', this.f, [this.scalarOf(a), this.scalarOf(b)]);
  }
  mul(a: Tensor, b: Tensor | number): Tensor {
    return this.run('Mul', this.f, [a, this.scalarOf(b)]);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.run('RealDiv', this.f, [a, b]);
  }
  square(x: Tensor): Tensor {
    return this.run('Square', this.f, [x]);
  }
  sqrt(x: Tensor): Tensor {
    return this.run('Sqrt', this.f, [x]);
  }
  rsqrt(x: Tensor): Tensor {
    return this.run('Rsqrt', this.f, [x]);
  }
  sigmoid(x: Tensor): Tensor {
    return this.run('Sigmoid', this.f, [x]);
  }
  exp(x: Tensor): Tensor {
    return this.run('Exp', this.f, [x]);
  }
  log(x: Tensor): Tensor {
    return this.run('Log', this.f, [x]);
  }
  softmax(x: Tensor): Tensor {
    return this.run('Softmax', this.f, [x]);
  }
  matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
    return this.run('BatchMatMulV2', this.mm[(transposeA ? 1 : 0) + (transposeB ? 2 : 0)] as Attr[], [a, b]);
  }
  sum(x: Tensor, axis: number | number[], keepDims = false): Tensor {
    return this.run('Sum', this.reduce[keepDims ? 1 : 0], [x, this.ints(this.axes(x, axis))]);
  }
  max(x: Tensor, axis: number, keepDims = false): Tensor {
    return this.run('Max', this.reduce[keepDims ? 1 : 0], [x, this.ints(this.axes(x, axis))]);
  }
  reshape(x: Tensor, shape: number[]): Tensor {
    return this.run('Reshape', this.reshapeAttrs, [x, this.ints(shape)]);
  }
  transpose(x: Tensor, perm: number[]): Tensor {
    return this.run('Transpose', this.transposeAttrs, [x, this.ints(perm)]);
  }
  concat(xs: Tensor[], axis: number): Tensor {
    const a = axis < 0 ? axis + (xs[0] as Tensor).rank : axis;
    const attrs = [{ name: 'N', type: this.b.binding.TF_ATTR_INT, value: xs.length }, ...this.concatType];
    return this.run('ConcatV2', attrs, [...xs, this.intScalar(a)]);
  }
  split(x: Tensor, sizes: number[], axis: number): Tensor[] {
    if (this.state.gradientDepth > 0 && this.state.kernelDepth === 0) throw new Error('fastOps.split: called where the gradient tape records');
    const a = axis < 0 ? axis + x.rank : axis;
    const attrs = [{ name: 'num_split', type: this.b.binding.TF_ATTR_INT, value: sizes.length }, ...this.splitType];
    return this.b.executeMultipleOutputs('SplitV', attrs, [x, this.ints(sizes), this.intScalar(a)], sizes.length);
  }
}

/** One NativeOps per backend instance (tests switch backends; a new instance after a reset). */
const natives = new WeakMap<object, NativeOps>();

/** The ops for the current backend. Cheap: call it where the ops are used. */
export function fastOps(): FastOps {
  if (tf.getBackend() !== 'tensorflow') return generic;
  const backend = tf.backend() as unknown as NodeBackend;
  let ops = natives.get(backend);
  if (!ops) {
    ops = new NativeOps(backend);
    natives.set(backend, ops);
  }
  return ops;
}

/** Tensors and bytes fastOps keeps on the current backend (its constants): tests subtract them when counting leaks. */
export function fastOpsKept(): { tensors: number; bytes: number } {
  if (tf.getBackend() !== 'tensorflow') return { tensors: 0, bytes: 0 };
  return natives.get(tf.backend())?.kept() ?? { tensors: 0, bytes: 0 };
}
