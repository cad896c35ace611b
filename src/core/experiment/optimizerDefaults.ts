/**
 * The default hyper-parameters of each optimizer (plain data, no TensorFlow.js): what a spec's
 * optimizer entry starts from before its own fields apply.
 */
import type { OptimizerConfig, OptimizerName } from '../../protocol/config';
import { OPTIMIZER_NAMES } from '../../protocol/config';

/**
 * Defaults from docs/science.md §3. Lion: η 1e-4 (10× below AdamW's) and λ 0.1 (10× above), so
 * η·λ = 1e-5 as for AdamW. Tiger: the reference implementation's η 1e-3, β 0.965, λ 0.01,
 * s = 0.99 (accumulation is `train.accumulate`, for every optimizer). SGD: η 1e-2, momentum 0.9, no decay.
 */
export function defaultOptimizerConfig(name: OptimizerName): OptimizerConfig {
  switch (name) {
    case 'adamw':
      return { name, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 };
    case 'lion':
      return { name, lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 1e-1 };
    case 'tiger':
      return { name, lr: 1e-3, beta: 0.965, weightDecay: 0.01, shrink: 0.99 };
    case 'sgd':
      return { name, lr: 1e-2, momentum: 0.9, weightDecay: 0 };
    default:
      throw unknownOptimizer(name);
  }
}

export function unknownOptimizer(name: unknown): Error {
  return new Error(`unknown optimizer '${String(name)}' (expected one of: ${OPTIMIZER_NAMES.join(', ')})`);
}
