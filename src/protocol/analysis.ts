/**
 * Analysis files: what `attention-lab analyze` and the end of every run write next to the run
 * folder, and what the dashboard's charts and `attention-lab report` read. Documented in
 * docs/analysis.md (formulas: docs/science.md §1, §4, §5).
 *
 *   <experiment>/<run-id>/analysis.json     AnalysisFile   (per run, or per checkpoint)
 *   <experiment>/summary.json               SummaryFile    (per experiment)
 *   <experiment>/<run-id>/metrics.jsonl     + EntropyRecord and OptimRecord lines (runFolder.ts)
 *
 * Chart conventions, so a chart can draw any of these without knowing the analysis:
 * - a matrix is `number[][]` indexed [row][column], with `rowLabels` / `columnLabels` (or a
 *   named numeric axis such as `lengths`) of matching sizes;
 * - a value that does not exist (no data, undefined entropy of a one-key row) is `null`, never
 *   NaN (JSON has no NaN);
 * - "layer·head" labels are `L<layer>.H<head>` (0-based), rows ordered layer-major.
 */
import type { RunConfig } from './config';

/** Version of analysis.json and summary.json; bumped on any incompatible change. */
export const ANALYSIS_VERSION = 3;

/** A matrix for a heatmap: values[row][column]. */
export interface LabeledMatrix {
  rowLabels: string[];
  columnLabels: string[];
  values: (number | null)[][];
}

/** Mean, standard deviation (sample, n − 1; 0 for one value), min, max over `count` values. */
export interface Stats {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  count: number;
  /** 95 % Student t interval of the mean (docs/science.md §3); null with fewer than two values. */
  ci95: { low: number; high: number; halfWidth: number } | null;
}

/** A mean over n values with its confidence interval (bounds null when n < 2). */
export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null for one value. */
  std: number | null;
  /** t_{(1+level)/2, n−1} · s/√n; null for one value. */
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

// ───────────────────────────── analysis.json ─────────────────────────────

export interface AnalysisSettings {
  /** Seed of every random choice of the analysis (examples, RSE seeds); same seed → same file. */
  seed: number;
  /** Examples per evaluation length for entropy and length generalization (the run's fixed evaluation set, first ones). */
  examplesPerLength: number;
  /**
   * Seeds K of the randomized analysis. A model without Random Seed Encoding is read under one seed
   * (its output cannot depend on one), but its adversary's references are simulated with K seeds.
   */
  randomSeeds: number;
  /** Inputs of the randomized analysis. */
  randomInputs: number;
  /** Total-variation bound of `randomized.properlyRandom` (0.5 by default). */
  spreadBound: number;
  /** Normalized entropy below which a head raises the collapse alarm. */
  collapseThreshold: number;
  /** Graph colouring: every cycle is coloured when there are at most this many, else this many evaluation graphs (2,520 by default; absent in older files). */
  coloringGraphs?: number;
  /** The softmax-noise probe's σ grid, examples per length and noise draws (absent in older files: the defaults). */
  noiseSigmas?: number[];
  noiseExamples?: number;
  noiseDraws?: number;
}

export interface AnalysisFile {
  version: typeof ANALYSIS_VERSION;
  kind: 'run-analysis';
  runId: string;
  experiment: string;
  /**
   * What was analysed: the model at the end of a run, or a checkpoint file. `checkpoint` is
   * relative to the run folder when the file is in one (as run.json's lastCheckpoint), else absolute.
   */
  source: { kind: 'run' | 'checkpoint'; checkpoint: string | null; step: number };
  createdAt: string;
  /** Seconds the analysis took (not part of determinism). */
  seconds: number;
  config: RunConfig;
  settings: AnalysisSettings;
  entropy: EntropyAnalysis;
  patterns: AttentionPatterns;
  lengthGeneralization: LengthGeneralization;
  randomized: RandomizedAnalysis;
  /** Read back from metrics.jsonl: null when the run folder has no entropy records. */
  entropyOverTraining: EntropyOverTraining | null;
  /** Read back from metrics.jsonl: null when the run folder has no optim records. */
  optimizer: OptimizerDiagnostics | null;
  /** TransNAR models: the cross-attention to the NAR's nodes; null (or absent in older files) otherwise. */
  crossAttention?: CrossAttentionAnalysis | null;
  /** Graph-colouring runs only (absent or null otherwise): colourings under K seeds, the adversary's graph, best-of-k, majority. */
  coloring?: ColoringAnalysis | null;
  /** The softmax-noise probe (softmax attention only; absent or null otherwise). */
  softmaxNoise?: SoftmaxNoiseAnalysis | null;
}

