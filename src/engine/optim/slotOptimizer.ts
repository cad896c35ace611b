import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import type { ModelParam } from '../model/params';
import { tf } from '../tf';
import type { Tensor, Variable } from '../tf';
import type { Optimizer, StepOptions, StepReport } from './optimizer';

/**
 * What a subclass sees of one parameter during a step, or of a group of same-shaped parameters
 * stacked along a new first axis (see `elementwise`).
 */
export interface SlotUpdate {
  /** The parameter (for a group: its first member; all members share shape and kind). */
  readonly param: ModelParam;
  /** The current value: the parameter's variable, or the group's values stacked. */
  readonly theta: Tensor;
  readonly grad: Tensor;
  /** false when the gradient holds a NaN or ±Inf (see `SlotOptimizer.step`). */
  readonly finite: boolean;
  /** A slot's current value (`m`, `v`, `momentum`), zeros on first use. */
  slot(name: string): Tensor;
  /** Sets a slot's new value (assigned to the slot variables by the base class). */
  setSlot(name: string, value: Tensor): void;
}

/**
 * The machinery every optimizer here shares, so each concrete class is only its update rule:
 * lazily created zero slots named `<param>/<slot>`, checkpoint state in and out, the NaN/Inf
 * check of all gradients with one device→host read, the optional update norm with one more,
 * and the tidy around the whole step.
 *
 * Non-finite check: the sum of a gradient is NaN or ±Inf whenever one entry is (NaN and Inf
 * propagate through addition, Inf − Inf = NaN), so one `sum` per tensor and one `stack` give
 * every flag in a single read. A finite gradient whose float32 sum overflows is also flagged;
 * such a gradient is unusable for any of these rules anyway.
 */
export abstract class SlotOptimizer<C extends OptimizerConfig, S> implements Optimizer {
  abstract readonly name: OptimizerName;
  readonly config: C;
  /** Slot names each parameter gets, e.g. ['m', 'v']. */
  protected abstract readonly slotNames: readonly string[];
  /**
   * true when `update` is elementwise in θ, g and the slots (no per-tensor reduction, no use of
   * the kind): parameters of the same shape and kind are then stacked and updated by one set of
   * kernels instead of one per tensor. Each element goes through the same float operations
   * either way, so the values are identical; only the number of kernel launches changes (about
   * 30 tensors fall into about 10 groups in the reference model). Used only when every gradient
   * is finite: a step with a NaN/Inf gradient takes the per-tensor path.
   */
  protected readonly elementwise: boolean = false;
  private readonly state = new Map<string, Variable>();

  protected constructor(config: C) {
    this.config = config;
  }

  /**
   * Per-step values shared by all tensors (scalar tensors made once per step rather than once
   * per tensor: each upload costs about as much as a small kernel). Runs inside the step's tidy.
   */
  protected abstract prepare(options: StepOptions): S;

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
    const finite = finiteFlags(gradList);
    const slotMaps = params.map((p) => this.slotsOf(p));
    let nanEvents = 0;
    for (const f of finite) if (!f) nanEvents++;

    let updateNorm = Number.NaN;
    tf.tidy(() => {
      const squares: Tensor[] = [];
      const shared = this.prepare(options);
      const apply = (param: ModelParam, next: Tensor): void => {
        if (options.measure) squares.push(tf.sum(tf.squaredDifference(next, param.variable)));
        param.variable.assign(next);
      };
      const groups = this.elementwise && nanEvents === 0 ? groupsOfSameShape(params) : params.map((_, i) => [i]);
      for (const group of groups) {
        if (group.length === 1) {
          const i = group[0] as number;
          const param = params[i] as ModelParam;
          const slots = slotMaps[i] as Map<string, Variable>;
          const next = this.update(
            {
              param,
              theta: param.variable,
              grad: gradList[i] as Tensor,
              finite: finite[i] as boolean,
              slot: (name) => slotVariable(slots, name, param.name),
              setSlot: (name, value) => slotVariable(slots, name, param.name).assign(value),
            },
            shared,
          );
          if (next !== null) apply(param, next);
          continue;
        }
        // Same-shaped parameters stacked [k, …shape]: one kernel per operation for all k.
        const first = params[group[0] as number] as ModelParam;
        const members = group.map((i) => slotMaps[i] as Map<string, Variable>);
        const stackedSlots = new Map<string, Tensor>();
        const newSlots = new Map<string, Tensor>();
        const next = this.update(
          {
            param: first,
            theta: tf.stack(group.map((i) => (params[i] as ModelParam).variable)),
            grad: tf.stack(group.map((i) => gradList[i] as Tensor)),
            finite: true,
            slot: (name) => {
              let t = stackedSlots.get(name);
              if (t === undefined) {
                t = tf.stack(members.map((m) => slotVariable(m, name, first.name)));
                stackedSlots.set(name, t);
              }
              return t;
            },
            setSlot: (name, value) => void newSlots.set(name, value),
          },
          shared,
        );
        for (const [name, value] of newSlots) {
          tf.unstack(value).forEach((part, k) => slotVariable(members[k] as Map<string, Variable>, name, first.name).assign(part));
        }
        if (next !== null) tf.unstack(next).forEach((part, k) => apply(params[group[k] as number] as ModelParam, part));
      }
      if (options.measure) {
        // One read for all tensors: the total squared change.
        updateNorm = squares.length === 0 ? 0 : Math.sqrt((tf.addN(squares).dataSync() as Float32Array)[0] as number);
      }
    });
    return { updateNorm, nanEvents };
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

/** A slot variable of one parameter; throws if the optimizer did not declare the slot. */
function slotVariable(slots: ReadonlyMap<string, Variable>, name: string, param: string): Variable {
  const v = slots.get(name);
  if (v === undefined) throw new Error(`no optimizer slot '${name}' for parameter '${param}'`);
  return v;
}

/** Indices of the parameters grouped by shape and kind, in first-appearance order. */
function groupsOfSameShape(params: readonly ModelParam[]): number[][] {
  const groups = new Map<string, number[]>();
  params.forEach((p, i) => {
    const key = `${p.kind}:${p.variable.shape.join('x')}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

function checkStepOptions(o: StepOptions): void {
  if (!Number.isInteger(o.step) || o.step < 0) throw new Error(`optimizer step must be an integer >= 0, got ${o.step}`);
  if (!Number.isFinite(o.lr) || o.lr < 0) throw new Error(`optimizer lr must be a finite number >= 0, got ${o.lr}`);
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
