/**
 * Exponential moving average with TensorBoard's debiasing: s_t = w·s_{t−1} + (1−w)·y_t, divided by
 * 1 − w^t so the first points are not pulled towards 0. Non-finite values are passed through and
 * do not enter the average. weight 0 returns the values unchanged.
 */
export function ema(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  if (weight === 0) return [...values];
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out.push(last / (1 - weight ** n));
  }
  return out;
}
