/**
 * The NAR's losses and scores per feature type (as CLRS): mask — binary cross-entropy per node;
 * mask_one — cross-entropy of a softmax over the nodes; pointer — per node, cross-entropy of a
 * softmax over the node it points to; scalar — squared error. Targets become one-hot tensors on
 * the host (no gather, whose gradient wasm lacks).
 */
import { tf } from '../tf';
import type { Tensor } from '../tf';
import type { FeatureArray, GraphBatch } from '../../core/nar/graphBatch';
import type { NarOutput } from './narModel';

/** One-hot rows [rows, N] of node indices. */
function oneHot(indices: Float32Array, N: number): Tensor {
  const out = new Float32Array(indices.length * N);
  indices.forEach((v, r) => {
    out[r * N + v] = 1;
  });
  return tf.tensor2d(out, [indices.length, N]);
}

/** Mean loss of one decoded feature against its targets (a scalar tensor). */
export function featureLoss(logits: Tensor, target: FeatureArray, N: number): Tensor {
  return tf.tidy(() => {
    switch (target.spec.type) {
      case 'mask': {
        const y = tf.tensor(target.data, logits.shape);
        // max(x, 0) − x·y + log(1 + e^(−|x|))
        return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
      }
      case 'mask_one': {
        const lp = tf.logSoftmax(tf.reshape(logits, [-1, N])); // [B, N]
        return tf.neg(tf.mean(tf.sum(tf.mul(lp, oneHot(target.data, N)), 1)));
      }
      case 'pointer': {
        const lp = tf.logSoftmax(tf.reshape(logits, [-1, N])); // [B·N, N]
        return tf.neg(tf.mean(tf.sum(tf.mul(lp, oneHot(target.data, N)), 1)));
      }
      case 'scalar':
        return tf.mean(tf.square(tf.sub(logits, tf.tensor(target.data, logits.shape))));
    }
  });
}

/** Output loss + hintWeight × the mean over steps of the summed hint losses. */
export function narLoss(out: NarOutput, batch: GraphBatch, hintWeight: number): Tensor {
  return tf.tidy(() => {
    let loss: Tensor = tf.scalar(0);
    out.outputs.forEach((logits, k) => {
      loss = tf.add(loss, featureLoss(logits, batch.outputs[k] as FeatureArray, batch.N));
    });
    if (hintWeight > 0 && out.hints.length > 0) {
      let hints: Tensor = tf.scalar(0);
      out.hints.forEach((step, t) =>
        step.forEach((logits, k) => {
          hints = tf.add(hints, featureLoss(logits, (batch.hints[t] as FeatureArray[])[k] as FeatureArray, batch.N));
        }),
      );
      loss = tf.add(loss, tf.mul(tf.scalar(hintWeight / out.hints.length), hints));
    }
    return loss;
  });
}

/** Decoded outputs as values: mask_one → node index per instance; pointer → node per node; mask → 0/1 per node. */
export function decodeOutputs(out: NarOutput, batch: GraphBatch): Float32Array[] {
  return out.outputs.map((logits, k) => {
    const spec = (batch.outputs[k] as FeatureArray).spec;
    const N = batch.N;
    const data = logits.dataSync() as Float32Array;
    if (spec.type === 'mask') return Float32Array.from(data, (x) => (x > 0 ? 1 : 0));
    if (spec.type === 'scalar') return Float32Array.from(data);
    const rows = data.length / N;
    const res = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let v = 1; v < N; v++) if ((data[r * N + v] as number) > (data[r * N + best] as number)) best = v;
      res[r] = best;
    }
    return res;
  });
}

/**
 * Output accuracy: the fraction of output elements right (a pointer per node, a mask_one's index,
 * a mask per node) and the fraction of instances with every output element right.
 */
export function outputScores(out: NarOutput, batch: GraphBatch): { accuracy: number; exact: number; right: number; total: number; exactCount: number } {
  const decoded = decodeOutputs(out, batch);
  const B = batch.B;
  const allRight = new Array<boolean>(B).fill(true);
  let right = 0;
  let total = 0;
  decoded.forEach((pred, k) => {
    const truth = (batch.outputs[k] as FeatureArray).data;
    const per = pred.length / B;
    pred.forEach((v, i) => {
      total++;
      const ok = (batch.outputs[k] as FeatureArray).spec.type === 'scalar' ? Math.abs(v - (truth[i] as number)) < 1e-3 : v === truth[i];
      if (ok) right++;
      else allRight[Math.floor(i / per)] = false;
    });
  });
  const exactCount = allRight.filter((x) => x).length;
  return { accuracy: total ? right / total : 0, exact: exactCount / B, right, total, exactCount };
}
