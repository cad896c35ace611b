/**
 * What a TransNAR model reads besides its tokens: the frozen NAR's final node embeddings of each
 * example's graph (docs/science.md §5). Every caller of `model.forward` on CLRS-Text examples (the
 * trainer, greedy decoding, the analyses, the attention probe) gets them here. The NAR runs outside
 * any gradient tape: it is frozen, and its output is a constant input of the Transformer.
 */
import type { Model } from '../model/transformer';
import type { TaskExample } from '../../core/tasks/task';
import { tf } from '../tf';
import { graphBatch } from '../../core/nar/graphBatch';

/**
 * G [B, N, nar.hidden] of the examples (all of one size), or undefined for a model without a NAR.
 * The caller disposes the tensor.
 */
export function narNodes(model: Model, examples: readonly TaskExample[]): tf.Tensor3D | undefined {
  const nar = model.nar;
  if (!nar) return undefined;
  const graphs = examples.map((ex, i) => {
    if (!ex.graph) throw new Error(`TransNAR: example ${i} has no graph for the NAR (only CLRS-Text tasks carry one)`);
    return ex.graph;
  });
  const batch = graphBatch(graphs);
  const out = nar.forward(batch);
  tf.dispose([...out.outputs, ...out.hints.flat()]);
  return out.nodes;
}

/** The node labels of an example's graph for the cross-attention views: `0`…`n−1`, with the key when the algorithm has keys (`2: 17`). */
export function nodeLabels(example: TaskExample): string[] {
  const g = example.graph;
  if (!g) return [];
  return Array.from({ length: g.n }, (_, i) => (g.keys.length === g.n ? `${i}: ${g.keys[i] as number}` : String(i)));
}
