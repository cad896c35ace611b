import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import type { ModelParam } from '../model/params';
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
 * lazily created zero slots named `<param>/<slot>`, checkpoint state in and out, global-norm
 * gradient clipping and the NaN/Inf check of all gradients with one device→host read, the
 * optional update norm with one more, and the tidy around the whole step.
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
 * operations as when updated alone. When a group's sum of squares is not finite, the step falls
 * back to the per-tensor path with the original semantics: gradients clipped by a norm computed
 * on the device, each flagged by its own float32 sum (NaN and Inf propagate through addition,
 * Inf − Inf = NaN), and only the flagged tensors skipped.
 */
export abstract class SlotOptimizer<C extends OptimizerConfig, S> implements Optimizer {
  abstract readonly name: OptimizerName;
  readonly config: C;
  /** Slot names each parameter gets, e.g. ['m', 'v']. */
  protected abstract readonly slotNames: readonly string[];
  /**
   * How a parameter may be joined with others for an update; null = on its own (the default).
   * 'concatenated': the rule is elementwise for this parameter (no per-tensor reduction), so it
   * can be concatenated along its last axis with others of the same `rule` whose other
   * dimensions agree. 'stacked': the rule reduces per tensor or per row, and skips axis 0 when
   * `layout` is 'stacked'; stacked only with the same shape and `rule`.
   */
  protected joinClass(param: ModelParam): { layout: 'concatenated' | 'stacked'; rule: string } | null {
    void param;
    return null;
  }
  private readonly state = new Map<string, Variable>();

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
    const slotMaps = params.map((p) => this.slotsOf(p));
    const clip = options.gradClip ?? 0;
    const groups = makeGroups(params, (p) => this.joinClass(p));
    let report: StepReport = { updateNorm: Number.NaN, nanEvents: 0, gradNorm: Number.NaN };

    tf.tidy(() => {
      const joinedGrads = groups.map((g) => join(g, g.members.map((i) => gradList[i] as Tensor)));
      // One read: every group's sum of squares.
      const squares = joinedGrads.length === 0 ? new Float32Array(0) : (tf.stack(joinedGrads.map((g) => tf.sum(tf.square(g)))).dataSync() as Float32Array);
      let total = 0;
      for (const x of squares) total += x;
      const gradNorm = Math.sqrt(total);
      const gradScale = clip > 0 && gradNorm > clip ? clip / gradNorm : 1;
      if (Number.isFinite(gradNorm) && gradScale >= MIN_FOLDED_SCALE) {
        const updateNorm = this.applyGroups(params, groups, joinedGrads, slotMaps, this.prepare(options, gradScale), options.measure);
        report = { updateNorm, nanEvents: 0, gradNorm: options.measure ? gradNorm : Number.NaN };
      } else {
        report = this.stepPerTensor(params, gradList, slotMaps, clip, options);
      }
    });
    return report;
  }

  /** Updates every group (all gradients finite); returns the update norm when measured. */
  private applyGroups(
    params: readonly ModelParam[],
    groups: readonly Group[],
    joinedGrads: readonly Tensor[],
    slotMaps: readonly Map<string, Variable>[],
    shared: S,
    measure: boolean,
  ): number {
    const changes: Tensor[] = [];
    groups.forEach((group, g) => {
      const first = params[group.members[0] as number] as ModelParam;
      const members = group.members.map((i) => slotMaps[i] as Map<string, Variable>);
      const joinedSlots = new Map<string, Tensor>();
      const newSlots = new Map<string, Tensor>();
      const theta = join(group, group.members.map((i) => (params[i] as ModelParam).variable));
      const next = this.update(
        {
          param: first,
          theta,
          grad: joinedGrads[g] as Tensor,
          layout: group.layout,
          finite: true,
          slot: (name) => {
            let t = joinedSlots.get(name);
            if (t === undefined) {
              t = join(group, members.map((m) => slotVariable(m, name, first.name)));
              joinedSlots.set(name, t);
            }
            return t;
          },
          setSlot: (name, value) => void newSlots.set(name, value),
        },
        shared,
      );
      for (const [name, value] of newSlots) {
        split(group, value).forEach((part, k) => slotVariable(members[k] as Map<string, Variable>, name, first.name).assign(part));
      }
      if (next === null) return;
      if (measure) changes.push(tf.sum(tf.squaredDifference(next, theta)));
      split(group, next).forEach((part, k) => (params[group.members[k] as number] as ModelParam).variable.assign(part));
    });
    // One read for all groups: the total squared change.
    if (!measure) return Number.NaN;
    return changes.length === 0 ? 0 : Math.sqrt((tf.addN(changes).dataSync() as Float32Array)[0] as number);
  }

  /**
   * The step when some gradient holds a NaN/Inf (or its sum of squares overflows): clipping as
   * a separate pass with the norm computed on the device, then every tensor on its own, the
   * ones whose clipped gradient is not finite skipped (or shrunk, for Tiger).
   */
  private stepPerTensor(
    params: readonly ModelParam[],
    gradList: readonly Tensor[],
    slotMaps: readonly Map<string, Variable>[],
    clip: number,
    options: StepOptions,
  ): StepReport {
    let gradNorm = Number.NaN;
    let clipped = gradList;
    if (clip > 0 || options.measure) {
      const normT = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g)))));
      if (options.measure) gradNorm = normT.dataSync()[0] as number;
      if (clip > 0) {
        const scale = tf.div(tf.scalar(clip), tf.maximum(normT, tf.scalar(clip)));
        clipped = gradList.map((g) => tf.mul(g, scale));
      }
    }
    const finite = finiteFlags(clipped);
    const shared = this.prepare(options, 1);
    const changes: Tensor[] = [];
    params.forEach((param, i) => {
      const slots = slotMaps[i] as Map<string, Variable>;
      const next = this.update(
        {
          param,
          theta: param.variable,
          grad: clipped[i] as Tensor,
          layout: 'single',
          finite: finite[i] as boolean,
          slot: (name) => slotVariable(slots, name, param.name),
          setSlot: (name, value) => slotVariable(slots, name, param.name).assign(value),
        },
        shared,
      );
      if (next === null) return;
      if (options.measure) changes.push(tf.sum(tf.squaredDifference(next, param.variable)));
      param.variable.assign(next);
    });
    const updateNorm = !options.measure ? Number.NaN : changes.length === 0 ? 0 : Math.sqrt((tf.addN(changes).dataSync() as Float32Array)[0] as number);
    return { updateNorm, nanEvents: finite.filter((f) => !f).length, gradNorm };
  }

  getState(): Map<string, Tensor> {
    return new Map(this.state);
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
    for (const [name, t] of state) this.state.set(name, tf.variable(t, false));
  }

  stateBytes(): number {
    let bytes = 0;
    for (const v of this.state.values()) bytes += v.size * 4; // float32 only (checked in setState)
    return bytes;
  }

  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const v of this.state.values()) v.dispose();
    this.state.clear();
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
 * together), or stacked when the shapes are equal; a group of one is 'single'.
 */
