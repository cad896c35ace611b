import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import type { ModelParam } from '../model/params';
import { fastOps } from '../fastOps';
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import type { Optimizer, StepOptions, StepReport } from './optimizer';

/**
 * How a step lays out the tensors it hands to `update`: one parameter on its own; a group of
 * same-shaped parameters stacked along a new first axis; or parameters whose shapes differ only
 * in the last dimension concatenated along it (for elementwise rules).
 */
export type SlotLayout = 'single' | 'stacked' | 'concatenated';

/** What a subclass sees of one parameter during a step, or of a group of them (see `SlotLayout`). */
export interface SlotUpdate {
  /** The parameter (for a group: its first member; a stacked group shares shape and kind). */
  readonly param: ModelParam;
  /** The current value: the parameter's variable, or the group's values joined. */
  readonly theta: Tensor;
  /**
   * The raw gradient (joined for a group). When the step clips, it is NOT yet scaled: the rule
   * multiplies by the `gradScale` its `prepare` received (folded into its own constants).
   */
  readonly grad: Tensor;
  /** 'stacked': axis 0 indexes the members (per-tensor reductions skip it). */
  readonly layout: SlotLayout;
  /** false when the gradient holds a NaN or ±Inf (see `SlotOptimizer.step`). */
  readonly finite: boolean;
  /** A slot's current value (`m`, `v`, `momentum`), zeros on first use. */
  slot(name: string): Tensor;
  /** Sets a slot's new value (assigned to the slot variables by the base class). */
  setSlot(name: string, value: Tensor): void;
}

/** A group's optimizer slots kept joined between steps. */
interface JoinedSlots {
  /** Layout, axis and the members' names and shapes: the same group in a later step has the same signature. */
  readonly signature: string;
  readonly names: readonly string[];
  readonly layout: SlotLayout;
  readonly axis: number;
  readonly sizes: readonly number[];
  readonly slots: Map<string, Variable>;
}

/** Parameters updated together: their indices and how their tensors are joined. */
interface Group {
  readonly members: readonly number[];
  readonly layout: SlotLayout;
  /** Concatenation axis (the last one) for 'concatenated'. */
  readonly axis: number;
  /** Each member's extent along `axis`, for the split back. */
  readonly sizes: readonly number[];
}

/**
 * The machinery every optimizer here shares, so each concrete class is only its update rule:
 * lazily created zero slots named `<param>/<slot>`, checkpoint state in and out, gradient
 * accumulation, global-norm gradient clipping with the per-tensor NaN/Inf guard, the optional
 * update norm, and the tidy around the whole step.
 *
 * Kernel launches dominate a step of the small models this trains (~20 µs each on tfjs-node, a
 * few µs on wasm), so the update runs on groups of parameters joined into one tensor: for an
 * elementwise rule (AdamW, Lion, SGD) every parameter whose shape differs from another's only in
 * the last dimension is concatenated along it (all vectors into one, all [64, ·] matrices into
 * one: 29 tensors → 4 in the reference model); for Tiger, whose step size is a per-tensor or
 * per-row RMS, same-shaped parameters of one kind are stacked. One Square + Sum per group gives
 * the global gradient norm and the NaN/Inf check at once (a sum of squares is NaN or ±Inf
 * whenever an entry is), read with one sync; the clip factor c/max(‖g‖, c) is folded into the
 * rule's constants instead of a Mul per tensor. Each element goes through the same float
 * operations as when updated alone.
 *
 * The guard (docs/science.md §3): when a group's sum of squares is not finite, the step falls back to
 * the per-tensor path (`stepPerTensor`), which flags each tensor holding a NaN or ±Inf, computes
 * the global norm over the finite tensors only, clips those with it and updates them exactly as
 * if the flagged ones were absent, and hands each flagged tensor to the rule as not finite:
 * AdamW, Lion and SGD leave it and its slots unchanged, Tiger shrinks it. (Computing the norm
 * over all tensors instead would make it NaN, every clipped gradient NaN, and guard every tensor.)
 * A finite gradient whose sum of squares merely overflows float32 takes the same path and is
 * clipped with a norm computed without overflow.
 *
 * Gradient accumulation (StepOptions.accumulate = k): optimizers whose rule needs the whole
 * gradient (AdamW, Lion, SGD) keep one buffer per group, joined like the gradients, that sums the
 * first k − 1 micro-gradients; the k-th call adds its own and steps with the mean (the 1/k is
 * folded into the gradient scale with the clip factor, so the mean is clipped). The buffer is kept
 * between steps (a training framework keeps its gradient buffers too) and counted in
 * `stateBytes`, not checkpointed: a checkpoint is written between steps, where it holds nothing
 * that the next step needs. Tiger (`accumulatesInMomentum`) needs no buffer.
 */