/**
 * TransNAR's cross-attention from the tokens to the frozen NAR's N node embeddings (docs/science.md
 * §5): per cross-attention head, the entropy H (nats) of its rows over the nodes and h = H / ln N,
 * per evaluation length. Uniform attention has H = ln N (h = 1); a row that reads one node has
 * H = 0. Answer rows are the positions that predict the answer's tokens and its EOS.
 */
export interface CrossAttentionAnalysis {
  /** Blocks with cross-attention (config.nar.layers, ascending). */
  blocks: number[];
  /** Row labels of every matrix: `X<block>.H<head>`, block-major. */
  heads: string[];
  /** Task sizes n evaluated (columns). */
  lengths: number[];
  /** Nodes N of the graphs at each length (the task size). */
  nodes: number[];
  /** Mean H (nats) over the answer rows, rows heads, columns lengths. */
  answerEntropy: LabeledMatrix;
  /** Mean h = H / ln N over the answer rows (null where N < 2). */
  answerNormalized: LabeledMatrix;
  /** Mean H (nats) over every row. */
  meanEntropy: LabeledMatrix;
  /**
   * Mean over the answer rows of the largest attention any one node gets, rows heads, columns
   * lengths: 1/N for uniform attention, 1 for a row that reads one node.
   */
  answerPeak: LabeledMatrix;
  /** The gate tanh(α) of each cross-attention block (0 = closed, the sub-layer adds nothing). */
  gates: number[];
}

/**
 * The softmax-noise probe (docs/science.md §6): i.i.d. N(0, σ²) noise added to the attention
 * logits (after the scaling, before the mask and softmax) of one layer (`L0`, `L1`, …) or of all
 * layers (`all`), compared with the same inputs without noise. Every measure is a matrix
 * [target][σ][length] (targets × sigmas × lengths), averaged over `examples` inputs and `draws`
 * noise draws; at σ = 0 every change is exactly 0.
 */
export interface SoftmaxNoiseAnalysis {
  sigmas: number[];
  lengths: number[];
  /** Where the noise goes: `L<l>` one layer, `all` every layer. */
  targets: string[];
  examples: number;
  draws: number;
  /** The model's attention scaling (for side-by-side reading of standard and log-n models). */
  attentionScaling: string;
  /** Without noise, per length: the mean loss and exact accuracy. */
  clean: { loss: number[]; exact: number[] };
  /** Mean total variation ½Σ_k |a − a'| of the attention rows of the noised layer(s). */
  attentionTv: number[][][];
  /** Mean KL(clean ‖ noisy) in nats of the output distributions at the answer positions. */
  outputKl: number[][][];
  /** Mean total variation of the output distributions at the answer positions. */
  outputTv: number[][][];
  /** Mean loss under noise (the task's training loss). */
  loss: number[][][];
  /** Exact accuracy under noise (one-pass answers; teacher-forced for a causal decoder). */
  exact: number[][][];
}

/**
 * Attention entropy (docs/science.md §1). For the attention row of query i with n_i visible keys:
 * H_i = −Σ_j a_ij ln a_ij (nats), h_i = H_i / ln n_i ∈ [0, 1]. The claim of entropy-invariant
 * scaling is about H: it should not grow with the length (under standard scaling it grows about
 * like ln n). A flat h means H grows like ln n. H is therefore the primary measure, h beside it.
 * Rows with n_i = 1 have no normalized entropy (null) and are left out of every mean of h.
 */