function makeGroups(
  params: readonly ModelParam[],
  joinClass: (p: ModelParam) => { layout: 'concatenated' | 'stacked'; rule: string } | null,
): Group[] {
  const byKey = new Map<string, number[]>();
  const layouts = new Map<string, SlotLayout>();
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
    layouts.set(key, c === null ? 'single' : c.layout);
  });
  return [...byKey.entries()].map(([key, members]) => {
    const layout = members.length === 1 ? 'single' : (layouts.get(key) as SlotLayout);
    if (layout !== 'concatenated') return { members, layout, axis: 0, sizes: [] };
    const axis = (params[members[0] as number] as ModelParam).variable.rank - 1;
    return { members, layout, axis, sizes: members.map((i) => (params[i] as ModelParam).variable.shape[axis] as number) };
  });
}

/** The group's tensors as one (members in order). */
function join(group: Group, tensors: readonly Tensor[]): Tensor {
  switch (group.layout) {
    case 'single':
      return tensors[0] as Tensor;
    case 'stacked':
      return tf.stack(tensors as Tensor[]);
    case 'concatenated':
      return tf.concat(tensors as Tensor[], group.axis);
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
      return tf.split(joined, group.sizes as number[], group.axis);
  }
}

function checkStepOptions(o: StepOptions): void {
  if (!Number.isInteger(o.step) || o.step < 0) throw new Error(`optimizer step must be an integer >= 0, got ${o.step}`);
  if (!Number.isFinite(o.lr) || o.lr < 0) throw new Error(`optimizer lr must be a finite number >= 0, got ${o.lr}`);
  if (o.gradClip !== undefined && !(Number.isFinite(o.gradClip) && o.gradClip >= 0)) {
    throw new Error(`optimizer gradClip must be a finite number >= 0 (0 = off), got ${o.gradClip}`);
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

/** One flag per gradient, true when all its entries are finite; one device→host read in all. */
function finiteFlags(grads: readonly Tensor[]): boolean[] {
  if (grads.length === 0) return [];
  const sums = tf.tidy(() => tf.stack(grads.map((g) => tf.sum(g))).dataSync());
  return Array.from(sums, (s) => Number.isFinite(s));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