export abstract class SlotOptimizer<C extends OptimizerConfig, S> implements Optimizer {
  abstract readonly name: OptimizerName;
  readonly config: C;
  /** Slot names each parameter gets, e.g. ['m', 'v']. */
  protected abstract readonly slotNames: readonly string[];
  /**
   * How a parameter may be joined with others for an update; null = on its own.
   * 'concatenated' (the default: AdamW, Lion and SGD, whose rules are elementwise): no per-tensor
   * reduction, so it can be concatenated along its last axis with others of the same `rule` whose
   * other dimensions agree. 'stacked' (Tiger's matrices): the rule reduces per tensor or per row,
   * and skips axis 0; stacked only with the same shape and `rule`.
   */
  protected joinClass(param: ModelParam): { layout: 'concatenated' | 'stacked'; rule: string } | null {
    void param;
    return { layout: 'concatenated', rule: '' };
  }
  /** Per-parameter slots, `<param>/<slot>` (parameters not in a joined group). */
  private readonly state = new Map<string, Variable>();
  /** Slots kept joined between steps, by group signature, and the group of each member. */
  private readonly joined = new Map<string, JoinedSlots>();
  private readonly joinedOf = new Map<string, JoinedSlots>();
  /** Gradient-accumulation buffers (sums of micro-gradients), by group signature. */
  private readonly buffers = new Map<string, Variable>();
  /** Parameter names in the order their state was first created or restored (the getState order). */
  private readonly order: string[] = [];
  /** Per-parameter views of joined slots handed out by getState; released at the next state change. */
  private views: Tensor[] = [];

  /**
   * true when the rule accumulates micro-gradients itself (Tiger, inside its momentum): every
   * micro-batch is then passed to `update`, with `micro` and `accumulate` in the step options.
   * false: the base class sums them in a buffer and calls `update` once, with the mean.
   */
  protected readonly accumulatesInMomentum: boolean = false;

  protected constructor(config: C) {
    this.config = config;
  }

  /**
   * Per-step values shared by all tensors (scalar tensors made once per step rather than once
   * per tensor: each upload costs about as much as a small kernel). Runs inside the step's tidy.
   * `gradScale` (1 unless the step clips) multiplies every gradient; fold it into the constants.
   */
  protected abstract prepare(options: StepOptions, gradScale: number): S;

  /**
   * Computes a parameter's new value and assigns its own slots. Runs inside the step's tidy.
   * Returns the new parameter value, or null when the parameter does not change.
   */
  protected abstract update(u: SlotUpdate, shared: S): Tensor | null;

