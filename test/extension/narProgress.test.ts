// TransNAR's first phase in the extension: the NAR pretraining's nar/progress events reach the
// job tracker, the Runs tree's experiment node and the progress notification's line, and nar/end
// clears them so the experiment goes on as usual.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyRunnerEvent, emptyProgress, narName, narProgressText } from '../../src/core/experiment/progress';
import { JobTracker, jobMessage } from '../../src/extension/jobs/jobTracker';
import { nodeView, rootNodes, type LiveExperimentState, type TreeNode } from '../../src/extension/tree/runsTreeModel';
import type { RunConfig } from '../../src/protocol/config';
import { readRunsFolder } from './readRunsFolder';

const NAR_ID = 'nar:nar/insertion-sort.safetensors';

/** A runs folder with one TransNAR experiment whose two runs wait (pending) for their NAR. */
function transnarFolder(): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'al-narprogress-'));
  const dir = path.join(root, 'transnar');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify({ version: 1, name: 'transnar', runs: ['with-nar', 'without-nar'], createdAt: '2026-12-03T00:00:00Z' }));
  for (const id of ['with-nar', 'without-nar']) {
    fs.mkdirSync(path.join(dir, id));
    const run = { version: 1, id, experiment: 'transnar', status: 'pending', step: 0, backend: null, error: null, config: { id, seed: 1, train: { steps: 300 }, optimizer: { name: 'adamw' }, model: { attentionScaling: 'logn' } } };
    fs.writeFileSync(path.join(dir, id, 'run.json'), JSON.stringify(run));
  }
  return { root, dir };
}

function treeNode(root: string, tracker: JobTracker): TreeNode {
  const live = new Map<string, LiveExperimentState>();
  for (const [dir, nar] of tracker.narPretraining()) live.set(dir, { nar });
  const [node] = rootNodes(readRunsFolder(root), live);
  assert.ok(node);
  return node;
}

test('nar/progress then nar/end: the job, the tree and the notification say "pretraining the NAR", then go on as usual', () => {
  const { root, dir } = transnarFolder();
  const jobs = new JobTracker();
  let changes = 0;
  jobs.onChange(() => changes++);
  const job = jobs.begin('j', 'preset transnar');
  const cfg = (id: string): RunConfig => ({ id, train: { steps: 300 } }) as unknown as RunConfig;
  jobs.apply('j', { type: 'experiment/start', dir, name: 'transnar', runs: [cfg('with-nar'), cfg('without-nar')] });

  // Before the pretraining: the usual pending experiment.
  const before = nodeView(treeNode(root, jobs));
  assert.equal(before.description, '0/2 completed');
  assert.equal(before.icon, 'circle-large-outline');
  assert.equal(jobMessage(job), '0/2 runs done, 0 running (0%)');

  const changesBefore = changes;
  jobs.apply('j', { type: 'nar/progress', id: NAR_ID, step: 40, steps: 400, loss: 0.123456 });
  assert.equal(changes, changesBefore + 1, 'a nar/progress is a change the tree and the notification listen to');
  assert.deepEqual(jobs.narPretraining(), new Map([[dir, 'pretraining the NAR: step 40/400, loss 0.123']]));
  const during = nodeView(treeNode(root, jobs));
  assert.equal(during.description, 'pretraining the NAR: step 40/400, loss 0.123 · 0/2 completed');
  assert.equal(during.icon, 'sync~spin', 'an experiment pretraining its NAR is running, though its runs still wait');
  assert.match(during.tooltip, /^transnar: 2 runs\npretraining the NAR: step 40\/400, loss 0\.123\n/);
  assert.equal(jobMessage(job), 'pretraining the NAR: step 40/400, loss 0.123 · 0/2 runs done, 0 running (0%)');

  // A later step replaces the earlier one; a loss that was not finite says so.
  jobs.apply('j', { type: 'nar/progress', id: NAR_ID, step: 400, steps: 400, loss: null });
  assert.equal(nodeView(treeNode(root, jobs)).description, 'pretraining the NAR: step 400/400, loss not finite · 0/2 completed');

  // nar/end clears it: the runs go on as usual.
  jobs.apply('j', { type: 'nar/end', id: NAR_ID, status: 'completed', error: null, eval: [] });
  assert.equal(jobs.narPretraining().size, 0);
  const after = nodeView(treeNode(root, jobs));
  assert.equal(after.description, '0/2 completed');
  assert.equal(after.icon, 'circle-large-outline');
  jobs.apply('j', { type: 'run/progress', runId: 'with-nar', step: 150, totalSteps: 300, loss: 2, lr: 1e-3, wallTime: 1 });
  assert.equal(jobMessage(job), '0/2 runs done, 1 running (25%)');

  // A failed pretraining clears it too; another job's events never reach this one.
  jobs.apply('j', { type: 'nar/progress', id: NAR_ID, step: 1, steps: 400, loss: 3 });
  jobs.apply('other', { type: 'nar/end', id: NAR_ID, status: 'failed', error: 'boom', eval: null });
  assert.equal(jobs.narPretraining().size, 1);
  jobs.apply('j', { type: 'nar/end', id: NAR_ID, status: 'failed', error: 'boom', eval: null });
  assert.equal(jobs.narPretraining().size, 0);
  jobs.end('j');
  assert.equal(jobs.narPretraining().size, 0);
});

test('several NARs pretrained at once are named; the reducer keeps only pretrainings in progress', () => {
  const p = emptyProgress();
  assert.equal(narProgressText(p), null);
  applyRunnerEvent(p, { type: 'nar/progress', id: 'nar:nar/insertion-sort.safetensors', step: 10, steps: 100, loss: 1.5 });
  applyRunnerEvent(p, { type: 'nar/progress', id: 'nar:nar/bfs.safetensors', step: 20, steps: 200, loss: 0.25 });
  assert.equal(narProgressText(p), 'pretraining 2 NARs: insertion-sort step 10/100, loss 1.50; bfs step 20/200, loss 0.250');
  applyRunnerEvent(p, { type: 'nar/end', id: 'nar:nar/insertion-sort.safetensors', status: 'cancelled', error: null, eval: null });
  assert.equal(narProgressText(p), 'pretraining the NAR: step 20/200, loss 0.250');
  assert.equal(p.runs.size, 0, 'a NAR pretraining is not a run');
  assert.equal(narName('nar:nar\\bfs.safetensors'), 'bfs');
});