export interface EntropyAnalysis {
  /** Row labels of every per-head matrix: `L<l>.H<h>`, layer-major. */
  heads: string[];
  layers: number;
  headsPerLayer: number;
  /** Task sizes n evaluated (columns). */
  lengths: number[];
  /** Sequence length T in tokens at each evaluation length. */
  tokens: number[];
  /** Whether each length is beyond the longest training size. */
  beyondTraining: boolean[];
  /** The entropy heatmap: mean H in nats per layer·head (rows) per length (columns), over query rows with n_i ≥ 2. */
  meanEntropy: LabeledMatrix;
  /** Mean normalized entropy h, same layout. */
  meanNormalized: LabeledMatrix;
  /** Per length: H and h per layer × head × query position, averaged over the examples. */
  perPosition: EntropyPerPosition[];
  /**
   * Per layer·head (same order as `heads`): least-squares slope of mean H (nats) against ln T over
   * the evaluation lengths. ≈ 0: length-invariant entropy (the claim of log-n scaling); ≈ 1: the
   * head spreads over its keys like a uniform row; null with fewer than two lengths.
   */
  entropySlopes: (number | null)[];
  /** Mean of `entropySlopes` over heads. */
  meanEntropySlope: number | null;
  /** Same for h: ≈ 0 means H grows like ln T; negative means H grows slower than ln T. */
  normalizedSlopes: (number | null)[];
  meanNormalizedSlope: number | null;
  /** The head with the lowest mean h at any length (attention-entropy collapse alarm), with its H. */
  minimum: { head: string; layer: number; headIndex: number; length: number; meanNormalized: number; meanEntropy: number; alarm: boolean } | null;
  /** Retrieval tasks (associative recall): the query row's attention on the queried pair; null for other tasks. */
  retrieval: RetrievalEntropy | null;
}

/**
 * How the query token's attention row finds the pair it asks for (docs/science.md §1: the test of
 * entropy-invariant scaling needs a sharp head). Per layer·head and length, over the examples:
 * the attention mass on the queried pair's positions (Task.retrievalPositions) and the entropy of
 * the query row. The retrieval head is the one with the most mass at the longest evaluation length
 * within training (or the shortest length when none is).
 */
export interface RetrievalEntropy {
  /** Position of the query row: the last prompt token. */
  row: 'query';
  /** Rows layer·head, columns lengths: mean attention mass on the queried pair. */
  keyMass: LabeledMatrix;
  /** Rows layer·head, columns lengths: mean H (nats) of the query row. */
  entropy: LabeledMatrix;
  /** Rows layer·head, columns lengths: mean h of the query row. */
  normalized: LabeledMatrix;
  /** The retrieval head (`L<l>.H<h>`). */
  head: string;
  /** The retrieval head at every length: its key mass and query-row H and h, beside the ln n of a uniform row. */
  byLength: { length: number; tokens: number; visibleKeys: number; keyMass: number; entropy: number; normalized: number | null; uniformEntropy: number }[];
  /** Slope of the retrieval head's query-row H against ln n (n = keys the query row sees). */
  entropySlope: number | null;
}

export interface EntropyPerPosition {
  length: number;
  tokens: number;
  /** n_i per query position i (keys the query sees under the causal and task masks). */
  visibleKeys: number[];
  /** [layer][head][query] mean H (nats). */
  entropy: number[][][];
  /** [layer][head][query] mean h; null where n_i = 1. */
  normalized: (number | null)[][][];
}

/** Full attention probability matrices for a few fixed inputs (the pattern viewer). */
export interface AttentionPatterns {
  inputs: AttentionPatternInput[];
}

export interface AttentionPatternInput {
  length: number;
  /** The example as text (task.format), e.g. `k3:v1 k0:v5 | query: k0 | value: v5`. */
  text: string;
  /** Token text at every position: labels of both axes of every matrix. */
  tokens: string[];
  /** [layer][head][query][key] probabilities, rounded to 4 decimals. */
  probabilities: number[][][][];
  /** TransNAR models: the cross-attention of this input to the NAR's nodes; absent otherwise. */
  cross?: CrossAttentionPattern;
}

/** One input's cross-attention to the NAR's nodes (the pattern viewer, with node labels on the key axis). */
export interface CrossAttentionPattern {
  /** Blocks with cross-attention (config.nar.layers, ascending). */
  blocks: number[];
  /** Node labels: `i`, or `i: key` when the algorithm has keys. */
  nodes: string[];
  /** [block][head][query][node] probabilities, rounded to 4 decimals. */
  probabilities: number[][][][];
}

