import type { TaskConfig } from '../../protocol/config';
import { AlphabetTask } from './alphabetTask';

/**
 * Reverse: prompt n letters, answer them last to first. Unlike copy, the answer's i-th token
 * sits at a distance from its source that depends on n, so it needs position information that
 * generalises across lengths.
 */
export class ReverseTask extends AlphabetTask {
  constructor(config: TaskConfig) {
    super('reverse', config, 'reversed');
  }

  protected override transform(prompt: readonly number[]): number[] {
    return [...prompt].reverse();
  }
}
