import type { ExampleScores } from './task';

/**
 * The CLRS-Text scores of docs/science.md §5 for an answer that is a sequence of tokens:
 * shape = right number of tokens; parse = every predicted token is legal for an answer (no
 * special or foreign token); clrs = fraction of positions equal to the truth, 0 when the shape
 * is wrong; exact = the whole answer is right. An empty prediction parses (nothing illegal in
 * it) but has the wrong shape.
 */
export function scoreAnswer(
  truth: readonly number[],
  predicted: readonly number[],
  isLegal: (token: number) => boolean,
): ExampleScores {
  const shape = predicted.length === truth.length ? 1 : 0;
  const parse = predicted.every(isLegal) ? 1 : 0;
  let equal = 0;
  if (shape === 1) {
    for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) equal++;
  }
  const clrs = shape === 1 && truth.length > 0 ? equal / truth.length : shape;
  const exact = shape === 1 && equal === truth.length ? 1 : 0;
  return { exact, shape, parse, clrs };
}