/** Failure kinds of the answers at one length (fractions of the examples; they sum to 1). */
export interface FailureKinds {
  correct: number;
  /** Wrong number of elements (sorting: not as many as the input), or an illegal token. */
  wrongShape: number;
  /** Right shape, some element wrong. */
  wrongValues: number;
}

export interface LengthGeneralizationRow {
  length: number;
  tokens: number;
  inTraining: boolean;
  beyondTraining: boolean;
  loss: number;
  exact: number;
  tokenAccuracy: number;
  shape: number;
  parse: number;
  clrs: number;
  failures: FailureKinds;
}

/** Scores of this run's model (trained on `trainLengths`) at every evaluation length. */
export interface LengthGeneralization {
  trainLengths: number[];
  /** max(trainLengths): the training length of the (training length, evaluation length) pairs. */
  trainLength: number;
  rows: LengthGeneralizationRow[];
}

/**
 * Randomized seeds (docs/science.md §4): every input of a fixed set under K random seeds of the
 * Random Seed Encoding. For a model without RSE, K = 1 (its output does not depend on a seed)
 * and the same fields describe the deterministic model, so the two compare directly.
 *
 * "Input" is one prompt (for recall: one stored sequence with one query). Its success rate is the
 * fraction of the K seeds under which the answer (argmax at every output position) is exactly right.
 */
export interface RandomizedAnalysis {
  rseBits: number;
  /** Task size n of the inputs (the longest training size). */
  length: number;
  inputs: number;
  seeds: number;
  /** Column labels of the per-position matrices: the answer positions (`a0`, `a1`, … `eos`). */
  outputPositions: string[];
  /** Seed-variance heatmap: rows inputs, columns output positions; variance across seeds of p(correct token). */
  pCorrectVariance: LabeledMatrix;
  /** Mean across seeds of p(correct token), same layout. */
  pCorrectMean: LabeledMatrix;
  /**
   * Seed spread, same layout: the largest total-variation distance ½Σ_v |p(v | x, r) − p(v | x, r')|
   * between the predicted distributions at that position under two of the K seeds. 0 for a model
   * that ignores its seed; small for a near-uniform model whatever its argmax does; up to 1 for a
   * model whose confident answer depends on the seed.
   */
  seedSpread: LabeledMatrix;
  /**
   * Properly random (the paper's term): r ↦ A(x, r) is not constant at x, counted only where it is
   * not constant by a real margin — the seed spread (max over output positions) exceeds `bound`,
   * i.e. two seeds move some set of answers' probability by more than `bound`. A chance-level model
   * cannot pass: its distributions are all near uniform, so their distances are near 0.
   */
  properlyRandom: {
    /** The total-variation bound τ (settings.spreadBound). */
    bound: number;
    /** Fraction of inputs whose seed spread exceeds the bound. */
    fraction: number;
    /** Mean over inputs of the seed spread (max over output positions). */
    meanSpread: number;
  };
  /**
   * Variance over seeds of p(correct answer) = Π p(correct token) over the output positions, per
   * input; its mean and nearest-rank 95th percentile over inputs (the paper's Fig. 2 left).
   */
  answerVariance: { mean: number; p95: number };
  /** Per-input success rate over the K seeds, summarized over inputs. */
  success: SuccessDistribution;
  /** Fraction of (input, seed) pairs answered exactly (= success.mean). */
  accuracy: number;
  /** Majority vote over the first k seeds' answers, k = 1…K: accuracy per k. */
  majorityVote: { seeds: number[]; accuracy: number[] };
  /** Per-input loss = mean over seeds of the cross-entropy; statistics over inputs. */
  loss: { mean: number; p95: number; worst: number; qNorm: { q: number; value: number }[] };
  /**
   * Adversarial queries (associative recall only, else null): for every input, each stored key
   * is queried in turn; an oblivious adversary picks the key with the highest error rate over
   * seeds. Compared with ideal stores simulated under the same measurement (randomStore.ts).
   */
  adversarial: AdversarialRecall | null;
}

/**
 * Graph colouring under seeds (docs/science.md §4, §7.2). A graph's success rate is the fraction of
 * the K seeds under which the argmax colouring is proper (no monochromatic edge). Graphs: every
 * labelled cycle on n vertices (`exhaustive`: the oblivious adversary's whole choice) or the run's
 * evaluation graphs.
 */
