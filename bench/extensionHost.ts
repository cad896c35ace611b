/**
 * What following training costs the VS Code extension host, and how fast a metrics line reaches
 * the live chart (docs/extension.md, "Cost of following training"). In a real VS Code
 * (code-server + chromium, the harness of test/e2e/) with the extension installed from a freshly
 * packaged .vsix and the live-run view visible, the CLI trains `--runs` runs at once in the
 * workspace's runs folder (another process: the extension learns of them only from the folder).
 *
 * - Extension-host CPU: utime + stime of the extension host process (/proc/<pid>/stat) over
 *   windows of `--window` seconds: first with nothing training (idle), then while the runs train.
 * - Latency: every train record appended to a run's metrics.jsonl is time-stamped here when
 *   inotify reports the append; in the live view's page a MutationObserver time-stamps each
 *   change of that run's loss line (the `d` of `path.al-line[data-series=<run>]`). A line's latency
 *   is the time to the first change of its run's line at or after it was written (same clock:
 *   one machine). Drawn is not yet painted: add up to one frame (~16 ms).
 *
 * Usage: npm run bench:extension -- [--runs 6] [--window 10] [--windows 6]
 * (bench/extensionHost.mjs bundles this file and runs it; needs `npm run setup:test` first).
 * Prints a JSON summary (medians, quartiles, counts, load averages) to stdout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Frame } from 'playwright-core';
import { ROOT, openVsCode, unavailableReason } from '../test/e2e/codeServer';
import { METRICS_FILE, RUN_FILE } from '../src/protocol/runFolder';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '6' }, window: { type: 'string', default: '10' }, windows: { type: 'string', default: '6' } } });
const RUNS = Number(values.runs);
const WINDOW_S = Number(values.window);
const WINDOWS = Number(values.windows);
const TICKS_PER_S = 100; // USER_HZ on Linux

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadavg = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (i - lo);
}
const summary = (xs: number[], digits = 1): Record<string, number> => ({
  n: xs.length,
  median: Number(quantile(xs, 0.5).toFixed(digits)),
  p25: Number(quantile(xs, 0.25).toFixed(digits)),
  p75: Number(quantile(xs, 0.75).toFixed(digits)),
  max: Number(Math.max(...xs).toFixed(digits)),
});

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** The extension host of the code-server started with `userData`: a process with --type=extensionHost under it. */
function extensionHostPid(userData: string): number | null {
  const cmd = (pid: string): string => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return '';
    }
  };
  const parent = (pid: string): string | null => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? null;
    } catch {
      return null;
    }
  };
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (!cmd(pid).includes('--type=extensionHost')) continue;
    for (let p: string | null = pid; p !== null && p !== '0' && p !== '1'; p = parent(p)) if (cmd(p).includes(userData)) return Number(pid);
  }
  return null;
}

/** CPU seconds per second of `pid` over `windows` windows of `seconds`. */
async function cpuPerSecond(pid: number, windows: number, seconds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < windows; i++) {
    const c0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    out.push((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000));
  }
  return out;
}

/** The frame of the live-run view (the one holding #live-loss). */
async function liveFrame(frames: () => Frame[], timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of frames()) if (await f.evaluate<boolean>("document.querySelector('#live-loss') !== null").catch(() => false)) return f;
    if (Date.now() > deadline) throw new Error('the live view did not show a loss chart');
    await sleep(500);
  }
}

/** Time-stamps every train record appended to the runs' metrics.jsonl (inotify through fs.watch). */
function watchMetrics(runDirs: string[]): { writes: Map<string, number[]>; stop(): void } {
  const writes = new Map<string, number[]>();
  const watchers: fs.FSWatcher[] = [];
  for (const dir of runDirs) {
    const id = path.basename(dir);
    const file = path.join(dir, METRICS_FILE);
    const times: number[] = [];
    writes.set(id, times);
    let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
    let rest = '';
    const read = (): void => {
      const now = Date.now();
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        return;
      }
      if (size <= offset) return;
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      fs.closeSync(fd);
      offset = size;
      const lines = (rest + buf.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"kind":"train"')) times.push(now);
    };
    watchers.push(fs.watch(file, read));
  }
  return { writes, stop: () => watchers.forEach((w) => w.close()) };
}

