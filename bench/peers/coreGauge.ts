/**
 * A core-speed gauge for bench:peers: a fixed piece of scalar work (a 32 × 32 float64 matrix
 * product in plain JavaScript, some 30 µs once V8 has optimized it) timed beside every training
 * step in the same process. The work never changes, so a round in which the gauge's median time
 * rises is a round in which the core itself ran slower (the host's other tenants, the clock, the
 * other hyperthread), whatever our step did; a slow round with a steady gauge is our step's own.
 * speed.py times its own fixed piece of work (a plain Python loop) beside PyTorch's and JAX's steps.
 */

const N = 32;
const a = new Float64Array(N * N).map((_, i) => ((i * 7919) % 97) / 97 - 0.5);
const b = new Float64Array(N * N).map((_, i) => ((i * 104729) % 89) / 89 - 0.5);
const c = new Float64Array(N * N);
/** Read after every product so that V8 cannot drop the work as dead code. */
let sink = 0;

function product(): number {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += (a[i * N + k] as number) * (b[k * N + j] as number);
      c[i * N + j] = s;
    }
  }
  return c[(sink & 1) * (N * N - 1)] as number;
}

/** Microseconds the fixed product took this time. */
export function timeCoreGauge(): number {
  const t0 = performance.now();
  sink += product() > 0 ? 1 : 0;
  return (performance.now() - t0) * 1000;
}
