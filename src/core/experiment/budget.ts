/**
 * Resource budget of an experiment, checked before anything is written or trained: the number of
 * runs in the grid, and per run the parameters, the activation memory of one training step and
 * the memory of an evaluation. Each is an estimate from the shapes alone (no tensor is made), on
 * the generous side; a spec above a limit is refused with the numbers and how to go on anyway
 * (`--allow-large`, or ATTENTION_LAB_ALLOW_LARGE=1 for the extension's backend). The limits sit
 * below what a 32-bit wasm heap (4 GiB) and V8's typed arrays can hold, so a refused spec is one
 * that would otherwise fail late, mid-run, or take the machine's memory.
 */
import type { ModelConfig, RunConfig } from '../../protocol/config';
import { esPopulationBytes } from '../tasks/gridWorld';

export interface BudgetLimits {
  runs: number;
  parameters: number;
  /** Bytes of activations (forward values kept for the backward pass) of one training step. */
  stepBytes: number;
  /** Bytes held while evaluating one length. */
  evalBytes: number;
}

export const DEFAULT_LIMITS: Readonly<BudgetLimits> = {
  runs: 10_000,
  parameters: 100_000_000,
  stepBytes: 2 * 1024 ** 3,
  evalBytes: 2 * 1024 ** 3,
};

/** Rows of one evaluation forward pass (trainer.ts's EVAL_CHUNK). */
const EVAL_CHUNK = 64;

/** A spec or run above the budget; the message gives the numbers and the override. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

/** Whether the override is set in the environment. */
export function allowLargeFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ATTENTION_LAB_ALLOW_LARGE === '1';
}

/**
 * Parameter count of a model from its config (embeddings, blocks, final norm, output head), as
 * createModel builds it. `featureWidth` is the width of the task's input features for a
 * 'projected-features' embedding (taken as dModel − rseBits when not given).
 */
export function estimateParameters(m: ModelConfig, featureWidth?: number): number {
  const D = m.dModel;
  const F = m.dFf;
  const V = m.vocabSize;
  const H = m.heads;
  const dk = m.keySize ?? D / H;
  const dv = m.valueSize ?? D / H;
  const tokenWidth = D - m.rseBits;
  const embedding =
    m.embedding === 'features' ? 0 : m.embedding === 'projected-features' ? (featureWidth ?? tokenWidth) * tokenWidth : V * tokenWidth;
  const positions = m.position === 'learned' ? m.maxLen * tokenWidth : 0;
  const seed = m.rseProjection ? m.rseBits * m.rseBits : 0;
  const norm = m.norm === 'none' ? 0 : 2 * D;
  const attention = D * H * (2 * dk + dv) + H * (2 * dk + dv) + H * dv * D + D;
  const mlp = F > 0 ? norm + D * F + F + F * D + D : 0;
  const block = norm + attention + mlp;
  // TransNAR blocks: the cross-attention's norm, queries, keys and values from the NAR's nodes, output and gate (the frozen NAR is not counted).
  const nar = m.nar ?? null;
  const cross = nar ? nar.layers.length * (norm + D * H * dk + H * dk + nar.hidden * H * (dk + dv) + H * (dk + dv) + H * dv * D + D + 1) : 0;
  return embedding + positions + seed + m.layers * block + cross + norm + D * V;
}

/**
 * Bytes of one training step's activations: per layer the attention logits and probabilities
 * [R, H, T, T] (and their gradients), the residual stream and projections [R, T, D] and the MLP
 * hidden [R, T, F]; then the output logits [R, T, V]. R = batch × seeds per input, float32.
 */
export function estimateStepBytes(c: RunConfig): number {
  const m = c.model;
  const R = c.train.batchSize * Math.max(1, c.train.seedsPerInput);
  const T = m.trainLength;
  const perLayer = 4 * m.heads * T * T + 12 * T * m.dModel + 4 * T * m.dFf;
  return 4 * R * (m.layers * perLayer + 3 * T * m.vocabSize);
}

