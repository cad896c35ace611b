import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import type { ModelParam } from '../model/params';
import type { Tensor } from '../tf';

/** What one optimizer step reports. Norms are computed only when asked (they cost a sync). */
export interface StepReport {
  /** L2 norm of the change applied to all parameters (NaN when not computed). */
  updateNorm: number;
  /** Number of parameter tensors whose gradient contained NaN or Inf at this step. */
  nanEvents: number;
  /** Global L2 norm of the gradients before clipping (NaN unless `measure`). */
  gradNorm: number;
}

export interface StepOptions {
  /** 0-based step index t. */
  step: number;
  /** Learning rate of this step: the configured lr times the schedule's factor. */
  lr: number;
  /** Compute StepReport.updateNorm (one extra device→host read) and report gradNorm. */
  measure: boolean;
  /**
   * Global-norm gradient clipping: every gradient is scaled by c / max(‖g‖, c), ‖g‖ over all the
   * step's tensors (torch.nn.utils.clip_grad_norm_). 0 or absent = off. Done by the optimizer so
   * it shares the per-group kernels of the NaN/Inf check (see SlotOptimizer).
   */
  gradClip?: number;
}

/**
 * An optimizer owns its state tensors (created lazily, named `<param>/<slot>`), updates the
 * parameters with `Variable.assign` inside `tf.tidy`, and never leaks a tensor.
 */
export interface Optimizer {
  readonly name: OptimizerName;
  readonly config: OptimizerConfig;
  /** Applies one update. `grads` maps a parameter's name to its gradient; it is not disposed here. */
  step(params: readonly ModelParam[], grads: ReadonlyMap<string, Tensor>, options: StepOptions): StepReport;
  /**
   * State tensors by slot name (`<param>/m`, …), per parameter, for checkpoints. The optimizer
   * keeps ownership; they are valid until the next step, setState or dispose.
   */
  getState(): Map<string, Tensor>;
  /** Replaces the state by copies of the given tensors (names as from getState). */
  setState(state: ReadonlyMap<string, Tensor>): void;
  /** Bytes held by the state tensors. */
  stateBytes(): number;
  dispose(): void;
}
