/**
 * Who owns a run (issue 11's leftover): run.json records the owning process's pid, host and, on
 * Linux, its start token, so a later process given the same pid is not taken for the owner and
 * the run is repaired instead of looking alive forever.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownerAlive, ownerHere, readRunFile, repairRunStatus } from '../../src/core/experiment/runFolder';
import { processStartToken, sameProcess } from '../../src/core/io/processIdentity';
import { quickConfigs, tempDir, writeExperiment, writeRun } from '../views/fixtures';

const { dir, cleanup } = tempDir('al-run-owner-test-');
test.after(cleanup);
const linux = fs.existsSync('/proc/self/stat');

test('a process start token names this boot and this process, and differs between processes', { skip: !linux && 'no /proc' }, async () => {
  const mine = processStartToken(process.pid);
  assert.match(mine ?? '', /^[0-9a-f-]{36}\/\d+$/);
  assert.equal(processStartToken(process.pid), mine, 'stable while the process runs');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const theirs = processStartToken(child.pid as number);
    assert.ok(theirs !== null && theirs !== mine, `${theirs} vs ${mine}`);
    assert.equal(sameProcess(child.pid as number, theirs), true);
    assert.equal(sameProcess(child.pid as number, mine), false, "another process's token is not this pid's");
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(processStartToken(-1), null);
  assert.equal(sameProcess(process.pid, null), true, 'an older record without a token: the pid test decides');
});

function runningRun(name: string, owner: object): string {
  const config = quickConfigs()[0]!;
  const exp = writeExperiment(dir, name, [config]);
  const runDir = writeRun(exp, config, { status: 'running', steps: 20, a: 1 });
  const file = path.join(runDir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...owner }));
  return runDir;
}

test('a live owner keeps its run; a reused pid (its start token differs) does not', { skip: !linux && 'no /proc' }, () => {
  const here = ownerHere();
  assert.equal(here.pidStart, processStartToken(process.pid));
  assert.equal(ownerAlive(here), true);

  // This test process stands for the owner; the recorded token is that of an earlier process
  // that had the same pid (same boot, other start time).
  const earlier = `${(here.pidStart as string).split('/')[0]}/1`;
  const kept = runningRun('owner-live', here);
  assert.equal(repairRunStatus(kept), null);
  assert.equal(readRunFile(kept).status, 'running');

  const reused = runningRun('owner-reused', { ...here, pidStart: earlier });
  assert.equal(ownerAlive(readRunFile(reused)), false);
  const repair = repairRunStatus(reused);
  assert.ok(repair !== null);
  const run = readRunFile(reused);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', new RegExp(`pid ${process.pid}\\) ended without finishing`));

  // After a restart the boot id differs: the same pid and start ticks are another process.
  const rebooted = runningRun('owner-rebooted', { ...here, pidStart: `00000000-0000-0000-0000-000000000000/${(here.pidStart as string).split('/')[1]}` });
  assert.equal(repairRunStatus(rebooted)?.id, quickConfigs()[0]!.id);
});

test('older run folders without a start token keep the pid test, and other hosts are left alone', () => {
  const old = runningRun('owner-old', { pid: process.pid, host: os.hostname() });
  assert.equal(repairRunStatus(old), null, 'alive by pid: left running');
  const elsewhere = runningRun('owner-elsewhere', { pid: process.pid, host: `${os.hostname()}-other`, pidStart: 'x/1' });
  assert.equal(ownerAlive(readRunFile(elsewhere)), false);
  assert.equal(repairRunStatus(elsewhere), null, "another host's run is not this machine's to repair");
});

test('run.json refuses a start token that is not a string', () => {
  const bad = runningRun('owner-bad', { pid: process.pid, host: os.hostname(), pidStart: 42 });
  assert.throws(() => readRunFile(bad), /\$\.pidStart: expected the process's start token or null, found 42/);
});
