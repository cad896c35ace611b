/**
 * Greedy autoregressive decoding of a causal model: the answer it really produces (token ids
 * cut at EOS), shared by the trainer's evaluation and the analyses. One full forward pass per
 * generated token (no cache: the models are small), stopping when every row has said EOS.
 */
import { prefixPositions } from '../model/positionPlan';
import type { Model } from '../model/transformer';
import { maxAnswerTokens, promptForDecoding } from '../../core/tasks/layout';
import type { Task, TaskExample } from '../../core/tasks/task';
import { EOS } from '../../core/tasks/task';
import { tf } from '../tf';
import type { Tensor } from '../tf';

export interface DecodeOptions {
  /** Seed bits [B, rseBits] for a model with Random Seed Encoding. Not disposed here. */
  seedBits?: Tensor;
  /**
   * Positions of the whole laid-out sequence (prompt + answer + EOS), [T] shared or [B*T] one row
   * per example (randomized encodings): every step reads their prefix, so a token's position never
   * changes while the answer grows.
   */
  positions?: Int32Array;
  /** TransNAR: the NAR's node embeddings of the examples' graphs [B, N, H_nar] (narNodes). Not disposed here. */
  nodes?: Tensor;
}

export function greedyDecode(model: Model, task: Task, examples: readonly TaskExample[], n: number, opts: DecodeOptions = {}): number[][] {
  const causal = true;
  const seqs = examples.map((ex) => promptForDecoding(task, ex, causal));
  const promptLen = seqs[0]?.length ?? 0;
  const maxNew = maxAnswerTokens(task, n); // answer + EOS
  const B = examples.length;
  const fullLen = promptLen + maxNew;
  const fullMask = task.attentionMask?.(n, fullLen, causal) ?? null;
  const longest = fullLen - 1; // the longest input fed to the model = sequenceLength(task, n, true), what opts.positions lay out
  const done = new Array<boolean>(B).fill(false);
  const answers: number[][] = examples.map(() => []);
  for (let k = 0; k < maxNew && done.some((d) => !d); k++) {
    const L = promptLen + k;
    if (L > model.config.maxLen) break;
    const flat = new Int32Array(B * L);
    seqs.forEach((s, b) => flat.set(s, b * L));
    const mask = fullMask ? topLeft(fullMask, fullLen, L) : null;
    const positions = opts.positions ? prefixPositions(opts.positions, B, longest, L) : undefined;
    const next = tf.tidy(() => {
      const tokens = tf.tensor2d(flat, [B, L], 'int32');
      const { logits } = model.forward({ tokens, seedBits: opts.seedBits as tf.Tensor2D | undefined, positions, mask, nodes: opts.nodes as tf.Tensor3D | undefined });
      const last = tf.slice(logits, [0, L - 1, 0], [B, 1, -1]); // [B, 1, V]
      return tf.reshape(tf.argMax(last, 2), [B]);
    });
    const ids = next.dataSync();
    next.dispose();
    for (let b = 0; b < B; b++) {
      const id = ids[b] as number;
      (seqs[b] as number[]).push(id);
      if (done[b]) continue;
      if (id === EOS) done[b] = true;
      else (answers[b] as number[]).push(id);
    }
  }
  return answers;
}

/** The top-left L×L block of a [T×T] mask (the causal mask's prefix property makes it exact). */
function topLeft(mask: Uint8Array, T: number, L: number): Uint8Array {
  const out = new Uint8Array(L * L);
  for (let q = 0; q < L; q++) out.set(mask.subarray(q * T, q * T + L), q * L);
  return out;
}
