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
 * A model's NAR in an experiment spec (`models[i].nar`): which frozen NAR its tokens cross-attend to
 * and from which blocks. `checkpoint` is the path of a NAR checkpoint (a spec file's relative path
 * is read from the spec file's folder), or "pretrain": the NAR the experiment pretrains first for
 * each task's algorithm, as the spec's `narPretraining` says.
 */
export interface NarSpec {
  checkpoint: string;
  /** Indices of the blocks that gain a gated cross-attention sub-layer (0 = the first). */
  layers: number[];
}

/** The word that makes an experiment pretrain its NAR. */
export const NAR_PRETRAIN = 'pretrain';

/** The spec's `narPretraining`: how the NARs of "pretrain" models are trained (every field optional). */
export interface NarPretrainSpec {
  hidden?: number;
  steps?: number;
  batchSize?: number;
  lr?: number;
  /** Graph sizes of the training batches; default the task's trainLengths. */
  trainLengths?: number[];
  hintWeight?: number;
  seed?: number;
}

/**
 * A Transformer's link to a frozen NAR, as a run config holds it. The experiment keeps its own copy
 * of every NAR (pretrained or given) in its `nar/` folder, so `checkpoint` is relative to the run
 * folder (`../nar/<name>.safetensors`) and a run folder stays usable if the original file moves.
 * algorithm and hidden are the checkpoint's own, checked again when the NAR is loaded, so a
 * changed file is caught.
 */
export interface NarLink {
  /** Path of the NAR's safetensors checkpoint: absolute, or relative to the run folder. */
  checkpoint: string;
  /** Indices of the blocks with cross-attention to the NAR's node embeddings. */
  layers: number[];
  algorithm: NarAlgorithm;
  hidden: number;
  /** Where the experiment's copy came from: a file the spec named, or pretraining with this config. */
  source: { kind: 'file'; path: string } | { kind: 'pretrain'; train: NarTrainConfig };
}
