/**
 * Runs a JavaScript probe in a fresh Node process the way the native setup's checks do: one
 * TensorFlow thread each way, TensorFlow's info lines off, NODE_PATH dropped (only `cwd`'s
 * node_modules count). No vscode and no tfjs here.
 */
import { spawnSync } from 'node:child_process';

export type ProbeResult = { ok: true; stdout: string } | { ok: false; error: string };

/** The probe's stdout when it exits with 0, else the most telling line of its stderr. */
export function runNodeProbe(node: string, probe: string, cwd: string): ProbeResult {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' };
  delete env.NODE_PATH;
  const r = spawnSync(node, ['-e', probe], { cwd, encoding: 'utf8', env, timeout: 120_000 });
  if (r.status !== 0) {
    const lines = `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n');
    const msg = lines.filter((l) => /Error|error:/.test(l)).at(0) ?? lines.at(-1) ?? `exit ${r.status}`;
    return { ok: false, error: msg.trim() };
  }
  return { ok: true, stdout: r.stdout };
}