  step(params: readonly ModelParam[], grads: ReadonlyMap<string, Tensor>, options: StepOptions): StepReport {
    checkStepOptions(options);
    const gradList = params.map((p) => checkedGrad(p, grads));
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name)) throw new Error(`parameter '${p.name}' appears twice in one optimizer step`);
      seen.add(p.name);
    }
    this.releaseViews();
    const clip = options.gradClip ?? 0;
    const k = options.accumulate ?? 1;
    const micro = options.micro ?? 0;
    const buffered = k > 1 && !this.accumulatesInMomentum;
    const groups = makeGroups(params, (p) => this.joinClass(p));
    let report: StepReport = { updateNorm: Number.NaN, nanEvents: 0, gradNorm: Number.NaN };

    tf.tidy(() => {
      let joinedGrads = groups.map((g) => join(g, g.members.map((i) => gradList[i] as Tensor)));
      if (buffered) {
        const buffers = this.buffersFor(groups, params);
        if (micro < k - 1) {
          // Micro-batches 0 … k − 2: into the buffer (the first replaces what the last step left).
          joinedGrads.forEach((g, i) => (buffers[i] as Variable).assign(micro === 0 ? g : tf.add(buffers[i] as Variable, g)));
          report = { updateNorm: options.measure ? 0 : Number.NaN, nanEvents: 0, gradNorm: Number.NaN };
          return;
        }
        joinedGrads = joinedGrads.map((g, i) => tf.add(buffers[i] as Variable, g)); // the sum; 1/k goes into the scale
      }
      // Multiplies the (summed) gradients: the mean's 1/k under buffered accumulation.
      const sumScale = buffered ? 1 / k : 1;
      // One read: every group's sum of squares.
      const squares = joinedGrads.length === 0 ? new Float32Array(0) : (tf.stack(joinedGrads.map((g) => tf.sum(tf.square(g)))).dataSync() as Float32Array);
      let total = 0;
      for (const x of squares) total += x;
      const gradNorm = Math.sqrt(total) * sumScale;
      const gradScale = sumScale * clipFactor(clip, gradNorm);
      if (Number.isFinite(gradNorm) && gradScale >= MIN_FOLDED_SCALE) {
        const updateNorm = this.applyGroups(params, groups, joinedGrads, this.prepare(options, gradScale), options.measure);
        report = { updateNorm, nanEvents: 0, gradNorm: options.measure ? gradNorm : Number.NaN };
      } else {
        const perTensor = new Array<Tensor>(params.length);
        groups.forEach((g, i) => split(g, joinedGrads[i] as Tensor).forEach((t, j) => (perTensor[g.members[j] as number] = t)));
        report = this.stepPerTensor(params, perTensor, sumScale, clip, options);
      }
    });
    return report;
  }

  /**
   * The accumulation buffers of this step's groups: zeros when first made, kept between steps;
   * buffers of groups no longer stepped (the parameter set changed) are released.
   */
  private buffersFor(groups: readonly Group[], params: readonly ModelParam[]): Variable[] {
    const signatures = groups.map((g) => groupSignature(g, g.members.map((i) => params[i] as ModelParam)));
    const wanted = new Set(signatures);
    for (const [sig, v] of this.buffers) {
      if (!wanted.has(sig)) {
        v.dispose();
        this.buffers.delete(sig);
      }
    }
    return groups.map((g, i) => {
      const sig = signatures[i] as string;
      let v = this.buffers.get(sig);
      if (v === undefined) {
        const shape = joinedShape(g, g.members.map((m) => (params[m] as ModelParam).variable.shape));
        v = tf.tidy(() => tf.variable(tf.zeros(shape), false));
        this.buffers.set(sig, v);
      }
      return v;
    });
  }

  /**
   * Updates every group (all gradients finite); returns the update norm when measured. A
   * group's slots stay joined between steps (joinedSlots): no concatenation or split of the
   * optimizer state per step, only of θ and g.
   */
  private applyGroups(params: readonly ModelParam[], groups: readonly Group[], joinedGrads: readonly Tensor[], shared: S, measure: boolean): number {
    const changes: Tensor[] = [];
    groups.forEach((group, g) => {
      const members = group.members.map((i) => params[i] as ModelParam);
      const first = members[0] as ModelParam;
      let slots: ReadonlyMap<string, Variable>;
      if (group.layout === 'single') {
        this.unjoin(first.name);
        slots = this.slotsOf(first);
      } else {
        slots = this.joinedSlots(group, members).slots;
      }
      const theta = join(group, members.map((p) => p.variable));
      const next = this.update(
        {
          param: first,
          theta,
          grad: joinedGrads[g] as Tensor,
          layout: group.layout,
          finite: true,
          slot: (name) => slotVariable(slots, name, first.name),
          setSlot: (name, value) => slotVariable(slots, name, first.name).assign(value),
        },
        shared,
      );
      if (next === null) return;
      if (measure) changes.push(tf.sum(tf.squaredDifference(next, theta)));
      split(group, next).forEach((part, k) => (members[k] as ModelParam).variable.assign(part));
    });
    // One read for all groups: the total squared change.
    if (!measure) return Number.NaN;
    return changes.length === 0 ? 0 : Math.sqrt((tf.addN(changes).dataSync() as Float32Array)[0] as number);
  }

  /**
   * The joined slots of a group, made on first use from the members' own slots (zeros, or
   * restored state), whose variables are then released; a member that belonged to another
   * joined group is split out of it first (the parameter set changed between calls).
   */
  private joinedSlots(group: Group, members: readonly ModelParam[]): JoinedSlots {
    const signature = groupSignature(group, members);
    const existing = this.joined.get(signature);
    if (existing) return existing;
    for (const p of members) this.unjoin(p.name);
    const perParam = members.map((p) => this.slotsOf(p));
    const slots = new Map<string, Variable>();
    for (const slot of this.slotNames) {
      const parts = perParam.map((m) => slotVariable(m, slot, (members[0] as ModelParam).name));
      slots.set(slot, tf.tidy(() => tf.variable(join(group, parts), false)));
      parts.forEach((v, k) => {
        v.dispose();
        this.state.delete(`${(members[k] as ModelParam).name}/${slot}`);
      });
    }
    const entry: JoinedSlots = { signature, names: members.map((p) => p.name), layout: group.layout, axis: group.axis, sizes: group.sizes, slots };
    this.joined.set(signature, entry);
    for (const p of members) this.joinedOf.set(p.name, entry);
    return entry;
  }

  /** Splits the joined group holding this parameter (if any) back into per-parameter slots. */
  private unjoin(name: string): void {
    const entry = this.joinedOf.get(name);
    if (!entry) return;
    for (const [slot, v] of entry.slots) {
      const parts = tf.tidy(() => splitJoined(entry, v).map((t) => tf.variable(t, false)));
      parts.forEach((part, k) => this.state.set(`${entry.names[k] as string}/${slot}`, part));
      v.dispose();
    }
    this.joined.delete(entry.signature);
    for (const n of entry.names) this.joinedOf.delete(n);
  }

  private releaseViews(): void {
    for (const t of this.views) t.dispose();
    this.views = [];
  }

  /**
   * The step when some group's sum of squares is not finite: a NaN or ±Inf in a gradient, or a
   * finite sum of squares that overflows float32. Per tensor, one read gives the sum of squares
   * and whether every entry is finite; a tensor with a NaN or ±Inf is flagged and left out of
   * the global norm, every other tensor is clipped with the norm of the finite ones and steps as
   * the fast path would step it without the flagged tensors (same scale folded into the
   * constants), and each flagged one reaches the rule with `finite: false`.
   *
   * `grads` are the step's gradients (sums of micro-gradients under buffered accumulation),
   * `sumScale` the factor that makes them the gradient (1/k, or 1).
   */
  private stepPerTensor(
    params: readonly ModelParam[],
    grads: readonly Tensor[],
    sumScale: number,
    clip: number,
    options: StepOptions,
  ): StepReport {
    // [P, 2]: Σ g² and min over entries of isFinite(g) (1 = every entry finite).
    const stats = tf.stack(grads.map((g) => tf.stack([tf.sum(tf.square(g)), tf.min(tf.cast(tf.isFinite(g), 'float32'))]))).dataSync();
    const finite = grads.map((_, i) => stats[2 * i + 1] === 1);
    const squares = grads.map((_, i) => stats[2 * i] as number);
    // A finite tensor whose Σ g² overflowed: max|g|² · Σ (g / max|g|)², in float64 on the host.
    const overflowed = grads.map((_, i) => i).filter((i) => finite[i] && !Number.isFinite(squares[i]));
    if (overflowed.length > 0) {
      const scaled = tf
        .stack(
          overflowed.map((i) => {
            const g = grads[i] as Tensor;
            const maxAbs = tf.max(tf.abs(g));
            return tf.stack([maxAbs, tf.sum(tf.square(tf.div(g, maxAbs)))]);
          }),
        )
        .dataSync();
      overflowed.forEach((i, j) => (squares[i] = (scaled[2 * j] as number) ** 2 * (scaled[2 * j + 1] as number)));
    }
    let total = 0;
    squares.forEach((x, i) => {
      if (finite[i]) total += x;
    });
    const gradNorm = Math.sqrt(total) * sumScale;
    const scale = sumScale * clipFactor(clip, gradNorm);
    // The scale folded into the rule's constants, as in the fast path; a tiny one as its own multiply.
    const folded = scale >= MIN_FOLDED_SCALE;
    const scaleT = folded ? null : tf.scalar(scale);
    const clipped = grads.map((g, i) => (folded || !finite[i] ? g : tf.mul(g, scaleT as Tensor)));
    const shared = this.prepare(options, folded ? scale : 1);
    const changes: Tensor[] = [];
    // Members of joined slots read and write their part of a split copy, joined back at the end.
    const parts = new Map<JoinedSlots, Map<string, Tensor[]>>();
    const partsOf = (entry: JoinedSlots, slot: string, param: string): Tensor[] => {
      let bySlot = parts.get(entry);
      if (!bySlot) parts.set(entry, (bySlot = new Map()));
      let list = bySlot.get(slot);
      if (!list) bySlot.set(slot, (list = splitJoined(entry, slotVariable(entry.slots, slot, param))));
      return list;
    };
    params.forEach((param, i) => {
      const entry = this.joinedOf.get(param.name);
      const k = entry ? entry.names.indexOf(param.name) : -1;
      const own = entry ? null : this.slotsOf(param);
      const next = this.update(
        {
          param,
          theta: param.variable,
          grad: clipped[i] as Tensor,
          layout: 'single',
          finite: finite[i] as boolean,
          slot: (name) => (entry ? (partsOf(entry, name, param.name)[k] as Tensor) : slotVariable(own as Map<string, Variable>, name, param.name)),
          setSlot: (name, value) => {
            if (entry) partsOf(entry, name, param.name)[k] = value;
            else slotVariable(own as Map<string, Variable>, name, param.name).assign(value);
          },
        },
        shared,
      );
      if (next === null) return;
      if (options.measure) changes.push(tf.sum(tf.squaredDifference(next, param.variable)));
      param.variable.assign(next);
    });
    for (const [entry, bySlot] of parts) {
      const group: Group = { members: entry.names.map((_, k) => k), layout: entry.layout, axis: entry.axis, sizes: entry.sizes };
      for (const [slot, list] of bySlot) slotVariable(entry.slots, slot, entry.names[0] as string).assign(join(group, list));
    }
    const updateNorm = !options.measure ? Number.NaN : changes.length === 0 ? 0 : Math.sqrt((tf.addN(changes).dataSync() as Float32Array)[0] as number);
    return { updateNorm, nanEvents: finite.filter((f) => !f).length, gradNorm: options.measure ? gradNorm : Number.NaN };
  }

  /**
   * Per-parameter state in the order it was created (the checkpoint's tensor order). Slots kept
   * joined are handed out as views split off for this call; they stay valid until the next
   * step, setState or dispose (the optimizer keeps ownership, as of every state tensor).
   */
  getState(): Map<string, Tensor> {
    this.releaseViews();
    const joinedParts = new Map<string, Tensor>();
    for (const entry of this.joined.values()) {
      for (const [slot, v] of entry.slots) {
        const parts = tf.tidy(() => splitJoined(entry, v));
        parts.forEach((t, k) => joinedParts.set(`${entry.names[k] as string}/${slot}`, t));
        this.views.push(...parts);
      }
    }
    const out = new Map<string, Tensor>();
    for (const name of this.order) {
      for (const slot of this.slotNames) {
        const key = `${name}/${slot}`;
        const t = this.state.get(key) ?? joinedParts.get(key);
        if (t !== undefined) out.set(key, t);
      }
    }
    return out;
  }

  setState(state: ReadonlyMap<string, Tensor>): void {
    // Validate everything before touching the current state.
    const perParam = new Map<string, Set<string>>();
    for (const [name, t] of state) {
      const cut = name.lastIndexOf('/');
      const slot = cut < 0 ? '' : name.slice(cut + 1);
      if (cut <= 0 || !this.slotNames.includes(slot)) {
        throw new Error(
          `${this.name}: unexpected state tensor '${name}' (expected '<param>/${this.slotNames.join("' or '<param>/")}')`,
        );
      }
      if (t.dtype !== 'float32') throw new Error(`${this.name}: state tensor '${name}' is ${t.dtype}, expected float32`);
      const owner = name.slice(0, cut);
      const slots = perParam.get(owner) ?? new Set<string>();
      slots.add(slot);
      perParam.set(owner, slots);
    }
    for (const [owner, slots] of perParam) {
      if (slots.size !== this.slotNames.length) {
        const missing = this.slotNames.filter((s) => !slots.has(s)).map((s) => `${owner}/${s}`);
        throw new Error(`${this.name}: incomplete state, missing ${missing.join(', ')}`);
      }
    }
    this.disposeState();
    // A variable shares the (immutable) data of its initial value: this is a copy in effect,
    // since later assigns replace the variable's data instead of writing into it.
    for (const [name, t] of state) {
      this.state.set(name, tf.variable(t, false));
      const owner = name.slice(0, name.lastIndexOf('/'));
      if (!this.order.includes(owner)) this.order.push(owner);
    }
  }

  stateBytes(): number {
    let bytes = 0;
    for (const v of this.state.values()) bytes += v.size * 4; // float32 only (checked in setState)
    for (const entry of this.joined.values()) for (const v of entry.slots.values()) bytes += v.size * 4;
    for (const v of this.buffers.values()) bytes += v.size * 4;
    return bytes;
  }

  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    this.releaseViews();
    for (const v of this.state.values()) v.dispose();
    this.state.clear();
    for (const entry of this.joined.values()) for (const v of entry.slots.values()) v.dispose();
    this.joined.clear();
    this.joinedOf.clear();
    this.order.length = 0;
    for (const v of this.buffers.values()) v.dispose();
    this.buffers.clear();
  }

  /** The parameter's slots by short name; zeros on first use, shape-checked when restored. */
  private slotsOf(param: ModelParam): Map<string, Variable> {
    const out = new Map<string, Variable>();
    for (const slot of this.slotNames) {
      const key = `${param.name}/${slot}`;
      let v = this.state.get(key);
      if (v === undefined) {
        v = tf.tidy(() => tf.variable(tf.zerosLike(param.variable), false));
        this.state.set(key, v);
        if (!this.order.includes(param.name)) this.order.push(param.name);
      } else if (!sameShape(v.shape, param.variable.shape)) {
        throw new Error(
          `${this.name}: state '${key}' has shape [${v.shape.join(', ')}] but the parameter has [${param.variable.shape.join(', ')}]`,
        );
      }
      out.set(slot, v);
    }
    return out;
  }
}

