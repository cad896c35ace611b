/**
 * The statistics of bench:peers's rounds (pure functions, tested in test/peers/roundStats.test.ts):
 * the interval around the median of the rounds' ratios, which rounds left the ±10 % band and what
 * else moved in the same round (the framework's own core gauge, the other frameworks, the
 * machine's matmul ceiling).
 */

/**
 * The interval between order statistics that covers the median of the rounds' distribution with
 * probability ≥ 95 % when there are enough rounds (distribution-free: the number of rounds below
 * the median is Binomial(n, ½)); with fewer, the whole range and its coverage (94 % at 5 rounds).
 */
export function medianInterval(xs: readonly number[]): { lo: number; hi: number; coverage: number } {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const binom = (k: number): number => {
    let c = 1;
    for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
    return c / 2 ** n;
  };
  // coverage of [x(k), x(n-k+1)] (1-based) = 1 − 2 P(Bin ≤ k − 1)
  const coverage = (k: number): number => {
    let tail = 0;
    for (let i = 0; i < k; i++) tail += binom(i);
    return 1 - 2 * tail;
  };
  let k = 1;
  while (k + 1 <= Math.floor(n / 2) && coverage(k + 1) >= 0.95) k++;
  return { lo: s[k - 1] as number, hi: s[n - k] as number, coverage: n > 0 ? coverage(k) : 0 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Each round's time as a signed fraction of the median round (+0.12 = 12 % slower). */
export function deviations(ms: readonly number[]): number[] {
  const m = median(ms);
  return ms.map((x) => (x - m) / m);
}

/** One framework's rounds at one length, with what bench:peers recorded beside each. */
export interface RoundSeries {
  label: string;
  /** Median wall ms per step of each round. */
  wall: readonly number[];
  /** Median µs of the process's core gauge in each round (bench/peers/coreGauge.ts), where measured. */
  gauge?: readonly number[];
}

/** A round outside the band, and what moved with it. */
export interface Outlier {
  /** 0-based round. */
  round: number;
  deviation: number;
  /** The other frameworks' deviations in the same round. */
  others: { label: string; deviation: number }[];
  /** How much slower the machine's matmul ceiling measured at the start of the round was than its median (+ = slower); undefined without one. */
  machine?: number;
  /** How much slower the framework's own core gauge ran in the round than in its median round (+ = slower); undefined without one. */
  core?: number;
  /**
   * Whether another framework (or the ceiling, or the framework's own core gauge) moved the same way in the same round by at least
   * half as much: a change of the machine rather than of one framework's step.
   */
  shared: boolean;
}

/**
 * The rounds of `series` more than `band` (0.1 = ±10 %) from its median; for each, the same round's
 * deviations of `others` and of the machine's ceiling (GFLOP/s per round: a higher ceiling is a faster machine).
 */
export function outliers(series: RoundSeries, others: readonly RoundSeries[], ceilingGflops?: readonly number[], band = 0.1): Outlier[] {
  const own = deviations(series.wall);
  const theirs = others.filter((o) => o.wall.length === series.wall.length).map((o) => ({ label: o.label, dev: deviations(o.wall) }));
  const ceiling = ceilingGflops && ceilingGflops.length === series.wall.length ? deviations(ceilingGflops.map((g) => 1 / g)) : undefined;
  const gauge = series.gauge && series.gauge.length === series.wall.length ? deviations(series.gauge) : undefined;
  const out: Outlier[] = [];
  own.forEach((d, round) => {
    if (Math.abs(d) <= band) return;
    const same = theirs.map((t) => ({ label: t.label, deviation: t.dev[round] as number }));
    const machine = ceiling?.[round];
    const core = gauge?.[round];
    const moved = (x: number | undefined): boolean => x !== undefined && Math.sign(x) === Math.sign(d) && Math.abs(x) >= Math.abs(d) / 2;
    out.push({ round, deviation: d, others: same, machine, core, shared: same.some((s) => moved(s.deviation)) || moved(machine) || moved(core) });
  });
  return out;
}

const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} %`;

/** One line per outlier: "round 9: +16.9 % (same round: its core gauge +14.0 %, PyTorch eager +18.1 %, matmul ceiling +2.0 %) — moved with the machine". */
export function describeOutlier(o: Outlier): string {
  const beside = [
    ...(o.core !== undefined ? [`its core gauge ${pct(o.core)}`] : []),
    ...o.others.map((s) => `${s.label} ${pct(s.deviation)}`),
    ...(o.machine !== undefined ? [`matmul ceiling ${pct(o.machine)}`] : []),
  ];
  return `round ${o.round + 1}: ${pct(o.deviation)}${beside.length ? ` (same round: ${beside.join(', ')})` : ''} — ${o.shared ? 'moved with the machine' : 'this framework alone'}`;
}

/**
 * The verdict's steadiness clause for one framework's rounds: steady, or how many rounds left the
 * band and whether each moved with the machine (its core gauge, another framework, the ceiling) or
 * was the framework's own; then, for each of `peers` (the reference framework, the same code in a
 * second process), how many of its rounds left the band in the same run.
 */
export function describeSteadiness(label: string, out: readonly Outlier[], rounds: number, peers: readonly { label: string; outOfBand: number }[] = []): string {
  const beside = peers.map((p) => `; ${p.label}: ${p.outOfBand} of ${rounds} rounds outside it`).join('');
  if (out.length === 0) return `${label} rounds steady (±10 %)${beside}`;
  const alone = out.filter((o) => !o.shared).length;
  const why = alone === 0 ? (out.length === 1 ? 'it moved with the machine' : 'each moved with the machine') : `${alone} of them ${label}'s alone`;
  return `${label} rounds NOT steady (±10 %): ${out.length} of ${rounds} outside the band, ${why}${beside} — ${out.map(describeOutlier).join('; ')}`;
}

/**
 * The harness's check on itself: the same code in two processes (the native step and its twin),
 * visited alternately, should time alike. Per round the twin's median ÷ the native one's; their
 * median with its interval, their range, and how many rounds were more than `band` apart.
 */
export function twinCheck(native: readonly number[], twin: readonly number[], band = 0.1): { median: number; lo: number; hi: number; coverage: number; min: number; max: number; apart: number } {
  if (native.length !== twin.length || native.length === 0) throw new Error(`twinCheck: ${native.length} native rounds against ${twin.length} of the twin`);
  const ratios = native.map((m, i) => (twin[i] as number) / m);
  const ci = medianInterval(ratios);
  return { median: median(ratios), ...ci, min: Math.min(...ratios), max: Math.max(...ratios), apart: ratios.filter((x) => Math.abs(x - 1) > band).length };
}
