/**
 * The neural algorithmic reasoner (NAR) of TransNAR (docs/science.md §5): its configuration, how
 * it is pretrained, the metadata of its safetensors checkpoint, and how a Transformer links to a
 * frozen one. Plain JSON; the engine is in src/engine/nar/.
 */

/** The CLRS algorithms a NAR can be trained on (CLRS names, as CLRS-Text writes them). */
export type NarAlgorithm = 'insertion_sort' | 'minimum' | 'binary_search' | 'bfs';
export const NAR_ALGORITHMS: readonly NarAlgorithm[] = ['insertion_sort', 'minimum', 'binary_search', 'bfs'];

/** The NAR's architecture: a max-aggregation MPNN with per-feature encoders and decoders. */
export interface NarConfig {
  algorithm: NarAlgorithm;
  /** Width H of node, edge and graph embeddings and of the processor's hidden state. */
  hidden: number;
}

/** How a NAR is pretrained on the graph form of its algorithm. */
export interface NarTrainConfig {
  hidden: number;
  steps: number;
  batchSize: number;
  /** AdamW learning rate (constant after a short warm-up, then cosine to 10 %). */
  lr: number;
  /** Graph sizes n of the training batches (each batch draws one). */
  trainLengths: number[];
  /** Sizes at which the pretrained NAR is evaluated (recorded in the checkpoint). */
  evalLengths: number[];
  /** Weight of the hint losses against the output loss (0 = outputs only). */
  hintWeight: number;
  seed: number;
  /** Task options the instances are drawn with (e.g. values, edgePercent). */
  taskOptions: Record<string, number>;
}

/** The pretrained NAR's scores per size: output accuracy per node / element and all-correct rate. */
export interface NarEvalResult {
  length: number;
  /** Fraction of output elements right (pointers per node; the index of a mask_one). */
  accuracy: number;
  /** Fraction of instances whose whole output is right. */
  exact: number;
}

export const NAR_CHECKPOINT_FORMAT = 'attention-lab-nar';
export const NAR_CHECKPOINT_FORMAT_VERSION = '1';

/** The `__metadata__` of a NAR checkpoint, decoded. */
export interface NarCheckpointMetadata {
  format: typeof NAR_CHECKPOINT_FORMAT;
  formatVersion: string;
  nar: NarConfig;
  train: NarTrainConfig;
  eval: NarEvalResult[];
  createdAt: string;
}

/**
 * A Transformer's link to a frozen NAR, as a run config holds it: the checkpoint file and the
 * blocks that gain a cross-attention sub-layer. algorithm and hidden are copied from the
 * checkpoint when the run is resolved, so a run folder says what it was built with and a
 * changed file is caught.
 */
export interface NarLink {
  /** Path of the NAR's safetensors checkpoint: absolute, or relative to the run folder. */
  checkpoint: string;
  /** Indices of the blocks with cross-attention to the NAR's node embeddings. */
  layers: number[];
  algorithm: NarAlgorithm;
  hidden: number;
}
