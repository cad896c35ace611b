/**
 * Native training while signals arrive. A Node process that trains also takes signals: SIGTERM
 * and SIGINT (a stop: the CLI and the runner checkpoint, then exit), SIGCHLD when a worker or a
 * child process ends. Some of oneDNN's JIT matrix kernels inside TensorFlow move the stack pointer
 * into heap memory; a signal handled while they run writes its frame there and corrupts the heap
 * (glibc then aborts with "corrupted size vs. prev_size", "double free or corruption", or the
 * process segfaults). TensorFlow's `_FusedMatMul`, which the dense layer used until 2026-12-03,
 * runs one of them: with it this test's process aborted after ~45 signals (docs/native.md,
 * "Signals"). Here the reference model trains on the native backend while a child process sends
 * this one a stream of SIGUSR2 (handled, as SIGTERM is in a run); the process must live through it.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ReferenceRun, REFERENCE } from '../../bench/referenceRun';
import { defaultOptimizerConfig } from '../../src/engine/optim';
import { tf } from '../../src/engine/tf';
import { testBackends, useTestBackend } from './testBackend';

const native = testBackends().includes('tensorflow');

test('native training lives through a stream of signals (oneDNN kernels that move the stack into the heap are not used)', { skip: native ? false : 'runs on the native backend (npm test runs it there when tfjs-node loads)' }, async () => {
  await useTestBackend('tensorflow');
  let received = 0;
  const onSignal = (): void => {
    received++;
  };
  process.on('SIGUSR2', onSignal);
  // A child that sends this process SIGUSR2 every 2 ms until it is killed.
  const sender = spawn(process.execPath, ['-e', `setInterval(() => { try { process.kill(${process.pid}, 'SIGUSR2'); } catch { process.exit(0); } }, 2);`], { stdio: 'ignore' });
  const T = 32;
  const run = new ReferenceRun(T, defaultOptimizerConfig('adamw'));
  const started = Date.now();
  let steps = 0;
  try {
    const size = REFERENCE.batch * T;
    const targets = new Int32Array(size).map((_, i) => (i * 7) % REFERENCE.vocab);
    // Until 600 signals came (a few seconds), yielding now and then so that their handler runs.
    while (received < 600 && Date.now() - started < 60_000) {
      for (let k = 0; k < 5; k++) {
        const tokens = tf.tensor2d(new Int32Array(size).map((_, i) => (i * 13 + steps) % REFERENCE.vocab), [REFERENCE.batch, T], 'int32');
        run.step(steps++, tokens, targets);
        tokens.dispose();
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    const gone = new Promise((r) => sender.once('exit', r));
    sender.kill();
    run.dispose();
    // Signals still on their way are handled before the handler goes (the default action would end the process).
    await gone;
    await new Promise((r) => setTimeout(r, 100));
    process.off('SIGUSR2', onSignal);
  }
  assert.ok(received >= 600, `only ${received} signals arrived in ${Date.now() - started} ms (${steps} steps): the test did not test`);
});
