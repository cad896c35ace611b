/**
 * What every e2e suite shares around its code-server session (codeServer.ts): the set-up (a fresh
 * workspace and the .vsix under test, the suite's screenshot folder emptied) and the tear-down,
 * screenshots, the picture and logs a failing step leaves (`failed-NN-<step>.png` / `.log`), waits
 * on files, and running a spec file to its end from the command palette.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunFile } from '../../src/protocol/runFolder';
import { SCREENSHOTS, describeScreen, openVsCode, runCommand, screenshotTo, vsixUnderTest, type Session } from './codeServer';

export interface SuiteOptions {
  /** The folder of this suite's screenshots and failure reports (emptied when the suite opens). */
  shots: string;
  /** The workspace to open: a new folder this function makes (removed when the suite closes). */
  makeWorkspace: () => string | Promise<string>;
  /** User settings on top of codeServer's defaults. */
  settings?: Record<string, unknown>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection after `ms` (a closed or hung page must not hold up a failing step). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A suite's session. In the suite's describe: `before(async () => { s = await suite.open(); })`
 * and `after(() => suite.close())`; wrap each step as `it(title, suite.shotOnFailure(name, body))`.
 */
export class E2eSuite {
  private session: Session | undefined;
  private readonly temporary: string[] = [];
  private step = 0;

  constructor(private readonly opts: SuiteOptions) {}

  /** Empties the screenshot folder, packages (or takes) the .vsix, makes the workspace and opens VS Code on it. */
  async open(): Promise<Session> {
    clearShots(this.opts.shots);
    const vsixDir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-vsix-'));
    this.temporary.push(vsixDir);
    const workspace = await this.opts.makeWorkspace();
    this.temporary.push(workspace);
    this.session = await openVsCode(workspace, await vsixUnderTest(vsixDir), this.opts.settings);
    return this.session;
  }

  /** Stops VS Code and removes the workspace and the .vsix folder. */
  async close(): Promise<void> {
    await this.session?.close();
    for (const dir of this.temporary) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** A PNG of the window (or only the sidebar or editor area) in the suite's screenshot folder. */
  readonly shot = async (name: string, part?: 'sidebar' | 'editor'): Promise<void> => {
    if (!this.session) throw new Error('the suite has no session yet');
    fs.mkdirSync(this.opts.shots, { recursive: true });
    await screenshotTo(this.session.page, path.join(this.opts.shots, `${name}.png`), part);
  };

  /** A step's body that, when it fails, leaves `failed-NN-<name>.png` and `.log` (console errors, extension logs). */
  readonly shotOnFailure = (name: string, body: () => Promise<void>) => async (): Promise<void> => {
    this.step++;
    try {
      await body();
    } catch (err) {
      const base = `failed-${String(this.step).padStart(2, '0')}-${name}`;
      await this.shot(base).catch(() => undefined);
      if (this.session) {
        const diagnostics = this.session.diagnostics();
        fs.writeFileSync(path.join(this.opts.shots, `${base}.log`), diagnostics);
        // A CI log keeps neither file: the error itself says what the window showed and the extension's last words.
        if (err instanceof Error) {
          const screen = await withTimeout(describeScreen(this.session.page), 5_000).catch((e: unknown) => `(could not be read: ${String(e)})`);
          const ours = /--- .*Attention Lab\.log\n([\s\S]*?)(?=\n--- |$)/.exec(diagnostics)?.[1]?.trim().split('\n').slice(-12).join('\n') ?? '(no log)';
          err.stack = `${err.stack ?? err.message}\n--- on screen when it failed\n${screen}\n--- the extension's log, last lines\n${ours}`;
        }
      }
      throw err;
    }
  };
}

/**
 * Empties a suite's screenshot folder. SCREENSHOTS itself is shared: other suites keep theirs in
 * its sub-folders, so only the pictures and logs at its top are removed.
 */
function clearShots(shots: string): void {
  if (path.resolve(shots) !== path.resolve(SCREENSHOTS)) {
    fs.rmSync(shots, { recursive: true, force: true });
    return;
  }
  if (fs.existsSync(shots)) for (const f of fs.readdirSync(shots)) if (/\.(png|log)$/.test(f)) fs.rmSync(path.join(shots, f));
}

/** Polls `probe` every 500 ms until it gives a value, failing with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Polls `ok` (files or the page) every `everyMs` until it holds, failing with `what()` after `ms`; `ok` may throw to fail at once. */
export async function until(what: () => string, ms: number, ok: () => boolean | Promise<boolean>, everyMs = 250): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    assert.ok(Date.now() < deadline, `${what()} (waited ${ms / 1000} s)`);
    await sleep(everyMs);
  }
}

/**
 * Runs the workspace's `<name>.attention-lab.json` through Run Experiment… and waits for its
 * first run's run.json to end (completed or failed); returns that run's folder and run.json.
 */
export async function runSpecToEnd(s: Session, name: string): Promise<{ runDir: string; run: RunFile }> {
  await runCommand(s.page, 'Attention Lab: Run Experiment…');
  const row = s.page.locator('.quick-input-list .monaco-list-row', { hasText: `${name}.attention-lab.json` }).first();
  await row.waitFor({ timeout: 60_000 });
  await row.click();
  const expFile = path.join(s.workspace, 'runs', name, 'experiment.json');
  const runId = await waitFor(expFile, 120_000, () => (fs.existsSync(expFile) ? (JSON.parse(fs.readFileSync(expFile, 'utf8')) as { runs: string[] }).runs[0] : undefined));
  const runDir = path.join(s.workspace, 'runs', name, runId);
  const run = await waitFor(`run ${runId} ends`, 300_000, () => {
    const file = path.join(runDir, 'run.json');
    if (!fs.existsSync(file)) return undefined;
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile;
    return r.status === 'completed' || r.status === 'failed' ? r : undefined;
  });
  return { runDir, run };
}