async function main(): Promise<void> {
  const why = unavailableReason();
  if (why) throw new Error(`no code-server: ${why}`);
  const { packageVsix } = (await import(pathToFileURL(path.join(ROOT, 'scripts/package.mjs')).href)) as { packageVsix(out: string, o: { build: boolean }): string };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-ext-'));
  const workspace = path.join(tmp, 'ws');
  fs.mkdirSync(workspace);
  const spec = path.join(workspace, 'six.attention-lab.json');
  fs.writeFileSync(
    spec,
    JSON.stringify({
      name: 'six',
      tasks: [{ name: 'copy', trainLengths: [3, 4], evalLengths: [4] }],
      models: [{ label: 'xs', layers: 1, dModel: 16, heads: 2, dFf: 32 }],
      attentionScalings: ['standard'],
      optimizers: [{ name: 'adamw', lr: 1e-2 }],
      seeds: Array.from({ length: RUNS }, (_, i) => i + 1),
      // Long enough to outlast the measurement (the CLI is stopped after it); a train record every 5 steps.
      train: { steps: 1_000_000, batchSize: 8, evalEvery: 1_000_000, evalExamples: 8, logEvery: 5, checkpointEvery: 0 },
    }),
  );
  const s = await openVsCode(workspace, packageVsix(path.join(tmp, 'attention-lab.vsix'), { build: false }));
  let cli: ReturnType<typeof spawn> | null = null;
  try {
    const item = s.page.locator('.part.activitybar .action-item [aria-label^="Attention Lab"]').first();
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    await s.page.getByText('No runs yet', { exact: false }).first().waitFor({ timeout: 120_000 });
    let host: number | null = null;
    for (let i = 0; i < 60 && host === null; i++, await sleep(1000)) host = extensionHostPid(s.userData);
    if (host === null) throw new Error('extension host process not found');
    const idleLoad = loadavg();
    const idle = await cpuPerSecond(host, Math.max(2, Math.round(WINDOWS / 2)), WINDOW_S);

    const outDir = path.join(workspace, 'runs');
    cli = spawn('nice', ['-n', '5', process.execPath, path.join(ROOT, 'dist', 'cli.js'), 'run', spec, '--out', outDir, '--backend', 'wasm', '--parallel', String(RUNS), '--allow-large', '--json'], { stdio: 'ignore' });
    // Every run training (run.json says running and its metrics.jsonl exists).
    const expDir = path.join(outDir, 'six');
    let runDirs: string[] = [];
    for (let i = 0; ; i++, await sleep(500)) {
      if (i > 600) throw new Error('the runs did not all start within 5 minutes');
      if (!fs.existsSync(expDir)) continue;
      runDirs = fs.readdirSync(expDir).map((n) => path.join(expDir, n)).filter((d) => fs.existsSync(path.join(d, RUN_FILE)));
      const running = runDirs.filter((d) => {
        try {
          return (JSON.parse(fs.readFileSync(path.join(d, RUN_FILE), 'utf8')) as { status: string }).status === 'running' && fs.existsSync(path.join(d, METRICS_FILE));
        } catch {
          return false;
        }
      });
      if (runDirs.length === RUNS && running.length === RUNS) break;
    }
    const frame = await liveFrame(() => s.page.frames(), 120_000);
    // Runs in the page (a string: this file is compiled without the DOM's types).
    await frame.evaluate(`(() => {
      window.__alChanges = [];
      const last = new Map();
      const check = () => {
        const now = performance.timeOrigin + performance.now();
        for (const p of document.querySelectorAll('path.al-line[data-series]')) {
          const id = p.getAttribute('data-series') ?? '';
          const d = p.getAttribute('d') ?? '';
          if (last.get(id) !== d) {
            last.set(id, d);
            window.__alChanges.push([id, now]);
          }
        }
      };
      check();
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['d'] });
    })()`);
    const watch = watchMetrics(runDirs);
    const loadBefore = loadavg();
    const training = await cpuPerSecond(host, WINDOWS, WINDOW_S);
    const loadAfter = loadavg();
    watch.stop();
    const changes = await frame.evaluate<[string, number][]>('window.__alChanges');

    // Each line's latency: to the first change of its run's line at or after its write.
    const latencies: number[] = [];
    let unmatched = 0;
    for (const [id, times] of watch.writes) {
      const shown = changes.filter(([c]) => c === id).map(([, t]) => t);
      for (const t of times) {
        const next = shown.find((c) => c >= t);
        if (next === undefined) unmatched++;
        else latencies.push(next - t);
      }
    }
    const lines = [...watch.writes.values()].reduce((a, t) => a + t.length, 0);
    console.log(
      JSON.stringify(
        {
          runs: RUNS,
          windowSeconds: WINDOW_S,
          cpus: os.cpus().length,
          extensionHostCpuPerSecond: { idle: summary(idle, 4), training: summary(training, 4) },
          loadAverage: { idle: idleLoad, trainingStart: loadBefore, trainingEnd: loadAfter },
          trainLinesWritten: lines,
          trainLinesPerSecond: Number((lines / (WINDOWS * WINDOW_S)).toFixed(1)),
          chartChanges: changes.length,
          latencyMs: summary(latencies, 0),
          linesNotShownBeforeTheEnd: unmatched,
        },
        null,
        2,
      ),
    );
  } finally {
    if (cli && cli.exitCode === null) {
      const exited = new Promise((r) => cli?.once('exit', r));
      cli.kill('SIGINT');
      await Promise.race([exited, sleep(30_000)]);
      if (cli.exitCode === null) cli.kill('SIGKILL');
    }
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench/extensionHost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