/**
 * Bytes of an evaluation at the longest length: the examples of one length laid out at once
 * (tokens, targets, masks and predictions, [N, T]) and one chunk's forward pass, the attention
 * probabilities of every layer included.
 */
export function estimateEvalBytes(c: RunConfig): number {
  const m = c.model;
  const T = m.maxLen;
  const examples = 4 * 4 * c.train.evalExamples * T;
  const chunk = 4 * EVAL_CHUNK * (m.layers * (2 * m.heads * T * T + 8 * T * m.dModel + 2 * T * m.dFf) + 2 * T * m.vocabSize);
  return examples + chunk;
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

function count(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} billion` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : n.toLocaleString('en-US');
}

const OVERRIDE = 'pass --allow-large (or set ATTENTION_LAB_ALLOW_LARGE=1) to run it anyway';

/** Refuses a grid of more than `limits.runs` runs (checked before the grid is expanded). */
export function checkGridSize(runs: number, limits: BudgetLimits = DEFAULT_LIMITS): void {
  if (runs > limits.runs) {
    throw new BudgetError(
      `the spec expands to ${count(runs)} runs, above the limit of ${count(limits.runs)} (tasks × models × scalings × optimizers × lr × weight decay × q × seeds); shorten a list, or ${OVERRIDE}`,
    );
  }
}

/** The first budget problem of one run, or null. */
export function runBudgetProblem(c: RunConfig, limits: BudgetLimits = DEFAULT_LIMITS): string | null {
  const params = estimateParameters(c.model);
  if (params > limits.parameters) {
    return `the model has about ${count(params)} parameters, above the limit of ${count(limits.parameters)} (layers ${c.model.layers}, dModel ${c.model.dModel}, dFf ${c.model.dFf}, vocabulary ${c.model.vocabSize}); make it smaller, or ${OVERRIDE}`;
  }
  if (c.task.name === 'grid-world') {
    // Evolution strategies: no backward pass; the population's perturbations and fitness tables instead.
    const population = c.task.options.population ?? 48;
    const side = Math.max(...c.task.trainLengths);
    const seeds = Math.max(1, c.train.seedsPerInput);
    const bytes = esPopulationBytes(population, params, seeds, side * side);
    return bytes > limits.stepBytes
      ? `an evolution-strategies population of ${population} needs ${gib(bytes)} (${population / 2} pairs × ${count(params)} parameters × 4 bytes of perturbations + ${population} candidates × ${seeds} seeds × ${side * side} cells × 4 bytes of fitness tables), above the limit of ${gib(limits.stepBytes)}; lower population or the model, or ${OVERRIDE}`
      : null;
  }
  const step = estimateStepBytes(c);
  if (step > limits.stepBytes) {
    return `one training step needs about ${gib(step)} of activations, above the limit of ${gib(limits.stepBytes)} (batch ${c.train.batchSize} × ${c.train.seedsPerInput} seeds, ${c.model.trainLength} tokens, ${c.model.heads} heads, ${c.model.layers} layers); lower batchSize or the training lengths, or ${OVERRIDE}`;
  }
  const ev = estimateEvalBytes(c);
  if (ev > limits.evalBytes) {
    return `an evaluation needs about ${gib(ev)}, above the limit of ${gib(limits.evalBytes)} (${c.train.evalExamples} examples at up to ${c.model.maxLen} tokens); lower evalExamples or the evaluation lengths, or ${OVERRIDE}`;
  }
  return null;
}

/** Refuses the runs above the budget: one line per distinct problem, naming the first run with it. */
export function checkRunsBudget(configs: readonly RunConfig[], limits: BudgetLimits = DEFAULT_LIMITS): void {
  const problems = new Map<string, string>();
  for (const c of configs) {
    const p = runBudgetProblem(c, limits);
    if (p && !problems.has(p)) problems.set(p, c.id);
  }
  if (problems.size > 0) throw new BudgetError([...problems].map(([p, id]) => `run ${id}: ${p}`).join('; '));
}