export interface ColoringAnalysis {
  /** Vertices n (the longest training size). */
  length: number;
  graphKind: 'cycle' | 'random' | 'mixed';
  view: 'neighbours' | 'edges';
  /** true: every labelled cycle on n vertices (ids 0…n−1) was coloured. */
  exhaustive: boolean;
  rseBits: number;
  colors: number;
  graphs: number;
  /** Seeds K each graph was coloured under (1 without RSE). */
  seeds: number;
  /** Mean over graphs and seeds of "the argmax colouring is proper". */
  properRate: number;
  /** Monochromatic edges of the argmax colouring: mean over graphs and seeds; the worst graph's mean over seeds. */
  conflicts: { mean: number; worst: number };
  /** Expected monochromatic edges Σ_edges Σ_c p_u(c)·p_v(c) (the training loss): mean; the worst graph's mean over seeds. */
  expectedMonochromatic: { mean: number; worst: number };
  /** Per-graph success rate over seeds, summarized over graphs (bimodal = deterministic, spread = random). */
  success: SuccessDistribution;
  /** The oblivious adversary's graph: the lowest success rate over seeds (ties: more conflicts). */
  worstGraph: { index: number; successRate: number; meanConflicts: number; meanExpectedMonochromatic: number };
  /** Fraction of graphs coloured improperly under every seed. */
  failingGraphs: number;
  /**
   * Best-of-k (a Las Vegas reading: colour under k seeds, keep a proper colouring if any), k = 1…K:
   * per graph 1 − C(K − s, k)/C(K, k) with s proper seeds of K; mean and minimum over graphs.
   */
  bestOfK: { seeds: number[]; mean: number[]; worst: number[] };
  /** Majority vote: the most frequent whole colouring among the first k seeds; fraction proper and graphs failing, k = 1…K. */
  majority: { seeds: number[]; proper: number[]; failingGraphs: number[] };
  /**
   * Properly ("truly") random: fraction of graphs where some vertex's colour distribution moves by
   * more than `bound` in total variation between two seeds; 0 for a model that ignores its seed.
   */
  properlyRandom: { bound: number; fraction: number; meanSpread: number };
  /** Distinct argmax colourings per graph over the K seeds: mean and maximum (1 = the seed changes nothing). */
  distinctColorings: { mean: number; max: number };
  /** Graphs for the chart: the worst first, then the next hardest; each with its colouring under every seed. */
  examples: ColoringExample[];
}

export interface ColoringExample {
  /** Index of the graph in the analysis's graph set. */
  graph: number;
  /** Vertex labels (their id tokens), vertex u at index u. */
  ids: string[];
  /** Edges [u, v], u < v. */
  edges: [number, number][];
  /** [seed][vertex] colour index 0…C−1 of the argmax colouring. */
  colorings: number[][];
  /** Monochromatic edges per seed. */
  conflicts: number[];
  successRate: number;
}

/** Per-input success rates over seeds (the paper's histograms: bimodal = deterministic, spread = random). */
export interface SuccessDistribution {
  /** Mean over inputs. */
  mean: number;
  /** Nearest-rank 5th percentile over inputs (the paper's "95th percentile of the loss" view). */
  p5: number;
  /** Fraction of inputs never answered right (0 %) and always answered right (100 %). */
  atZero: number;
  atOne: number;
  /** Histogram over inputs: `edges` [0, 0.1, …, 1] (11 edges, 10 bins, the last closed at 1), fraction of inputs per bin. */
  histogram: { edges: number[]; fractions: number[] };
}

export interface AdversarialRecall {
  pairs: number;
  /** Memory slots M of the task (0 = no slots: the model itself is the bottleneck). */
  capacity: number;
  /** Value symbols V: a guess is right with probability 1/V. */
  values: number;
  /** Seeds K each key is asked under (1 for a model without RSE). */
  seeds: number;
  /** Inputs (stored sequences) asked. */
  inputs: number;
  /** Mean over inputs and keys of the error rate over seeds (a random query). */
  meanError: number;
  /** Mean over inputs of the worst key's error rate over seeds (the adversary's query). */
  worstKeyError: number;
  /** Same, for the majority vote over all K seeds (0/1 per key). */
  worstKeyMajorityError: number;
  /** M̂ = n·(1 − meanError / (1 − 1/V)): the capacity of an ideal store with this model's mean error. */
  matchedCapacity: number;
  /** Ideal stores of capacity M̂ under the same measurement: what a properly random store with this model's average would show. */
  matchedStore: StoreReference;
  /** Ideal stores of the task's capacity M (null when capacity is 0). */
  taskStore: StoreReference | null;
}

