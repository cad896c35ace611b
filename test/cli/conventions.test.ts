/** The CLI's conventions in isolation: suggestions, tables that fit the terminal, progress lines cut to its width. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { closest, editDistance, wantsHelp } from '../../src/cli/usage';
import { fitWidth, formatTable, wrapWords } from '../../src/cli/table';
import { ProgressDisplay } from '../../src/cli/progress';

test('edit distance counts a swap of neighbours as one edit; suggestions stay close', () => {
  assert.equal(editDistance('steps', 'stpes'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closest('--stpes', ['--steps', '--out', '--json']), '--steps');
  assert.equal(closest('--jsn', ['--steps', '--out', '--json']), '--json');
  assert.equal(closest('--frobnicate', ['--json', '--html']), undefined);
  assert.equal(closest('rep', ['run', 'report', 'resume']), 'report', 'a unique prefix');
  assert.equal(wantsHelp(['x', '-h']), true);
  assert.equal(wantsHelp(['--', '--help']), false);
});

test('a table wider than the terminal: a last text column wraps in its cell', () => {
  const t = formatTable(['preset', 'description'], [['quick', 'six runs of sorting with three optimizers and two attention scalings, evaluated beyond training']], { width: 40 });
  const lines = t.split('\n');
  assert.ok(lines.every((l) => l.length <= 40), t);
  assert.equal(lines[2]?.startsWith('quick   six runs'), true, t);
  assert.ok(lines.length > 3, 'continuation lines');
  assert.ok(lines.slice(3).every((l) => l.startsWith('        ')), 'continuations start under the column');
  assert.equal(t.replace(/\s+/g, ' ').includes('evaluated beyond training'), true, 'nothing is lost');
  // On a pipe (no width): one line per row.
  assert.equal(formatTable(['preset', 'description'], [['quick', 'x '.repeat(80).trim()]]).split('\n').length, 3);
});

test('a wide numeric table splits into blocks that fit, each with the key column', () => {
  const headers = ['run', ...Array.from({ length: 9 }, (_, i) => `loss@${i + 4}`)];
  const rows = [['sort-small-standard-adamw-s1', ...Array.from({ length: 9 }, (_, i) => 0.1234 * (i + 1))]];
  const t = formatTable(headers, rows, { width: 72 });
  const blocks = t.split('\n\n');
  assert.ok(blocks.length >= 2, t);
  for (const b of blocks) {
    assert.match(b, /^run\s/);
    assert.match(b, /sort-small-standard-adamw-s1/);
    assert.ok(b.split('\n').every((l) => l.length <= 72), b);
  }
  for (const h of headers) assert.ok(t.includes(h), `${h} is in some block`);
});

test('fitWidth and wrapWords', () => {
  assert.equal(fitWidth('abcdef', 4), 'abc…');
  assert.equal(fitWidth('abc', 4), 'abc');
  assert.deepEqual(wrapWords('a bb ccc dddd', 6), ['a bb', 'ccc', 'dddd']);
  assert.deepEqual(wrapWords('abcdefgh', 3), ['abc', 'def', 'gh']);
});

test('the live progress block never wraps: every line is cut to the terminal width', async () => {
  const written: string[] = [];
  const out = { isTTY: true, columns: 50, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const d = new ProgressDisplay(out, true);
  const config = { id: 'a-very-long-run-identifier-that-is-longer-than-the-terminal-s1', train: { steps: 100 } };
  d.handle({ type: 'experiment/start', dir: '/tmp/x', name: 'x', runs: [config] } as never);
  // The display redraws at most every 100 ms.
  await new Promise((r) => setTimeout(r, 150));
  d.handle({ type: 'run/progress', runId: config.id, step: 10, totalSteps: 100, loss: 1.5, lr: 0.001, wallTime: 1 } as never);
  const live = written.at(-1) ?? '';
  const runLine = live.split('\n').find((l) => l.includes('a-very-long-run'));
  assert.ok(runLine !== undefined, `the run's progress line is drawn: ${JSON.stringify(live)}`);
  assert.match(runLine, /…$/, 'cut, with an ellipsis');
  for (const line of live.split('\n').filter((l) => l !== '')) assert.ok([...line].length <= 49, `"${line}" is ${[...line].length} wide`);
});

test("a NAR's pretraining in the terminal: one start line, a live bar from the shared progress reducer, its end line, then no bar", async () => {
  const written: string[] = [];
  const out = { isTTY: true, columns: 120, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const d = new ProgressDisplay(out, true);
  const id = 'nar:nar/bfs.safetensors';
  d.handle({ type: 'experiment/start', dir: '/tmp/x', name: 'x', runs: [{ id: 'r1', train: { steps: 100 } }] } as never);
  await new Promise((r) => setTimeout(r, 150));
  d.handle({ type: 'nar/progress', id, step: 10, steps: 40, loss: 0.5 } as never);
  await new Promise((r) => setTimeout(r, 150));
  d.handle({ type: 'nar/progress', id, step: 20, steps: 40, loss: 0.25 } as never);
  const all = written.join('');
  assert.equal(all.split('▶ pretraining the NAR nar/bfs.safetensors').length - 1, 1, `one start line: ${JSON.stringify(all)}`);
  assert.match(written.at(-1) ?? '', /NAR nar\/bfs\.safetensors {2}20\/40 {2}loss 0\.25/, 'the live bar shows the newest step');
  await new Promise((r) => setTimeout(r, 150));
  d.handle({ type: 'nar/end', id, status: 'completed', eval: [{ length: 10, accuracy: 0.9 }] } as never);
  const after = written.join('').slice(all.length);
  assert.match(after, /✔ NAR nar\/bfs\.safetensors completed \(n=10 accuracy 0\.9/);
  assert.doesNotMatch(written.at(-1) ?? '', /NAR nar\/bfs/, 'no bar once the pretraining ended');
});
