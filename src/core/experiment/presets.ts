/**
 * Built-in experiments (`attention-lab run --preset <name>`). Each is checked by validateSpec
 * when this module loads, so a preset that breaks a rule fails loudly at start-up, not mid-run.
 *
 * Step counts come from measurements on the wasm backend, two runs in parallel on the 2-core
 * machine, batch 32, 2 layers: ~23–28 ms/step at dModel 32 and T ≤ 25 (the quick preset), ~38–45 ms
 * at dModel 64 and T ≤ 25; an evaluation of 128 recall examples at 5 lengths up to T = 132 ~4 s.
 * randomized-recall (linear attention, T = 7, 32 inputs × 8 rows, both RSE on and off): measured
 * on the native backend while other jobs kept the load average at 10–14, ~0.2 s per step with two
 * runs in parallel; see the README for its measured wall time.
 *
 * Learning rates: Lion takes a 3× smaller lr and a 3× larger weight decay than AdamW
 * (docs/science.md §3). Tiger's step is η·RMS(θ) for weight matrices, relative to the weights' size,
 * so its lr is not on Lion's scale: measured on these tasks, Tiger at η = 1e-2 matches Lion at
 * 3e-4 (dModel 64, sort, 600 steps), while at 1e-3 it barely moves in the quick preset's budget.
 */
import type { ExperimentSpec, ModelSpec, TaskSpec } from '../../protocol/spec';
import { formatSpecErrors, validateSpec } from './validateSpec';

export interface Preset {
  description: string;
  spec: ExperimentSpec;
}

/**
 * The optimizer presets' shared setting (optimizers, robustness, tiger-accumulation): sorting up to
 * 8 keys of 16 values, evaluated at n = 8 only (inside the training lengths: no extrapolation is
 * claimed; RoPE all the same), a 2-layer dModel-32 model. Each optimizer at its best lr measured on
 * exactly this setting (batch 32, 1,000 steps, default schedule, 3 seeds; the sweep points were
 * lr ∈ {1e-3, 3e-3, 1e-2, 3e-2, 1e-1} for AdamW (λ 0.1), {3e-4 … 3e-2} for Lion (λ 0.3) and
 * {1e-3, 3e-3, 1e-2, 3e-2, 1e-1} × λ ∈ {0.01, 0.3, 1} for Tiger; the lowest mean final loss wins).
 */
function optimizerTask(): TaskSpec {
  return { name: 'sort', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8], options: { values: 16 } };
}
function optimizerModel(): ModelSpec {
  return { label: 'small', layers: 2, dModel: 32, heads: 2, dFf: 64, position: 'rope' };
}
/** Measured best settings (see above). */
const BEST = {
  adamw: { name: 'adamw', lr: 1e-2, weightDecay: 0.1 },
  lion: { name: 'lion', lr: 1e-2, weightDecay: 0.3 },
  tiger: { name: 'tiger', lr: 1e-2, weightDecay: 0.3 },
} as const;

