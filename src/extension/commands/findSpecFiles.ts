/**
 * The workspace's experiment spec files, for the "Run Experiment" quick pick: JSON files that
 * look like a spec (an object with tasks, models, optimizers and attentionScalings), read
 * cheaply. The full check (with JSON paths in its errors) happens in the backend at run time.
 */
import * as fs from 'node:fs';

const MAX_BYTES = 512 * 1024;

/** Whether this JSON text is shaped like an experiment spec. */
export function looksLikeSpec(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && ['tasks', 'models', 'optimizers', 'attentionScalings'].every((k) => Array.isArray(v[k]));
}

export function isSpecFile(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_BYTES) return false;
    return looksLikeSpec(fs.readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}