/**
 * Below this clip factor (a gradient norm ~1e15 × the clip) the factor is applied as its own
 * multiply (per-tensor path) rather than folded into the rules' constants, where its square
 * (AdamW) would lose precision in float32.
 */
const MIN_FOLDED_SCALE = 1e-15;

/** A slot variable of one parameter; throws if the optimizer did not declare the slot. */
function slotVariable(slots: ReadonlyMap<string, Variable>, name: string, param: string): Variable {
  const v = slots.get(name);
  if (v === undefined) throw new Error(`no optimizer slot '${name}' for parameter '${param}'`);
  return v;
}

/**
 * Groups in first-appearance order: same-rule parameters concatenated along the last axis when
 * the other dimensions agree (all vectors together, all matrices with the same number of rows
 * together), or stacked when the shapes are equal; a group of one is 'single'. Then the
 * concatenation groups (and lone parameters of that class) whose members all share every
 * dimension but the first are merged along axis 0 (e.g. the token and position tables with the
 * [d_ff, d_model] projections): 29 tensors of the reference model become 3 groups.
 */
function makeGroups(
  params: readonly ModelParam[],
  joinClass: (p: ModelParam) => { layout: 'concatenated' | 'stacked'; rule: string } | null,
): Group[] {
  const shapeOf = (i: number): number[] => (params[i] as ModelParam).variable.shape;
  const byKey = new Map<string, number[]>();
  const info = new Map<string, { layout: SlotLayout; rule: string }>();
  params.forEach((p, i) => {
    const shape = p.variable.shape;
    const c = joinClass(p);
    let key: string;
    if (c === null || shape.length === 0) key = `single:${i}`;
    else if (c.layout === 'concatenated') key = `c:${c.rule}:${shape.length}:${shape.slice(0, -1).join('x')}`;
    else key = `s:${c.rule}:${shape.join('x')}`;
    const g = byKey.get(key);
    if (g) g.push(i);
    else byKey.set(key, [i]);
    info.set(key, c === null || shape.length === 0 ? { layout: 'single', rule: '' } : { layout: c.layout, rule: c.rule });
  });
  // Second pass: merge along axis 0 the last-axis groups whose members agree in every dimension but the first.
  interface Draft {
    members: number[];
    layout: SlotLayout;
    axis: number;
  }
  const drafts: Draft[] = [];
  const byTrailing = new Map<string, Draft>();
  for (const [key, members] of byKey) {
    const { layout, rule } = info.get(key) as { layout: SlotLayout; rule: string };
    const rank = shapeOf(members[0] as number).length;
    const trailing = new Set(members.map((i) => shapeOf(i).slice(1).join('x')));
    if (layout === 'concatenated' && rank >= 2 && trailing.size === 1) {
      const tKey = `${rule}:${rank}:${[...trailing].join('')}`;
      const merged = byTrailing.get(tKey);
      if (merged) {
        merged.members.push(...members);
        merged.axis = 0;
        continue;
      }
      const draft: Draft = { members: [...members], layout, axis: members.length > 1 ? rank - 1 : 0 };
      byTrailing.set(tKey, draft);
      drafts.push(draft);
      continue;
    }
    drafts.push({ members, layout, axis: rank - 1 });
  }
  return drafts.map(({ members, layout, axis }) => {
    if (members.length === 1) return { members, layout: 'single', axis: 0, sizes: [] };
    if (layout !== 'concatenated') return { members, layout, axis: 0, sizes: [] };
    return { members, layout, axis, sizes: members.map((i) => shapeOf(i)[axis] as number) };
  });
}

