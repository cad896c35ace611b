/** Which keys each query row may see, and how many: the input of the mask and of `attentionScale`. */
export interface AttentionMask {
  /** allowed[q * T + k] = 1 if query q may attend to key k. [T*T] */
  readonly allowed: Uint8Array;
  /** n per query row: the number of allowed keys. [T] */
  readonly visibleKeys: Int32Array;
}

/**
 * Combines the causal mask (key ≤ query) with an optional extra mask from the task
 * (`Task.attentionMask`, same [T*T] row-major layout). A row that would see no key at all
 * is an error: its softmax would be meaningless and log n undefined.
 */
export function buildAttentionMask(T: number, causal: boolean, extra?: Uint8Array | null): AttentionMask {
  if (!(Number.isInteger(T) && T > 0)) throw new Error(`attention mask: sequence length must be a positive integer, got ${T}`);
  if (extra && extra.length !== T * T) {
    throw new Error(`attention mask: expected ${T * T} entries (T×T with T = ${T}), got ${extra.length}`);
  }
  const allowed = new Uint8Array(T * T);
  const visibleKeys = new Int32Array(T);
  for (let q = 0; q < T; q++) {
    let n = 0;
    for (let k = 0; k < T; k++) {
      const ok = (!causal || k <= q) && (!extra || extra[q * T + k] !== 0);
      if (ok) {
        allowed[q * T + k] = 1;
        n++;
      }
    }
    if (n === 0) throw new Error(`attention mask: query row ${q} may see no key (causal: ${causal}); every row needs at least one`);
    visibleKeys[q] = n;
  }
  return { allowed, visibleKeys };
}

/**
 * The mask of a batch: one [T*T] mask shared by every example (`extra` null or [T*T]), or one per
 * example when `extra` has B·T·T entries (graph colouring: each graph's own neighbours,
 * Task.exampleMask). `perExample` says which; `allowed` and `visibleKeys` are [B*T*T] and [B*T]
 * when per example, else [T*T] and [T]. B = 1 with a [T*T] extra is the shared case.
 */
export function buildBatchAttentionMask(B: number, T: number, causal: boolean, extra?: Uint8Array | null): AttentionMask & { perExample: boolean } {
  if (!extra || extra.length === T * T) return { ...buildAttentionMask(T, causal, extra), perExample: false };
  if (extra.length !== B * T * T) {
    throw new Error(`attention mask: expected ${T * T} entries (T×T with T = ${T}) or ${B * T * T} (one T×T mask per example, B = ${B}), got ${extra.length}`);
  }
  const allowed = new Uint8Array(B * T * T);
  const visibleKeys = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let one: AttentionMask;
    try {
      one = buildAttentionMask(T, causal, extra.subarray(b * T * T, (b + 1) * T * T));
    } catch (err) {
      throw new Error(`example ${b}: ${(err as Error).message}`);
    }
    allowed.set(one.allowed, b * T * T);
    visibleKeys.set(one.visibleKeys, b * T);
  }
  return { allowed, visibleKeys, perExample: true };
}
