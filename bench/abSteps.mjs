// Side-by-side timing of two builds of Attention Lab (A = before a change, B = after), for speed
// work on a shared machine: runs `dist/bench-steadiness.js` (bench/steadiness.ts) of each build
// in alternating fresh processes, ROUNDS times each, and prints per round the median wall and
// CPU milliseconds per step, then B ÷ A medians with the rounds' range, and each build's
// steadiness: the spread of its rounds' medians, the share of steps beyond ±10 % of their round's
// median (wall and CPU), and V8's GC time and page faults per step (bench/steadiness.ts records
// them). CPU time is the less load-sensitive figure; wall time is what counts on a quiet machine.
//   node bench/abSteps.mjs <repo A> <repo B> [--rounds 4] [-- steadiness options, e.g. --T 32 --steps 150]
// Each repo needs `node scripts/build.mjs` done; @tensorflow/tfjs-node is resolved from B's
// node_modules for both (the same TensorFlow).
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';

const [a, b] = process.argv.slice(2, 4).map((p) => resolve(p ?? ''));
if (!a || !b) {
  console.error('usage: node bench/abSteps.mjs <repo A> <repo B> [--rounds N] [-- steadiness options]');
  process.exit(2);
}
const dash = process.argv.indexOf('--');
const rest = dash >= 0 ? process.argv.slice(dash + 1) : [];
const ri = process.argv.indexOf('--rounds');
const rounds = ri >= 0 && ri < (dash < 0 ? Infinity : dash) ? Number(process.argv[ri + 1]) : 4;
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const work = mkdtempSync(join(tmpdir(), 'al-ab-'));
const res = { A: { wall: [], cpu: [], outW: [], outC: [], gc: [], faults: [] }, B: { wall: [], cpu: [], outW: [], outC: [], gc: [], faults: [] } };
const outside = (xs, m) => xs.filter((x) => Math.abs(x - m) > 0.1 * m).length / xs.length;
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, repo] of r % 2 === 0 ? [['A', a], ['B', b]] : [['B', b], ['A', a]]) {
      const out = join(work, `${name}-${r}.json`);
      const p = spawnSync(process.execPath, [join(repo, 'dist', 'bench-steadiness.js'), ...rest, '--json', out], {
        env: { ...process.env, NODE_PATH: join(b, 'node_modules'), TF_CPP_MIN_LOG_LEVEL: '2' },
        encoding: 'utf8',
      });
      if (p.status !== 0) throw new Error(`${name} (${repo}) failed: ${p.stderr}`);
      const recs = JSON.parse(readFileSync(out, 'utf8')).records;
      const w = median(recs.map((x) => x.wallMs));
      const c = median(recs.map((x) => x.cpuMs));
      const outW = outside(recs.map((x) => x.wallMs), w);
      const outC = outside(recs.map((x) => x.cpuMs), c);
      const gc = recs.reduce((s, x) => s + x.gcMs, 0) / recs.length;
      const faults = median(recs.map((x) => x.minorFaults));
      for (const [k, v] of [['wall', w], ['cpu', c], ['outW', outW], ['outC', outC], ['gc', gc], ['faults', faults]]) res[name][k].push(v);
      console.log(
        `round ${r + 1} ${name}: wall ${w.toFixed(2)} ms/step, CPU ${c.toFixed(2)} ms/step; steps beyond ±10 %: wall ${(100 * outW).toFixed(0)} %, CPU ${(100 * outC).toFixed(0)} %; GC ${gc.toFixed(2)} ms/step; page faults ${faults}/step`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const spread = (xs) => `${((100 * (Math.min(...xs) - median(xs))) / median(xs)).toFixed(0)} … +${((100 * (Math.max(...xs) - median(xs))) / median(xs)).toFixed(0)} %`;
for (const name of ['A', 'B']) {
  const x = res[name];
  console.log(
    `${name} steadiness: rounds' wall medians ${spread(x.wall)} of their median, CPU ${spread(x.cpu)}; steps beyond ±10 % (median of rounds): wall ${(100 * median(x.outW)).toFixed(0)} %, CPU ${(100 * median(x.outC)).toFixed(0)} %; GC ${median(x.gc).toFixed(2)} ms/step; page faults ${median(x.faults)}/step`,
  );
}
for (const k of ['wall', 'cpu']) {
  const ratios = res.A[k].map((x, i) => res.B[k][i] / x);
  console.log(`${k}: A ${median(res.A[k]).toFixed(2)} ms, B ${median(res.B[k]).toFixed(2)} ms; B ÷ A per round ${ratios.map((x) => x.toFixed(3)).join(', ')} (median ${median(ratios).toFixed(3)})`);
}