/** Layout, axis and the members' names and shapes: the same group in a later step has the same signature. */
function groupSignature(group: Group, members: readonly ModelParam[]): string {
  return `${group.layout}:${group.axis}:${members.map((p) => `${p.name}[${p.variable.shape.join('x')}]`).join(',')}`;
}

/** The shape `join` gives a group whose members have these shapes. */
function joinedShape(group: Group, shapes: readonly (readonly number[])[]): number[] {
  const first = [...(shapes[0] as readonly number[])];
  switch (group.layout) {
    case 'single':
      return first;
    case 'stacked':
      return [shapes.length, ...first];
    case 'concatenated':
      first[group.axis] = shapes.reduce((sum, sh) => sum + (sh[group.axis] as number), 0);
      return first;
  }
}

/** The global-norm clip factor c / max(‖g‖, c); 1 when clipping is off or ‖g‖ ≤ c. */
function clipFactor(clip: number, norm: number): number {
  return clip > 0 && norm > clip ? clip / norm : 1;
}

/** A joined slot split back into one tensor per member. */
function splitJoined(entry: JoinedSlots, joined: Tensor): Tensor[] {
  return split({ members: entry.names.map((_, k) => k), layout: entry.layout, axis: entry.axis, sizes: entry.sizes }, joined);
}

