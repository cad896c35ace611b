/** The results pages `npm run science` writes: facts header, the report's tables, the README digest between markers. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDuration, keepNotes, readmeDigest, replaceMarkedSection, resultsPage, type ResultsMeta } from '../../src/core/report/resultsPage';
import type { SummaryFile } from '../../src/protocol/analysis';

const meta: ResultsMeta = {
  preset: 'entropy',
  description: 'Tests the claim.',
  startedAt: '2026-12-03T05:00:00Z',
  wallSeconds: 402.4,
  backends: { tensorflow: 9 },
  machine: { cpu: 'AMD EPYC', cores: 2, memoryGiB: 24, node: '20.20.2', platform: 'linux x64' },
  load: { before: 0.5, after: 1.9 },
  cpuSeconds: 700,
  command: 'attention-lab run --preset entropy',
  statuses: { completed: 9 },
};

const summary = {
  runs: [{ seed: 1 }, { seed: 2 }, { seed: 1 }, { seed: 2 }],
  retrieval: {},
} as unknown as SummaryFile;

const tables = [
  '## entropy',
  '',
  '| configuration | seeds |',
  '|---|---|',
  '| a | 2 |',
  '',
  'Query row of the retrieval head, by evaluation length (…):',
  '',
  '| configuration | measure | n=8 |',
  '|---|---|---|',
  '| a | H (nats) | 0.70 ± 0.05 |',
].join('\n');

test('formatDuration', () => {
  assert.equal(formatDuration(7.4), '7 s');
  assert.equal(formatDuration(402.4), '6 min 42 s');
});

test('resultsPage: the facts, the seeds and the tables without the report heading', () => {
  const page = resultsPage(meta, summary, tables);
  assert.match(page, /^# Preset `entropy`/);
  assert.match(page, /\| wall time \| 6 min 42 s \|/);
  assert.match(page, /\| training seeds \| 1, 2 \(n = 2 per configuration\) \|/);
  assert.match(page, /\| backend \| tensorflow × 9 \|/);
  assert.match(page, /\| CPU time \| 11 min 40 s \(≈ 5 min 50 s of wall time on an idle 2-core machine\) \|/);
  assert.match(page, /\| load average \(1 min\) \| 0\.50 before, 1\.90 after \|/);
  assert.ok(!page.includes('## entropy'), 'the report heading is replaced by the page title');
  assert.match(page, /\| a \| H \(nats\) \| 0\.70 ± 0\.05 \|/);
});

test('readmeDigest keeps the headline and the retrieval table, and links the page', () => {
  const d = readmeDigest(meta, summary, tables);
  assert.match(d, /^\| configuration \| seeds \|/);
  assert.match(d, /\| a \| H \(nats\) \| 0\.70 ± 0\.05 \|/);
  assert.match(d, /4 runs, 2 seed\(s\) per configuration, 6 min 42 s \(CPU 11 min 40 s\) on tensorflow .*\[docs\/results\/entropy\.md\]\(docs\/results\/entropy\.md\)/);
});

test('readmeDigest of a CLRS-Text preset keeps the CLRS scores and the TransNAR differences', () => {
  const clrsTables = [
    '| configuration | seeds |',
    '|---|---|',
    '| a | 3 |',
    '',
    'CLRS-Text scores of the greedy answers by evaluation length (mean ± 95 % CI over seeds): …',
    '',
    '| configuration | score | n=7 |',
    '|---|---|---|',
    '| a | CLRS | 0.30 ± 0.05 |',
    '',
    'TransNAR: with the NAR − without, paired by training seed (…):',
    '',
    'bfs: b vs a, seeds 1, 2, 3; gates tanh(α) 0.1, 0.2',
    '',
    '| n | CLRS without | CLRS with | Δ CLRS |',
    '|---|---|---|---|',
    '| 10* | 0.10 ± 0.02 | 0.50 ± 0.10 | 0.40 ± 0.09 |',
  ].join('\n');
  const d = readmeDigest({ ...meta, preset: 'transnar' }, { runs: [{ seed: 1 }], clrs: {}, transnar: [{}] } as unknown as SummaryFile, clrsTables);
  assert.match(d, /^\| configuration \| seeds \|/);
  assert.match(d, /\| a \| CLRS \| 0\.30 ± 0\.05 \|/);
  assert.match(d, /\| 10\* \| 0\.10 ± 0\.02 \| 0\.50 ± 0\.10 \| 0\.40 ± 0\.09 \|/);
  assert.doesNotMatch(readmeDigest(meta, { runs: [{ seed: 1 }] } as unknown as SummaryFile, clrsTables), /CLRS without/, 'only with a TransNAR summary');
});

test('readmeDigest keeps the grid-world table (steps to the goal) after the headline', () => {
  const title = 'Grid world 3 × 3, 8 steps (…)';
  const grid = [tables, '', title, '', '| configuration | seeds | q | RSE | mean steps | worst case |', '|---|---|---|---|---|---|', '| R-q16 | 3 | 16 | 4 | 4.60 ± 0.10 | 6.10 ± 0.50 |'].join('\n');
  const withGrid = { ...summary, retrieval: null, tables: [{ id: 'grid-world', title, columns: [], rows: [] }] } as unknown as SummaryFile;
  const d = readmeDigest(meta, withGrid, grid);
  assert.match(d, /^\| configuration \| seeds \|\n\|---\|---\|\n\| a \| 2 \|\n\n\| configuration \| seeds \| q \| RSE \| mean steps \| worst case \|/);
  assert.match(d, /\| R-q16 \| 3 \| 16 \| 4 \| 4\.60 ± 0\.10 \| 6\.10 ± 0\.50 \|/);
  assert.doesNotMatch(readmeDigest(meta, { ...withGrid, tables: [] } as SummaryFile, grid), /worst case/);
});

test('replaceMarkedSection replaces between the markers only, and reports missing markers', () => {
  const doc = 'intro\n<!-- results:entropy -->\nold\n<!-- /results:entropy -->\nafter\n';
  const r = replaceMarkedSection(doc, 'entropy', 'new table');
  assert.equal(r.replaced, true);
  assert.equal(r.text, 'intro\n<!-- results:entropy -->\nnew table\n<!-- /results:entropy -->\nafter\n');
  assert.equal(replaceMarkedSection(r.text, 'entropy', 'again').text.match(/again/g)?.length, 1, 'idempotent markers');
  assert.deepEqual(replaceMarkedSection(doc, 'optimizers', 'x'), { text: doc, replaced: false });
});

test('keepNotes carries the hand-written notes of the old page into the regenerated one', () => {
  const old = '# Preset\n\n| old | table |\n\n<!-- notes -->\n## What it shows\nH stays flat.\n<!-- /notes -->\n';
  const fresh = '# Preset\n\n| new | table |\n';
  assert.equal(keepNotes(old, fresh), '# Preset\n\n| new | table |\n\n<!-- notes -->\n## What it shows\nH stays flat.\n<!-- /notes -->\n');
  assert.equal(keepNotes(null, fresh), fresh);
  assert.equal(keepNotes('# no notes here', fresh), fresh);
});

test('a page regenerated from folders trained earlier says the load was not recorded', () => {
  const page = resultsPage({ ...meta, load: null }, summary, tables);
  assert.match(page, /\| load average \(1 min\) \| not recorded \|/);
  assert.match(resultsPage({ ...meta, cpuSeconds: null }, summary, tables), /\| CPU time \| not recorded \|/);
  assert.doesNotMatch(readmeDigest({ ...meta, load: null }, summary, tables), /load/);
});
