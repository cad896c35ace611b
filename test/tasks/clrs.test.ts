import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TaskName } from '../../src/protocol/config';
import { createTask } from '../../src/core/tasks';
import { Rng } from '../../src/core/random';
import { bfs, binarySearch, hintSteps, insertionSort, minimum, orderToPredecessors, predecessorsToOrder } from '../../src/core/tasks/clrs/algorithms';
import type { ClrsTextTask } from '../../src/core/tasks/clrs/clrsTask';
import { CLRS_VOCAB, renderTokens } from '../../src/core/tasks/clrs/clrsText';
import { layoutBatch, sequenceLength } from '../../src/core/tasks/layout';
import { EOS, PAD, SEP } from '../../src/core/tasks/task';

function task(name: TaskName, options: Record<string, number> = {}, lengths = [4, 8, 12]): ClrsTextTask {
  return createTask({ name, trainLengths: [lengths[0] as number], evalLengths: lengths, options }) as ClrsTextTask;
}

/** Token ids of a CLRS-Text string written with the vocabulary's own symbols, space-separated. */
function toks(text: string): number[] {
  return text
    .split(' ')
    .filter((t) => t !== '')
    .map((t) => {
      const i = CLRS_VOCAB.indexOf(t);
      assert.ok(i >= 0, `no token ${t}`);
      return i;
    });
}

test('insertion sort, worked by hand: CLRS semantics, text, padding', () => {
  const inst = insertionSort([5, 30, 1], 100);
  // j = 1: 30 stays; j = 2: 1 moves to the front, displacing node 0 from place 0.
  assert.deepEqual(inst.hints.map((h) => h.pred_h), [[0, 0, 1], [0, 0, 1], [2, 0, 2]]);
  assert.deepEqual(inst.hints.map((h) => [h.i, h.j]), [[0, 0], [1, 1], [0, 2]]);
  assert.deepEqual(inst.outputs.pred, [2, 0, 2]);
  assert.deepEqual(predecessorsToOrder([2, 0, 2]), [2, 0, 1]);
  assert.deepEqual(orderToPredecessors([2, 0, 1]), [2, 0, 2]);
  assert.deepEqual(inst.inputs.key, [0.05, 0.3, 0.01]);
  const t = task('insertion-sort');
  const ex = t.exampleOf(inst);
  assert.equal(t.format(ex), 'insertion_sort:\nkey: [5 30 1]\npred:\n[1 5 30]');
  // 17 text tokens, left-padded to the longest prompt of size 3 (every key two digits): 19.
  assert.equal(t.promptLength(3), 19);
  assert.deepEqual(ex.prompt.slice(0, 2), [PAD, PAD]);
  assert.deepEqual(ex.prompt.slice(2), toks('insertion_sort : ⏎ key : [ 5 ␣ 3 0 ␣ 1 ] ⏎ pred : ⏎'));
  assert.deepEqual(ex.answer, toks('[ 1 ␣ 5 ␣ 3 0 ]'));
  assert.equal(t.answerLength(3), 10);
});