/** The group's tensors as one (members in order). */
function join(group: Group, tensors: readonly Tensor[]): Tensor {
  switch (group.layout) {
    case 'single':
      return tensors[0] as Tensor;
    case 'stacked':
      return tf.stack(tensors as Tensor[]);
    case 'concatenated':
      // fastOps (no tape in an optimizer step): the native backend uploads no axis per call.
      return tensors.length > 1 ? fastOps().concat(tensors as Tensor[], group.axis) : tf.concat(tensors as Tensor[], group.axis);
  }
}

/** The inverse of `join`: one tensor per member. */
function split(group: Group, joined: Tensor): Tensor[] {
  switch (group.layout) {
    case 'single':
      return [joined];
    case 'stacked':
      return tf.unstack(joined);
    case 'concatenated':
      return fastOps().split(joined, group.sizes as number[], group.axis);
  }
}

function checkStepOptions(o: StepOptions): void {
  if (!Number.isInteger(o.step) || o.step < 0) throw new Error(`optimizer step must be an integer >= 0, got ${o.step}`);
  if (!Number.isFinite(o.lr) || o.lr < 0) throw new Error(`optimizer lr must be a finite number >= 0, got ${o.lr}`);
  if (o.gradClip !== undefined && !(Number.isFinite(o.gradClip) && o.gradClip >= 0)) {
    throw new Error(`optimizer gradClip must be a finite number >= 0 (0 = off), got ${o.gradClip}`);
  }
  const k = o.accumulate ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`optimizer accumulate must be an integer >= 1, got ${String(o.accumulate)}`);
  const micro = o.micro ?? 0;
  if (!Number.isInteger(micro) || micro < 0 || micro >= k) {
    throw new Error(`optimizer micro must be an integer in [0, ${k - 1}] (micro-batch index under accumulate ${k}), got ${String(o.micro)}`);
  }
}

function checkedGrad(p: ModelParam, grads: ReadonlyMap<string, Tensor>): Tensor {
  const g = grads.get(p.name);
  if (g === undefined) throw new Error(`no gradient for parameter '${p.name}'`);
  if (!sameShape(g.shape, p.variable.shape)) {
    throw new Error(
      `gradient of '${p.name}' has shape [${g.shape.join(', ')}] but the parameter has [${p.variable.shape.join(', ')}]`,
    );
  }
  if (p.variable.dtype !== 'float32') throw new Error(`parameter '${p.name}' is ${p.variable.dtype}, expected float32`);
  return g;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
