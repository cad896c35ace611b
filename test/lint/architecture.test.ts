/**
 * docs/architecture.md names the one home of each thing by its path: every path it names (in
 * backticks, or as docs/…) must exist, so the page cannot drift from the tree unnoticed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

/** Repository paths a Markdown text names: `a/b.ts`, `src/core`, docs/x.md (with or without backticks). */
export function namedPaths(markdown: string): string[] {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const p = (m[1] as string).replace(/[.,;:]$/, '');
    if (/^(src|webview|test|bench|scripts|schemas|docs|eslint|media)(\/[\w.@-]+)*$/.test(p) || /^[\w.-]+\.(json|mjs|md)$/.test(p)) out.add(p);
  }
  for (const m of markdown.matchAll(/(?<![\w/`])(docs\/[\w.-]+\.md)/g)) out.add(m[1] as string);
  return [...out].sort();
}

test('every path docs/architecture.md names exists', () => {
  const paths = namedPaths(fs.readFileSync(resolve(root, 'docs/architecture.md'), 'utf8'));
  assert.ok(paths.length >= 30, `the page names the files (found ${paths.length})`);
  const missing = paths.filter((p) => !fs.existsSync(resolve(root, p)));
  assert.deepEqual(missing, [], `named in docs/architecture.md but not in the repository: ${missing.join(', ')}`);
});

test('the path check can fail (a path that is not there is reported)', () => {
  assert.deepEqual(namedPaths('see `src/core/nowhere.ts` and docs/missing.md, not `run.json`'), ['docs/missing.md', 'run.json', 'src/core/nowhere.ts']);
});

/** Text files of the repository that cite notes outside it (the team's shared notes folder). */
function outsideCitations(dir: string, found: string[] = []): string[] {
  for (const entry of fs.readdirSync(resolve(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) outsideCitations(rel, found);
    else if (/\.(ts|mjs|md|json|css|html|sh|py)$/.test(entry.name) && /(\.\.\/|\/work\/)shared\/(docs|seeds)\b/.test(fs.readFileSync(resolve(root, rel), 'utf8'))) found.push(rel);
  }
  return found;
}

test('the repository stands alone: no source or doc cites the shared notes outside it', () => {
  const found = ['src', 'webview', 'docs', 'test', 'bench', 'scripts', 'schemas'].flatMap((d) => outsideCitations(d));
  if (/(\.\.\/|\/work\/)shared\/(docs|seeds)\b/.test(fs.readFileSync(resolve(root, 'README.md'), 'utf8'))) found.push('README.md');
  assert.deepEqual(found, [], `cite docs/… inside the repository instead: ${found.join(', ')}`);
});
