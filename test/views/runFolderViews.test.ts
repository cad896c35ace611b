import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMetricsText } from '../../src/core/experiment/runFolder';
import { readExperimentSnapshot } from '../../src/core/report/readExperiments';
import { buildHtmlReport, writeHtmlReport } from '../../src/core/report/htmlReport';
import { liveRunEntries, stepsDone, thin } from '../../src/extension/views/liveRunEntries';
import type { RunFile } from '../../src/protocol/runFolder';
import { MetricsTail } from '../../src/extension/runs/metricsTail';
import { quickConfigs, tempDir, writeExperiment, writeRun } from './fixtures';

const { dir, cleanup } = tempDir();
test.after(cleanup);
const configs = quickConfigs();

test('an experiment folder reads into a snapshot in grid order; a broken run.json becomes a problem line', () => {
  const exp = writeExperiment(dir, 'quick', configs);
  writeRun(exp, configs[0]!, { status: 'completed', steps: 100, a: 2 });
  writeRun(exp, configs[1]!, { status: 'completed', steps: 100, a: 3 });
  fs.mkdirSync(path.join(exp, configs[2]!.id));
  fs.writeFileSync(path.join(exp, configs[2]!.id, 'run.json'), '{"id": ');
  const snap = readExperimentSnapshot(exp);
  assert.equal(snap.name, 'quick');
  assert.deepEqual(snap.runs.map((r) => r.run.id), [configs[0]!.id, configs[1]!.id]);
  assert.equal(snap.runs[0]?.metrics.length, 10);
  assert.equal(snap.runs[0]?.analysis, null);
  assert.equal(snap.problems.length, 1);
  assert.match(snap.problems[0] as string, /run\.json: not valid JSON/);
});

test('metrics parsing skips a torn last line', () => {
  const recs = parseMetricsText('{"kind":"train","step":0,"loss":1}\n{"kind":"train","st');
  assert.equal(recs.length, 1);
});

test('the metrics tail returns only whole new lines, and everything again after the file shrinks', () => {
  const file = path.join(dir, 'tail.jsonl');
  fs.writeFileSync(file, '{"kind":"train","step":0,"loss":1}\n');
  const tail = new MetricsTail(file);
  assert.equal(tail.read().records.length, 1);
  assert.deepEqual(tail.read(), { records: [], replace: false });
  fs.appendFileSync(file, '{"kind":"train","step":10,"loss":0.5}\n{"kind":"train","step":20');
  const r = tail.read();
  assert.deepEqual(r.records.map((x) => x.step), [10]);
  fs.appendFileSync(file, ',"loss":0.2}\n');
  assert.deepEqual(tail.read().records.map((x) => x.step), [20]);
  fs.writeFileSync(file, '{"kind":"train","step":0,"loss":1}\n');
  const again = tail.read();
  assert.equal(again.replace, true);
  assert.deepEqual(again.records.map((x) => x.step), [0]);
});

test('the live-run view shows the experiments with active runs, their losses, progress and newest entropy', () => {
  const exp2 = writeExperiment(dir, 'live', configs.slice(0, 2));
  writeRun(exp2, configs[0]!, { status: 'running', steps: 50, a: 1, entropy: true });
  writeRun(exp2, configs[1]!, { status: 'pending', steps: 0, a: 1 });
  const entries = liveRunEntries([readExperimentSnapshot(path.join(dir, 'quick')), readExperimentSnapshot(exp2)]);
  assert.deepEqual(entries.map((e) => [e.experiment, e.status]), [['live', 'running'], ['live', 'pending']]);
  const first = entries[0]!;
  assert.equal(first.loss.length, 5);
  assert.deepEqual(first.loss[1], [10, 0.5]);
  assert.equal(first.totalSteps, configs[0]!.train.steps);
  assert.ok(first.entropy);
  assert.ok(Math.abs(first.entropy.mean - 1.45) < 1e-12, 'mean H in nats over heads');
  assert.ok(Math.abs((first.entropy.meanNormalized as number) - 0.5) < 1e-12, 'mean h beside it');
  assert.ok(Math.abs((first.entropy.lnN as number) - Math.log(18)) < 1e-12);
  assert.equal(entries[1]?.entropy, null);
  // No active run: the newest experiment.
  assert.deepEqual(liveRunEntries([readExperimentSnapshot(path.join(dir, 'quick'))]).map((e) => e.status), ['completed', 'completed']);
});

test('live progress reads the newest logged step while run.json still holds the last checkpoint\'s', () => {
  const exp = writeExperiment(dir, 'between-checkpoints', configs.slice(0, 1));
  const runDir = writeRun(exp, configs[0]!, { status: 'running', steps: 50, a: 1 });
  const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunFile;
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...run, step: 0 }));
  const snap = readExperimentSnapshot(exp).runs[0]!;
  // train records at steps 0, 10, …, 40 (0-based): 41 steps done.
  assert.equal(stepsDone(snap), 41);
  assert.equal(liveRunEntries([readExperimentSnapshot(exp)])[0]?.step, 41);
  // A finished run is at its total, whatever was logged last.
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...run, status: 'completed', step: run.config.train.steps }));
  assert.equal(stepsDone(readExperimentSnapshot(exp).runs[0]!), run.config.train.steps);
});

test('thin keeps the ends and at most max points', () => {
  const pts = Array.from({ length: 1000 }, (_, i) => i);
  const t = thin(pts, 10);
  assert.equal(t.length, 10);
  assert.equal(t[0], 0);
  assert.equal(t[9], 999);
});

test('the HTML report inlines the script and the data, and no data can end the script element', () => {
  const html = buildHtmlReport({ title: 'R <1>', createdAt: 'now', experiments: [] }, 'var s="</script><!--";console.log(s)');
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  assert.match(html, /<title>R &lt;1&gt;<\/title>/);
  const out = path.join(dir, 'report.html');
  const script = path.join(dir, 'report.js');
  fs.writeFileSync(script, 'document.title="x"');
  const r = writeHtmlReport(out, [path.join(dir, 'quick')], { reportScript: script });
  assert.equal(r.runs, 2);
  const text = fs.readFileSync(out, 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(text)?.[1] as string) as { experiments: { runs: unknown[] }[] };
  assert.equal(data.experiments[0]?.runs.length, 2);
  assert.throws(() => writeHtmlReport(out, [path.join(dir, 'nope')], { reportScript: script }), /no such experiment folder/);
});
