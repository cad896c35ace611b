/**
 * Telling a process from a later one that got the same id. A pid alone is not an identity: once
 * a process ends the system may give its number to another, which then looks alive to a signal
 * test. On Linux a process's start time (clock ticks after boot, /proc/<pid>/stat field 22)
 * together with the boot's id (/proc/sys/kernel/random/boot_id) names it for as long as the
 * machine runs and never again after a restart. Elsewhere (macOS, Windows) there is no such
 * token, and the pid alone is all a reader has.
 */
import * as fs from 'node:fs';

/** "<boot id>/<start ticks>" of a running process, or null where /proc cannot tell (or it is gone). */
export function processStartToken(pid: number): string | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields count from the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19]; // field 22 of the whole line: state is field 3, index 0 here
    if (boot === '' || start === undefined || !/^\d+$/.test(start)) return null;
    return `${boot}/${start}`;
  } catch {
    return null;
  }
}

/**
 * Whether the process recorded as (pid, start token) is the one running under that pid now:
 * false when the token differs (the pid was reused, or the machine restarted); true when either
 * token is unknown (an older record, or no /proc), so the caller's signal test decides.
 */
export function sameProcess(pid: number, recordedStart: string | null | undefined): boolean {
  if (recordedStart === null || recordedStart === undefined) return true;
  const now = processStartToken(pid);
  return now === null || now === recordedStart;
}
