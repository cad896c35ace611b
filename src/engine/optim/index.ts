import type { OptimizerConfig } from '../../protocol/config';
import { defaultOptimizerConfig, unknownOptimizer } from '../../core/experiment/optimizerDefaults';
import { AdamW } from './adamw';
import { Lion } from './lion';
import type { Optimizer } from './optimizer';
import { Sgd } from './sgd';
import { Tiger } from './tiger';

export type { Optimizer, StepOptions, StepReport } from './optimizer';
export { scheduleFactor, validateSchedule } from './schedule';
export { AdamW, Lion, Sgd, Tiger };

/** Builds the optimizer a config names; its constructor validates the hyper-parameters. */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.name) {
    case 'adamw':
      return new AdamW(config);
    case 'lion':
      return new Lion(config);
    case 'tiger':
      return new Tiger(config);
    case 'sgd':
      return new Sgd(config);
    default:
      throw unknownOptimizer((config as { name?: unknown }).name);
  }
}

export { defaultOptimizerConfig };