test('insertion sort with its trace, as CLRS-Text with hints', () => {
  const t = task('insertion-sort', { trace: 1 });
  const ex = t.exampleOf(insertionSort([5, 30, 1, 7], 100));
  assert.equal(t.format(ex), 'insertion_sort:\nkey: [5 30 1 7], initial_trace: [5 30 1 7]\ntrace | pred:\n[5 30 1 7], [1 5 30 7] | [1 5 7 30]');
  assert.ok(ex.answer.length <= t.answerLength(4));
  const rng = new Rng(3);
  for (const n of [2, 3, 5, 8]) {
    const e = t.example(rng, n);
    assert.equal(e.prompt.length, t.promptLength(n));
    assert.ok(e.answer.length <= t.answerLength(n), `n=${n}`);
    assert.deepEqual(t.score(e, e.answer), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  }
});

test('minimum and binary search, worked by hand', () => {
  assert.equal(minimum([5, 1, 30, 1], 100).outputs.min, 1, 'the lowest index of the smallest key');
  assert.deepEqual(minimum([5, 1, 30, 1], 100).hints.map((h) => h.min_h), [0, 1, 1, 1]);
  assert.equal(binarySearch([1, 5, 5, 30], 5, 100).outputs.return, 1, 'the lowest index with key ≥ target');
  assert.equal(binarySearch([1, 5, 5, 30], 31, 100).outputs.return, 3, 'clamped to n − 1');
  assert.equal(binarySearch([1, 5, 5, 30], 0, 100).outputs.return, 0);
  const bs = binarySearch([1, 5, 5, 30], 5, 100);
  assert.deepEqual(bs.hints.map((h) => [h.low, h.high, h.mid]), [[0, 3, 1], [0, 1, 0], [1, 1, 1]]);
  assert.equal(bs.hints.length, hintSteps('binary_search', 4) + 1);
  assert.throws(() => binarySearch([3, 1], 2, 10), /sorted/);
  const t = task('binary-search');
  assert.equal(t.format(t.exampleOf(bs)), 'binary_search:\nkey: [1 5 5 30], target: 5\nreturn:\n1');
  const m = task('minimum');
  assert.equal(m.format(m.exampleOf(minimum([5, 1, 30, 1], 100))), 'minimum:\nkey: [5 1 30 1]\nmin:\n1');
});

test('BFS, worked by hand: the lowest-index parent of the previous frontier', () => {
  // 0–1, 0–2, 1–3, 2–3 (a square), no self-loops.
  const A = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0];
  assert.deepEqual(bfs(A, 4, 0).outputs.pi, [0, 0, 0, 1], 'node 3 takes 1, not 2');
  const from3 = bfs(A, 4, 3);
  assert.deepEqual(from3.outputs.pi, [1, 3, 3, 3]);
  assert.deepEqual(from3.hints.map((h) => h.reach_h), [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
  assert.deepEqual(from3.hints.map((h) => h.pi_h), [[0, 1, 2, 3], [0, 3, 3, 3], [1, 3, 3, 3], [1, 3, 3, 3]]);
  // An isolated node and the source keep themselves; a self-loop changes nothing.
  const B = [1, 1, 0, 1, 1, 0, 0, 0, 1];
  assert.deepEqual(bfs(B, 3, 0).outputs.pi, [0, 0, 2]);
  const t = task('bfs');
  const ex = t.exampleOf(from3);
  assert.equal(t.format(ex), 'bfs:\ns: 3, A: [[0 1 1 0], [1 0 0 1], [1 0 0 1], [0 1 1 0]]\npi:\n[1 3 3 3]');
  assert.deepEqual(ex.answer, toks('[ 1 ␣ 3 ␣ 3 ␣ 3 ]'));
  assert.equal(ex.prompt.length, t.promptLength(4));
  // Two-digit parents beyond n = 10.
  const big = t.exampleOf(bfs(Array.from({ length: 144 }, (_, k) => (Math.floor(k / 12) === 11 || k % 12 === 11 ? 1 : 0)), 12, 11));
  assert.match(renderTokens(big.answer), /^\[11 11 11 11 11 11 11 11 11 11 11 11\]$/);
  assert.equal(big.answer.length, t.answerLength(12));
});

test('the BFS sampler draws symmetric graphs with CLRS edge probabilities', () => {
  const t = task('bfs', {}, [8]);
  const rng = new Rng(11);
  let off = 0;
  let offEdges = 0;
  let diag = 0;
  let diagEdges = 0;
  for (let k = 0; k < 400; k++) {
    const A = t.example(rng, 8).graph?.inputs.A as number[];
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        assert.equal(A[i * 8 + j], A[j * 8 + i]);
        if (i === j) {
          diag++;
          diagEdges += A[i * 8 + j] as number;
        } else {
          off++;
          offEdges += A[i * 8 + j] as number;
        }
      }
    }
  }
  assert.ok(Math.abs(offEdges / off - 0.25) < 0.02, `off-diagonal ${offEdges / off}`);
  assert.ok(Math.abs(diagEdges / diag - 0.5) < 0.05, `self-loops ${diagEdges / diag}`);
});