const SOURCES: Record<string, { description: string; spec: ExperimentSpec }> = {
  quick: {
    description:
      'AdamW vs Lion vs Tiger × standard vs log-n attention on sorting up to 8 keys, with a small RoPE model (defined at every offset, so n = 12 is a fair length test): 6 runs of 1,000 steps, about 1.5–2.5 minutes on 2 cores (wasm; ~150–290 CPU seconds).',
    spec: {
      name: 'quick',
      description:
        'A first look: three optimizers (Lion with a 3× smaller lr and 3× larger weight decay than AdamW; Tiger with its relative step) and two attention scalings on sorting n ≤ 8 keys, evaluated at n = 8 and, beyond training, n = 12. RoPE positions: a rotation defined at every offset, so the longer sequences are not out of reach by construction (learned positions beyond the training length would be untrained).',
      tasks: [{ name: 'sort', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 12], options: { values: 16 } }],
      models: [{ label: 'small', layers: 2, dModel: 32, heads: 2, dFf: 64, position: 'rope' }],
      attentionScalings: ['standard', 'logn'],
      optimizers: [
        { name: 'adamw', lr: 3e-3, weightDecay: 0.1 },
        { name: 'lion', lr: 1e-3, weightDecay: 0.3 },
        { name: 'tiger', lr: 1e-2, weightDecay: 0.1 },
      ],
      seeds: [1],
      train: {
        steps: 1000,
        batchSize: 32,
        schedule: { kind: 'warmup-cosine', warmupSteps: 50, minFactor: 0.1 },
        evalEvery: 200,
        evalExamples: 64,
        logEvery: 10,
      },
    },
  },
  entropy: {
    description:
      'Entropy-invariant attention: associative recall with one token per pair and no position encoding (retrieval by content), trained on 4–8 pairs, evaluated at 8–64; standard vs log-n (b = the training length) vs log-n-train, 3 seeds. 9 runs, ~6 min on 2 cores.',
    spec: {
      name: 'entropy',
      description:
        'Tests the claim of docs/science.md §1 where it can show: each pair is one token and there is no position encoding, so the query finds its pair by content and the only length effect is dilution. The trained models retrieve sharply; beyond the training length, under standard scaling the query row\'s entropy H (nats) should grow and its attention mass on the queried pair fall, under log-n scaling (b = the longest training sequence, or the Qwen form logn-train) H should stay flat. H, h = H / ln n, the mass on the key and exact recall per length are in each analysis.json and in summary.json.',
      tasks: [{ name: 'recall', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 16, 32, 64], options: { tokensPerPair: 1, keys: 64, values: 8 } }],
      models: [{ label: 'content', position: 'none', embedding: 'projected-features', layers: 2, dModel: 64, heads: 4, dFf: 128, lognBase: 'train' }],
      attentionScalings: ['standard', 'logn', 'logn-train'],
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.1 }],
      seeds: [1, 2, 3],
      train: { steps: 800, evalExamples: 128 },
    },
  },
  optimizers: {
    description:
      'AdamW vs Lion vs Tiger, each at its own measured best lr, on sorting up to 8 keys: 5 paired seeds, mean ± 95 % CI and the paired differences. 15 runs, ~6 min on 2 cores.',
    spec: {
      name: 'optimizers',
      description:
        'Each optimizer at the lr that gave it the lowest final loss on this exact setting (measured, see src/core/experiment/presets.ts), Tiger at a weight decay that bounds its weights\' RMS (docs/science.md §3), the same 5 training seeds for all three, so the report can pair them seed by seed. Also their optimizer-state memory: AdamW keeps 2 tensors per parameter, Lion and Tiger 1.',
      tasks: [optimizerTask()],
      models: [optimizerModel()],
      attentionScalings: ['standard'],
      optimizers: [{ ...BEST.adamw }, { ...BEST.lion }, { ...BEST.tiger }],
      seeds: [1, 2, 3, 4, 5],
      train: { steps: 1000, evalEvery: 250, evalExamples: 128 },
    },
  },
  robustness: {
    description:
      'A 5-point lr grid per optimizer (AdamW, Lion, Tiger), a decade apart from 1e-4 to 1, well below each optimum into divergence, on sorting up to 8 keys, 3 seeds: how wide is each good region? 45 runs of 600 steps, ~9 min on 2 cores.',
    spec: {
      name: 'robustness',
      description:
        'The Lion paper claims a wider good region for Lion than for AdamW (docs/science.md §3). Every optimizer over the same lr decades 1e-4 … 1 at its own weight decay; a run diverges when its final loss is not finite or above the chance level ln V, and the report and the dashboard show such cells as diverged, not as numbers. 600 steps (the optimizers preset trains 1,000) so that the 45 runs fit in 10 minutes on 2 cores; with fewer steps an optimum can sit a little higher.',
      tasks: [optimizerTask()],
      models: [optimizerModel()],
      attentionScalings: ['standard'],
      optimizers: [
        { name: 'adamw', lr: [1e-4, 1e-3, 1e-2, 1e-1, 1], weightDecay: BEST.adamw.weightDecay },
        { name: 'lion', lr: [1e-4, 1e-3, 1e-2, 1e-1, 1], weightDecay: BEST.lion.weightDecay },
        { name: 'tiger', lr: [1e-4, 1e-3, 1e-2, 1e-1, 1], weightDecay: BEST.tiger.weightDecay },
      ],
      seeds: [1, 2, 3],
      train: { steps: 600, evalEvery: 600, evalExamples: 128 },
    },
  },
  'tiger-accumulation': {
    description:
      "Gradient accumulation: batch 8 × 4 micro-batches vs batch 32 at once, for AdamW, Lion and Tiger at their best lr, 3 seeds: loss, accuracy and optimizer-state bytes (Tiger's memory claim, measured). 18 runs of 1,000 steps (a step of 4 micro-batches costs ~2.6× one of 32), ~10 min on 2 cores.",
    spec: {
      name: 'tiger-accumulation',
      description:
        'Both settings see 32 examples per update. AdamW, Lion (and SGD) accumulate in a gradient buffer of one float32 per parameter; Tiger accumulates inside its momentum with no extra memory (docs/science.md §3). The state bytes are the optimizer\'s allocated tensors (the same bytes tf.memory() counts).',
      tasks: [optimizerTask()],
      models: [optimizerModel()],
      attentionScalings: ['standard'],
      optimizers: [{ ...BEST.adamw }, { ...BEST.lion }, { ...BEST.tiger }],
      seeds: [1, 2, 3],
      train: { steps: 1000, batchSize: [32, 8], accumulate: [1, 4], evalEvery: 1000, evalExamples: 128, logEvery: 20 },
    },
  },
  'randomized-recall': {
    description:
      'Associative recall through a linear-attention memory (von Oswald et al. 2025, scaled down): 6 pairs, key size 2, RSE off vs on × q = 1 vs 32, 3 seeds; the adversary\'s worst key against simulated ideal stores. 12 runs of 1,200 steps, ~5 min on 2 cores.',
    spec: {
      name: 'randomized-recall',
      description:
        'The ICLR 2025 randomized-Transformer recall setting (docs/science.md §4, §7.1), small: one token per pair [value bits, one-hot key] (+ an 8-bit seed shared by the sequence), ' +
        'the query token with its value slot zeroed, read at the query; 2 blocks of linear self-attention, 1 head, key size 2 as the memory bottleneck. ' +
        'First: does a deterministic model (no RSE) learn a store that an oblivious adversary can exploit (worst-key error near 1)? Then: does the q-norm objective with fresh seeds ' +
        '(A^q_R) make the store properly random, with a worst-key error below the deterministic one and a majority vote above it, where ERM with seeds (A^E_R, q = 1) ignores the seed (Yao)? ' +
        'RSE on and off see the same 32 inputs × 8 rows per step.',
      tasks: [{ name: 'recall', trainLengths: [6], evalLengths: [6], options: { keys: 6, values: 4, tokensPerPair: 1 } }],
      models: [
        { label: 'r0', layers: 2, heads: 1, dFf: 32, attention: 'linear', keySize: 2, valueSize: 2, embedding: 'projected-features', dModel: 16, init: 'fan-in', position: 'none', rseBits: 0 },
        { label: 'R', layers: 2, heads: 1, dFf: 32, attention: 'linear', keySize: 2, valueSize: 2, embedding: 'projected-features', dModel: 24, init: 'fan-in', position: 'none', rseBits: 8 },
      ],
      attentionScalings: ['standard'],
      // Adam as the paper: β2 0.95, ε 1e-5, no weight decay, clip 1, warm-up then cosine 3e-3 → 3e-4.
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0, beta2: 0.95, eps: 1e-5 }],
      seeds: [1, 2, 3],
      train: {
        steps: 1200,
        batchSize: 32,
        seedsPerInput: 8,
        q: [1, 32],
        qWarmup: 400,
        gradClip: 1,
        schedule: { kind: 'warmup-cosine', warmupSteps: 120, minFactor: 0.1 },
        evalEvery: 400,
        evalExamples: 256,
        logEvery: 50,
      },
    },
  },
  'graph-coloring': {
    description:
      'Distributed 3-colouring of random 8-cycles (von Oswald et al. 2025, scaled down): each vertex sees only its neighbours, 2 layers; no seed vs a shared 8-bit seed × q = 1 vs 10, 3 seeds; 1,024 graphs × 16 seeds, the adversary\'s graph, best-of-k and majority. 12 runs of 1,000 steps, ~5 min on 2 cores.',
    spec: {
      name: 'graph-coloring',
      description:
        'The randomized-Transformers colouring task (science.md §4, §7.2), small: a uniformly random cycle on 8 vertices whose ids come from an alphabet of 16 (so no vertex can infer the vertices it cannot see), ' +
        'each vertex token attending only to its two neighbours (2 layers = 2 rounds of messages), colours read at the vertices, trained on the expected number of monochromatic edges inside the q-norm objective over 8 seeds per graph. ' +
        'Does a deterministic model (no seed) leave graphs it always colours wrongly? Does a seed shared by all vertices, under q = 10, make the colouring properly random and lower the share of graphs that fail under every seed, and does ERM (q = 1) ignore the seed? ' +
        'Both models see the same 32 graphs × 8 rows per step.',
      tasks: [{ name: 'graph-coloring', trainLengths: [8], evalLengths: [8], options: { ids: 16 } }],
      models: [
        { label: 'r0', causal: false, layers: 2, heads: 1, dModel: 16, dFf: 64, position: 'none', rseBits: 0 },
        { label: 'R', causal: false, layers: 2, heads: 1, dModel: 24, dFf: 64, position: 'none', rseBits: 8 },
      ],
      attentionScalings: ['standard'],
      // Adam as the paper (β2 0.95, weight decay 0.1, clip 1), warm-up then cosine decay.
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.1, beta2: 0.95 }],
      seeds: [1, 2, 3],
      train: {
        // 1,000 steps (not 1,200) so the 12 runs fit 10 minutes on 2 cores; q warm-up a third of them.
        steps: 1000,
        batchSize: 32,
        seedsPerInput: 8,
        q: [1, 10],
        qWarmup: 330,
        gradClip: 1,
        schedule: { kind: 'warmup-cosine', warmupSteps: 100, minFactor: 0.1 },
        evalEvery: 500,
        evalExamples: 512,
        logEvery: 50,
      },
    },
  },
  'softmax-noise': {
    description:
      'The softmax-noise probe (Su): i.i.d. N(0, σ²) noise on the attention logits of content-retrieval models, standard vs log-n scaling, σ from 0 to 4, per layer and per length 8–64, 3 seeds. 6 runs.',
    spec: {
      name: 'softmax-noise',
      description:
        'How much does i.i.d. noise on the attention logits change a trained model (science.md §6)? The models of the entropy preset (associative recall, one token per pair, retrieval by content, trained on 4–8 pairs), standard vs log-n scaling (b = the training length); ' +
        'every analysis.json holds the probe: N(0, σ²) added after the scaling and before the softmax in one layer or in all, σ ∈ {0, 0.25, 0.5, 1, 2, 4}, at 8, 16, 32 and 64 pairs — the change of the attention rows (total variation), of the output distribution (KL, total variation), of the loss and of exact recall.',
      tasks: [{ name: 'recall', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 16, 32, 64], options: { tokensPerPair: 1, keys: 64, values: 8 } }],
      models: [{ label: 'content', position: 'none', embedding: 'projected-features', layers: 2, dModel: 64, heads: 4, dFf: 128, lognBase: 'train' }],
      attentionScalings: ['standard', 'logn'],
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.1 }],
      seeds: [1, 2, 3],
      train: { steps: 800, evalExamples: 128 },
    },
  },
  'grid-world': {
    description:
      'The grid-world explorer (von Oswald et al. 2025, scaled down): a goal hidden in one of the 8 other cells of a 3 × 3 grid, the adversary hides it where the agent arrives last; a 1-layer agent trained by evolution strategies (48 candidates, antithetic) with AdamW; no seed vs a 4-dim seed × q = 1 vs 16, 3 seeds. 12 runs.',
    spec: {
      name: 'grid-world',
      description:
        'The randomized-Transformers grid world (science.md §4), small and with one exploration episode (no exploiting episode after a reset): the agent starts in a corner of a 3 × 3 grid, sees only the cell it stands on, and has 8 steps (one Hamiltonian path) to find a goal hidden in one of the 8 other cells; cost = steps to the goal (9 if never found). ' +
        'Trained by evolution strategies (48 candidates in 24 antithetic pairs, σ 0.05, fitness = −the q-norm over the 8 goal cells of the mean cost over 8 seeds), the pseudo-gradient through AdamW. ' +
        'A deterministic path leaves one cell for step 8 (the adversary takes it); mixing paths by the seed can bring every cell\'s expected step to 6 or below. Does a seed under q = 16 lower the worst case, and does ERM (q = 1) ignore the seed?',
      tasks: [{ name: 'grid-world', trainLengths: [3], evalLengths: [3], options: { budget: 8, population: 48, sigmaMilli: 50 } }],
      models: [
        { label: 'r0', causal: true, layers: 1, heads: 2, dModel: 16, dFf: 32, position: 'learned', rseBits: 0 },
        { label: 'R', causal: true, layers: 1, heads: 2, dModel: 20, dFf: 32, position: 'learned', rseBits: 4 },
      ],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-2, weightDecay: 0 }],
      seeds: [1, 2, 3],
      train: { steps: 400, seedsPerInput: 8, q: [1, 16], evalExamples: 256, evalEvery: 100, logEvery: 10, schedule: { kind: 'constant' } },
    },
  },
  'position-probe': {
    description:
      "Su's position probe (n identical tokens → 1…n) for every position encoding in a bidirectional model, randomized sinusoidal and RoPE included: only encodings added to the input can solve it. 6 runs, ~3 min on 2 cores.",
    spec: {
      name: 'position-probe',
      description:
        'With identical input tokens all value vectors are equal, so an encoding acting only on the attention logits (RoPE, randomized or not) yields the same output everywhere and cannot solve the probe; learned and sinusoidal codes added to the input can (docs/science.md §2). Randomized sinusoidal positions (a sorted random subset of [0, 4·maxLen), resampled per example at evaluation) must read the index as a rank among the drawn positions.',
      tasks: [{ name: 'position-probe', trainLengths: [4, 8, 12, 16], evalLengths: [8, 16] }],
      models: [
        { label: 'none', causal: false, position: 'none' },
        { label: 'learned', causal: false, position: 'learned' },
        { label: 'sinusoidal', causal: false, position: 'sinusoidal' },
        { label: 'rope', causal: false, position: 'rope' },
        { label: 'randomized-sinusoidal', causal: false, position: 'sinusoidal', randomizePositions: true },
        { label: 'randomized-rope', causal: false, position: 'rope', randomizePositions: true },
      ],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 1e-3, weightDecay: 0.01 }],
      seeds: [1],
      train: { steps: 1000, evalExamples: 64 },
    },
  },
  'length-generalization': {
    description:
      'Sorting trained on n ≤ 8, evaluated at 8, 12 and 16: RoPE vs sinusoidal, each at 0…T−1 and at randomized positions (Ruoss et al.), 3 seeds. 12 runs of 2,000 steps, ~9 min on 2 cores.',
    spec: {
      name: 'length-generalization',
      description:
        'Do randomized positions help a Transformer sort longer lists than it was trained on (docs/science.md §5, §7.4)? Both codes are defined at every position, so n = 12 and 16 are reachable by construction; randomized ones are read at a sorted random subset of [0, 4·maxLen) every step (one draw shared by the batch) and per example at evaluation, so the longer sequences\' positions are not new. Sinusoidal codes are added to token embeddings × √dModel.',
      tasks: [{ name: 'sort', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 12, 16], options: { values: 16 } }],
      models: [
        { label: 'rope', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'rope' },
        { label: 'randomized-rope', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'rope', randomizePositions: true },
        { label: 'sinusoidal', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'sinusoidal' },
        { label: 'randomized-sinusoidal', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'sinusoidal', randomizePositions: true },
      ],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.1 }],
      seeds: [1, 2, 3],
      train: { steps: 2000, batchSize: 32, evalEvery: 1000, evalExamples: 128, logEvery: 20 },
    },
  },
  'clrs-text': {
    description:
      'CLRS-Text (Markeeva et al.): insertion sort, minimum and binary search written as text with multi-digit numbers, a Transformer alone (randomized positions on RoPE), trained on n ≤ 8, evaluated at 8, 12 and 16: where does it fail, by shape, parse or values? 3 seeds, 9 runs of 1,000 steps, ~8 min on 2 cores (BFS alone: the plain model of the transnar preset).',
    spec: {
      name: 'clrs-text',
      description:
        'Where does a Transformer alone fail on algorithmic text out of distribution (docs/science.md §5, §7.3)? Three CLRS algorithms as CLRS-Text, numbers as one token per digit, trained on sizes 4–8 and evaluated at the largest training size and beyond. Shape (as many elements as the truth), parse (a well-formed answer) and CLRS score (fraction of elements right) tell apart failing to size the output, emitting malformed text and getting values wrong. The index-search tasks (minimum, binary search) answer with an index: beyond training the answer is an index the model never wrote (two digits from n = 11), the failure TransNAR could not fix either. Randomized positions on RoPE (L = 4× the longest sequence), as TransNAR. The fourth task, BFS, is in the transnar preset, with and without its NAR (its plain model is this Transformer): together in one preset they would not fit 10 minutes on 2 cores.',
      tasks: [
        { name: 'insertion-sort', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 12, 16] },
        { name: 'minimum', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 12, 16] },
        { name: 'binary-search', trainLengths: [4, 5, 6, 7, 8], evalLengths: [8, 12, 16] },
      ],
      models: [{ label: 'transformer', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'rope', randomizePositions: true }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.01 }],
      seeds: [1, 2, 3],
      train: { steps: 1000, batchSize: 32, evalEvery: 1000, evalExamples: 64, logEvery: 20 },
    },
  },
  transnar: {
    description:
      'TransNAR-lite (Bounsi et al.): the same Transformer with and without gated cross-attention to a frozen, pretrained max-aggregation NAR, on BFS (trained on 4–7 nodes, evaluated at 7 and 10); 3 seeds, scores paired by seed with 95 % intervals. NAR pretraining is part of the preset.',
    spec: {
      name: 'transnar',
      description:
        'Does a frozen neural algorithmic reasoner help a Transformer out of distribution (docs/science.md §5, §7.3)? The preset first pretrains a NAR for BFS (a max-aggregation MPNN whose processor is shared across steps, trained on the algorithm\'s graph form with its hints) and freezes it; the TransNAR model\'s two blocks then cross-attend from the tokens to the NAR\'s final node embeddings through tanh gates that start closed. The plain model is the same Transformer without the NAR (the clrs-text preset\'s), with the same data, seeds and steps, so the scores pair by seed. BFS is the small faithful version\'s algorithm: its NAR generalizes to larger graphs. 800 steps and one evaluation at the end keep the preset within 10 minutes on 2 cores.',
      tasks: [{ name: 'bfs', trainLengths: [4, 5, 6, 7], evalLengths: [7, 10] }],
      models: [
        { label: 'transformer', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'rope', randomizePositions: true },
        { label: 'transnar', layers: 2, dModel: 64, heads: 4, dFf: 128, position: 'rope', randomizePositions: true, nar: { checkpoint: 'pretrain', layers: [0, 1] } },
      ],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 3e-3, weightDecay: 0.01 }],
      seeds: [1, 2, 3],
      train: { steps: 800, batchSize: 32, evalEvery: 800, evalExamples: 64, logEvery: 20 },
      narPretraining: { hidden: 32, steps: 400, batchSize: 32, lr: 3e-3, hintWeight: 1, seed: 1 },
    },
  },
};

function checkedPresets(): Record<string, Preset> {
  const out: Record<string, Preset> = {};
  for (const [name, { description, spec }] of Object.entries(SOURCES)) {
    const checked = validateSpec(spec);
    if (!checked.ok) throw new Error(`preset "${name}" is invalid:\n${formatSpecErrors(checked.errors)}`);
    out[name] = { description, spec: checked.spec };
  }
  return out;
}

/** The built-in experiments by name. Clone a spec before changing it (structuredClone). */
export const PRESETS: Readonly<Record<string, Preset>> = checkedPresets();

/** Presets as a list, in definition order. */
export function listPresets(): { name: string; description: string; spec: ExperimentSpec }[] {
  return Object.entries(PRESETS).map(([name, p]) => ({ name, description: p.description, spec: p.spec }));
}
