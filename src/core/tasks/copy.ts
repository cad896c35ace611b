import type { TaskConfig } from '../../protocol/config';
import { AlphabetTask } from './alphabetTask';

/** Copy: prompt n letters, answer the same letters. The simplest test of reading a whole input. */
export class CopyTask extends AlphabetTask {
  constructor(config: TaskConfig) {
    super('copy', config, 'copy');
  }

  protected override transform(prompt: readonly number[]): number[] {
    return [...prompt];
  }
}
