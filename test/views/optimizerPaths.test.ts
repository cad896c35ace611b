/**
 * The dashboard's optimizer paths are the experiment's optimizers: the host's optimizerPaths
 * sends each optimizer config whole to the backend's trace (here the backend's own runTrace,
 * in process), so a Tiger with β 0.9, shrink 0.5 and weight decay 0.3 is traced as exactly that
 * — not as a default Tiger with the experiment's lr (what forwarding name and lr alone drew).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OptimizerConfig } from '../../src/protocol/config';
import type { TraceParams } from '../../src/protocol/trace';
import { optimizerPaths } from '../../src/extension/views/optimizerPaths';
import { runTrace } from '../../src/backend/runTrace';
import { defaultOptimizerConfig } from '../../src/core/experiment/optimizerDefaults';

const tiger: OptimizerConfig = { name: 'tiger', lr: 0.002, beta: 0.9, weightDecay: 0.3, shrink: 0.5 };
const lion: OptimizerConfig = { name: 'lion', lr: 0.003, beta1: 0.8, beta2: 0.95, weightDecay: 0.2 };

test('the drawn path is the experiment optimizer, every hyper-parameter, end to end through the backend trace', async () => {
  const sent: TraceParams[] = [];
  const view = await optimizerPaths('rosenbrock', 200, [tiger, lion], (p) => {
    sent.push(JSON.parse(JSON.stringify(p)) as TraceParams);
    return runTrace(p);
  });
  assert.deepEqual(
    sent.map((p) => p.optimizer),
    [tiger, lion],
    'the backend is asked for the configs as given',
  );
  assert.deepEqual(
    view.paths.map((p) => p.optimizer),
    [tiger, lion],
    'each drawn path says which optimizer made it',
  );
  // The same lr with the default hyper-parameters traces a different path: the test can tell.
  const defaults = await runTrace({ optimizer: { ...defaultOptimizerConfig('tiger'), lr: tiger.lr }, fn: 'rosenbrock', steps: 200, start: null });
  const drawn = view.paths[0]?.points ?? [];
  assert.equal(drawn.length, defaults.points.length);
  assert.notDeepEqual(
    drawn.map((p) => [p.x, p.y]),
    defaults.points.map((p) => [p.x, p.y]),
  );
  const own = await runTrace({ optimizer: tiger, fn: 'rosenbrock', steps: 200, start: null });
  assert.deepEqual(
    drawn.map((p) => [p.x, p.y]),
    own.points.map((p) => [p.x, p.y]),
  );
});