/**
 * Ideal stores of one capacity, simulated with the same n, V, K and number of inputs as the
 * analysis (randomStore.ts): the random one keeps a uniformly random M of n items under each seed,
 * the deterministic one the same M under every seed.
 */
export interface StoreReference {
  capacity: number;
  /** Seeds K of the simulated reading (the analysis's randomSeeds, also for a model without RSE). */
  seeds: number;
  /** Simulated inputs. */
  trials: number;
  random: { meanError: number; worstKeyError: number; worstKeyMajorityError: number; worstKeyErrorBand: [number, number] };
  deterministic: { meanError: number; worstKeyError: number };
}

/** Entropy during training, read from the run's EntropyRecord lines. */
export interface EntropyOverTraining {
  /** Task size n of the probe batch. */
  length: number;
  steps: number[];
  /** Rows layer·head, columns steps: mean H in nats. */
  meanEntropy: LabeledMatrix;
  /** Rows layer·head, columns steps: mean h. */
  meanNormalized: LabeledMatrix;
  /** Lowest mean H over heads at each step. */
  minEntropy: number[];
  /** Lowest mean h over heads at each step. */
  minNormalized: number[];
}

/** Optimizer diagnostics over training, read from the run's OptimRecord lines. */
export interface OptimizerDiagnostics {
  optimizer: string;
  steps: number[];
  updateRms: number[];
  /** null at the first probe (no previous update). */
  signAgreement: (number | null)[];
  nanEvents: number[];
  stateBytes: number;
  /** Rows tensors, columns steps: RMS of the update of each tensor. */
  tensorUpdateRms: LabeledMatrix;
  /** Tiger only (else null): rows tensors, columns steps, the effective step size η_eff. */
  tigerEffectiveStep: LabeledMatrix | null;
  /**
   * Weight RMS after each probed step: rows `all` then each parameter kind the model has
   * (matrix, embedding, bias, norm-gain, norm-bias), columns steps. null for run folders
   * written before weights were probed.
   */
  weightRms: LabeledMatrix | null;
  /** Largest |θ| per parameter kind (rows as weightRms without `all`), columns steps; null as weightRms. */
  weightMaxAbs: LabeledMatrix | null;
  /** Rows tensors, columns steps: weight RMS of each tensor; null as weightRms. */
  tensorWeightRms: LabeledMatrix | null;
}

// ───────────────────────────── metrics.jsonl additions ─────────────────────────────
// The record types themselves are in runFolder.ts (EntropyRecord, OptimRecord).

// ───────────────────────────── summary.json ─────────────────────────────