test('CLRS-Text scores: parse is a well-formed list, shape counts numbers, clrs compares them', () => {
  const t = task('insertion-sort');
  const ex = t.exampleOf(insertionSort([5, 30, 1], 100));
  const s = (text: string) => t.score(ex, toks(text));
  assert.deepEqual(s('[ 1 ␣ 5 ␣ 3 0 ]'), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(s('[ 1 ␣ 5 ␣ 3 1 ]'), { exact: 0, shape: 1, parse: 1, clrs: 2 / 3 });
  assert.deepEqual(s('[ 1 ␣ 5 ]'), { exact: 0, shape: 0, parse: 1, clrs: 0 });
  assert.deepEqual(s('[ 1 ␣ 5 ␣ 3 ␣ 0 ]'), { exact: 0, shape: 0, parse: 1, clrs: 0 }, 'a split number is a wrong shape');
  assert.deepEqual(s('[ 1 ␣ 5 ␣ 3 0'), { exact: 0, shape: 1, parse: 0, clrs: 1 }, 'unclosed: no parse, numbers still read');
  assert.deepEqual(s('[ 0 1 ␣ 5 ␣ 3 0 ]'), { exact: 0, shape: 1, parse: 0, clrs: 1 }, 'a leading zero does not parse');
  assert.deepEqual(s('[ 1 ␣ 5 ␣ pi 3 0 ]'), { exact: 0, shape: 1, parse: 0, clrs: 1 }, 'a letter in a list of numbers');
  assert.deepEqual(t.score(ex, [...toks('[ 1 ␣ 5 ␣ 3 0'), SEP]), { exact: 0, shape: 1, parse: 0, clrs: 1 }, 'a special token');
  assert.deepEqual(s(''), { exact: 0, shape: 0, parse: 0, clrs: 0 });
  const m = task('minimum');
  const mex = m.exampleOf(minimum([5, 1, 30, 1, 9, 9, 9, 9, 9, 9, 9, 9], 100));
  const ms = (text: string) => m.score(mex, toks(text));
  assert.deepEqual(ms('1'), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(ms('1 1'), { exact: 0, shape: 1, parse: 1, clrs: 0 }, 'index 11 is a well-formed wrong answer');
  assert.deepEqual(ms('[ 1 ]'), { exact: 0, shape: 1, parse: 0, clrs: 1 });
  assert.deepEqual(ms('1 ␣ 2'), { exact: 0, shape: 0, parse: 0, clrs: 0 });
  const tr = task('insertion-sort', { trace: 1 });
  const tex = tr.exampleOf(insertionSort([5, 30, 1, 7], 100));
  const ts = (text: string) => tr.score(tex, toks(text));
  assert.deepEqual(ts('[ 5 ␣ 3 0 ␣ 1 ␣ 7 ] , [ 1 ␣ 5 ␣ 3 0 ␣ 7 ] ‖ [ 1 ␣ 5 ␣ 7 ␣ 3 0 ]'), { exact: 1, shape: 1, parse: 1, clrs: 1 });
  assert.deepEqual(ts('[ 5 ␣ 3 0 ␣ 1 ␣ 7 ] , [ 1 ␣ 5 ␣ 7 ␣ 3 0 ] ‖ [ 1 ␣ 5 ␣ 7 ␣ 3 0 ]'), { exact: 0, shape: 1, parse: 1, clrs: 10 / 12 });
  assert.deepEqual(ts('[ 5 ␣ 3 0 ␣ 1 ␣ 7 ] ‖ [ 1 ␣ 5 ␣ 7 ␣ 3 0 ]'), { exact: 0, shape: 0, parse: 1, clrs: 0 }, 'a state missing');
});

test('CLRS-Text tasks lay out for a causal model; answers end in EOS', () => {
  for (const name of ['insertion-sort', 'minimum', 'binary-search', 'bfs'] as const) {
    const t = task(name);
    const rng = new Rng(5);
    const examples = Array.from({ length: 6 }, () => t.example(rng, 8));
    const lay = layoutBatch(t, examples, 8, true);
    assert.equal(lay.length, sequenceLength(t, 8, true));
    examples.forEach((ex, b) => {
      const row = Array.from(lay.tokens.subarray(b * lay.length, (b + 1) * lay.length));
      assert.equal(row[t.promptLength(8)], SEP, name);
      const targets = Array.from(lay.targets.subarray(b * lay.length, (b + 1) * lay.length)).filter((x) => x >= 0);
      assert.deepEqual(targets, [...ex.answer, EOS], name);
    });
  }
});

test('CLRS-Text examples are seeded; sizes beyond the configured ones are refused', () => {
  const t = task('bfs');
  const a = t.example(new Rng(9), 6);
  assert.deepEqual(t.example(new Rng(9), 6), a);
  assert.notDeepEqual(t.example(new Rng(10), 6), a);
  assert.throws(() => t.example(new Rng(1), 13), /exceeds the largest configured size 12/);
  assert.throws(() => task('minimum', { trace: 1 }), /unknown option "trace"/);
  assert.throws(() => task('bfs', { edgePercent: 0 }), /edgePercent = 0/);
});
