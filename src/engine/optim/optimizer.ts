import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import type { ModelParam } from '../model/params';
import type { Tensor } from '../tf';

/** What one optimizer step reports. Norms are computed only when asked (they cost a sync). */
export interface StepReport {
  /** L2 norm of the change applied to all parameters (NaN when not computed). */
  updateNorm: number;
  /**
   * Parameter tensors whose gradient held a NaN or ±Inf at this call (guarded: skipped, or shrunk
   * by Tiger). Under buffered accumulation only the update call (the last micro-batch) reports them.
   */
  nanEvents: number;
  /**
   * Global L2 norm, before clipping, of the gradient the clipping acted on: over the finite
   * tensors only (NaN unless `measure`; NaN on a buffered optimizer's non-final micro-batch).
   */
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
  /**
   * Gradient accumulation (`train.accumulate`, k ≥ 1, default 1): one training step brings k
   * micro-batch gradients, one call each, `micro` = 0 … k − 1 (default 0). AdamW, Lion and SGD
   * add them into a gradient buffer and update with the mean on the last call (clipping the
   * mean); Tiger folds each into its momentum (b1 = β on micro 0, 1 after; b2 = (1 − β)/k),
   * clipping each micro-gradient on its own, and moves θ on the last. `step` and `lr` are the
   * training step's (the same for the k calls).
   */
  accumulate?: number;
  micro?: number;
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
  /** Bytes held by the state tensors, the gradient-accumulation buffer included once it exists. */
  stateBytes(): number;
  dispose(): void;
}