export interface SummaryFile {
  version: typeof ANALYSIS_VERSION;
  kind: 'experiment-summary';
  experiment: string;
  createdAt: string;
  /** The evaluation length the headline uses: the longest one not beyond training (else the shortest). */
  headlineLength: number;
  runs: RunSummary[];
  /** Runs of the same configuration across training seeds. */
  groups: SeedGroup[];
  /** One grid per optimizer that was run at more than one (lr, weight decay) point. */
  robustness: RobustnessGrid[];
  /**
   * Paired differences over shared seeds (docs/science.md §3): between optimizers (each at its best
   * group — lowest mean final loss — among groups that differ only in the optimizer), and between
   * batch settings (groups that differ only in batchSize/accumulate). Absent in older summaries.
   */
  pairedDifferences?: PairedDifference[];
  /** Rows groups, columns evaluation lengths: mean exact over seeds (and the CLRS scores). */
  lengthGeneralization: { trainLengths: number[]; exact: LabeledMatrix; clrs: LabeledMatrix; shape: LabeledMatrix; parse: LabeledMatrix; wrongShape: LabeledMatrix; wrongValues: LabeledMatrix };
  /** Rows groups, columns evaluation lengths: mean over heads and seeds of the mean attention entropy H (nats). */
  entropy: LabeledMatrix;
  /** Same for the normalized entropy h = H / ln n. */
  entropyNormalized: LabeledMatrix;
  /**
   * Retrieval tasks (null otherwise): rows groups, columns evaluation lengths, each cell the mean
   * over seeds of the run's retrieval head at the query row (RetrievalEntropy), with the half-width
   * of its 95 % confidence interval over seeds (Student t; null with one seed).
   */
  retrieval: {
    entropy: LabeledMatrix;
    entropyCi95: LabeledMatrix;
    keyMass: LabeledMatrix;
    keyMassCi95: LabeledMatrix;
    normalized: LabeledMatrix;
    exact: LabeledMatrix;
    exactCi95: LabeledMatrix;
    /** Final evaluation loss (cross-entropy of the answer) and its interval. */
    loss: LabeledMatrix;
    lossCi95: LabeledMatrix;
  } | null;
  /** The headline comparison that `attention-lab report` prints; `note` says what the ± means. */
  headline: { columns: string[]; rows: (string | number | null)[][]; note?: string };
  /**
   * CLRS-Text tasks (docs/science.md §5; null when no run has one): rows groups, columns evaluation
   * lengths, each score's mean over seeds and the half-width of its 95 % confidence interval
   * (Student t; null with one seed).
   */
  clrs?: {
    shape: LabeledMatrix;
    shapeCi95: LabeledMatrix;
    parse: LabeledMatrix;
    parseCi95: LabeledMatrix;
    clrs: LabeledMatrix;
    clrsCi95: LabeledMatrix;
    exact: LabeledMatrix;
    exactCi95: LabeledMatrix;
  } | null;
  /**
   * TransNAR (null without a NAR run): each group with a NAR against the group without one on the
   * same task that differs only in the model (same scaling, optimizer and seeds), per evaluation
   * length, the paired difference over seeds (with − without) of the CLRS, shape and exact scores,
   * with 95 % intervals; and the cross-attention readings of the NAR group.
   */
  transnar?: TransnarComparison[] | null;
  /**
   * Task-specific tables, printed after the headline (absent in older files): graph colouring
   * (`coloring`), the softmax-noise probe (`softmax-noise`). Cells are text, e.g. `0.912 ± 0.010`
   * (mean ± half-width of the 95 % interval over seeds, as the title says).
   */
  tables?: SummaryTable[];
}

export interface TransnarComparison {
  task: string;
  /** Group labels: the plain Transformer and the TransNAR model. */
  plain: string;
  nar: string;
  /** Seeds both groups have (the pairs). */
  seeds: number[];
  rows: {
    length: number;
    /** Whether the length is beyond the longest training size. */
    beyondTraining: boolean;
    plain: { clrs: CiValue; shape: CiValue; exact: CiValue };
    nar: { clrs: CiValue; shape: CiValue; exact: CiValue };
    /** Paired differences with − without, over the common seeds. */
    diff: { clrs: CiValue; shape: CiValue; exact: CiValue };
    /** The NAR group's cross-attention at this length: mean over heads and seeds of h over the answer rows, and of the peak node mass. */
    crossNormalizedEntropy: number | null;
    crossPeak: number | null;
  }[];
  /** Mean over seeds of each cross-attention block's gate tanh(α). */
  gates: (number | null)[];
}

/** A mean over seeds and the half-width of its 95 % interval (null with one seed or none). */
export interface CiValue {
  mean: number | null;
  halfWidth: number | null;
  count: number;
}

