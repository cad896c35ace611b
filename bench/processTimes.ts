/**
 * CPU time that a step's own counters do not show, from Linux's /proc (−1 elsewhere): the
 * process's threads other than the main one, and the machine's steal time; and the vCPU the
 * process last ran on.
 */
import * as fs from 'node:fs';

/** Milliseconds per clock tick of /proc's times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/**
 * CPU milliseconds so far of this process's threads other than the main one (the per-thread utime
 * + stime in /proc/self/task), or −1 where /proc has no task list.
 */
export function otherThreadsCpuMs(): number {
  let ticks = 0;
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      if (Number(tid) === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // the thread ended
      }
    }
  } catch {
    return -1;
  }
  return ticks * TICK_MS;
}

/**
 * Steal time so far, summed over the machine's CPUs, in milliseconds: time a virtual machine's
 * vCPUs were ready to run but the hypervisor ran something else (the 8th field of /proc/stat's
 * `cpu` line); −1 where there is no /proc/stat.
 */
export function stealMs(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/);
    return Number(fields[8] ?? 0) * TICK_MS;
  } catch {
    return -1;
  }
}

/** The vCPU this process last ran on (the 39th field of /proc/self/stat), or −1 where there is none. */
export function currentCpu(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  } catch {
    return -1;
  }
}