export interface SummaryTable {
  id: string;
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** a − b over the seeds both groups finished, at the headline length, with 95 % intervals. */
export interface PairedDifference {
  /** What differs between the two groups. */
  factor: 'optimizer' | 'batching';
  a: string;
  b: string;
  /** The shared seeds with a final evaluation in both. */
  seeds: number[];
  /** Final evaluation loss, a − b (negative: a lower). null without a shared seed. */
  loss: MeanInterval | null;
  /** Final exact match, a − b. */
  exact: MeanInterval | null;
}

export interface RunSummary {
  id: string;
  /** Group label: the run id without its seed part. */
  group: string;
  status: string;
  seed: number;
  optimizer: string;
  lr: number;
  weightDecay: number;
  q: number;
  rseBits: number;
  position: string;
  attentionScaling: string;
  optimizerStateBytes: number;
  trainSeconds: number;
  /** Examples per micro-batch and micro-batches per update (1 for runs written before accumulation existed). */
  batchSize: number;
  accumulate: number;
  /** ln V, the loss of a uniform guess over the vocabulary. */
  chanceLoss: number;
  /**
   * The run diverged: its final evaluation loss at the headline length is not finite or above
   * `chanceLoss`, or its last logged training loss is not finite.
   */
  diverged: boolean;
  /** From the last optimizer diagnostics record: weight RMS of the matrices, of all parameters, and the largest |θ|; null without one. */
  weights: { matrixRms: number | null; rms: number | null; maxAbs: number | null };
  /** Final evaluation per length (from run.json). */
  final: { length: number; loss: number; exact: number; clrs: number }[];
  /** Best over the run's evaluations, at the headline length. */
  best: { loss: number | null; exact: number | null };
  /** Last logged training loss. */
  finalTrainLoss: number | null;
  /** Headline numbers from the run's analysis.json (null when it has none). */
  analysis: {
    /** Mean over heads of the slope of H against ln T (≈ 0: invariant). */
    meanEntropySlope: number | null;
    /** Mean over heads of the slope of h against ln T. */
    meanNormalizedSlope: number | null;
    /** Retrieval tasks: slope of the retrieval head's query-row H against ln n. */
    retrievalEntropySlope: number | null;
    minimumHead: string | null;
    minimumNormalized: number | null;
    properlyRandomFraction: number | null;
    /** Mean over inputs of the variance over seeds of p(correct answer). */
    answerVariance: number | null;
    successMean: number | null;
    successP5: number | null;
    majorityAccuracy: number | null;
    worstLoss: number | null;
    worstKeyError: number | null;
    worstKeyMajorityError: number | null;
    /** The matched ideal random store's worst-key error (the reference worstKeyError is compared with). */
    referenceWorstKeyError: number | null;
    /** Graph colouring (analysis.json `coloring`; null otherwise). */
    coloring?: {
      properRate: number;
      successP5: number;
      worstGraphSuccess: number;
      worstGraphConflicts: number;
      failingGraphs: number;
      bestOfK: number;
      bestOfKWorst: number;
      majority: number;
      properlyRandom: number;
      seeds: number;
      graphs: number;
      exhaustive: boolean;
    } | null;
  };
}

/** A curve averaged across seeds on a common step grid. */
export interface SeedBand {
  metric: string;
  steps: number[];
  mean: number[];
  std: number[];
}

export interface SeedGroup {
  label: string;
  runIds: string[];
  seeds: number[];
  /** Statistics across seeds, at the headline length. */
  finalLoss: Stats;
  finalExact: Stats;
  bestLoss: Stats;
  bestExact: Stats;
  finalTrainLoss: Stats;
  /** Weight RMS of the matrices at the end of training. Absent in older summaries. */
  finalMatrixRms?: Stats;
  /** Runs of the group that diverged (RunSummary.diverged). Absent in older summaries. */
  diverged?: number;
  /** Training loss and evaluation exact-match curves with mean ± std bands. */
  curves: SeedBand[];
}

export interface RobustnessGrid {
  optimizer: string;
  /** Column values. */
  lrs: number[];
  /** Row values. */
  weightDecays: number[];
  /**
   * Rows weight decay, columns lr: mean across seeds of the final evaluation loss at the headline
   * length; null in a cell where a run diverged (see `divergedRuns`) or none finished.
   */
  meanFinalLoss: LabeledMatrix;
  stdFinalLoss: LabeledMatrix;
  /** Half-width of the 95 % interval of meanFinalLoss (null where it is null or one seed finished). Absent in older summaries. */
  ciFinalLoss?: LabeledMatrix;
  meanFinalExact: LabeledMatrix;
  /** Runs per cell, and how many of them diverged (RunSummary.diverged). Absent in older summaries. */
  runs?: LabeledMatrix;
  divergedRuns?: LabeledMatrix;
  /** ln V of the task: a final loss above it counts as diverged. Absent in older summaries. */
  chanceLoss?: number;
}
