/**
 * Whether a folder lives on a file system the compute nodes can share (NFS, Lustre, GPFS,
 * BeeGFS, CephFS, …) or on one that is local to this machine (ext4, xfs, tmpfs, overlay, …),
 * from statfs's file-system type. On a cluster the run folders must be shared: every task writes
 * its run's folder from its own node, and the submitter follows them from the login node.
 */
import * as fs from 'node:fs';

/** statfs f_type magic numbers (linux/magic.h and the file systems' own headers). */
const SHARED: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x0bd00bd0, 'lustre'],
  [0x47504653, 'gpfs'],
  [0x19830326, 'beegfs'],
  [0x00c36400, 'ceph'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0xaad7aaea, 'panfs'],
  [0x5346414f, 'afs'],
  [0x6b414653, 'afs'],
  [0x65735546, 'fuse'],
  [0x2fc12fc1, 'zfs'],
  [0x013111a8, 'ibrix'],
  [0x61636673, 'acfs'],
  [0xa501fcf5, 'vxfs'],
]);
const LOCAL: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x01021994, 'tmpfs'],
  [0x794c7630, 'overlay'],
  [0xf2f52010, 'f2fs'],
  [0x4d44, 'vfat'],
  [0x5346544e, 'ntfs'],
  [0x3153464a, 'jfs'],
  [0x52654973, 'reiserfs'],
]);

export interface FilesystemKind {
  /** `shared`: a network or cluster file system; `local`: on this machine only; `unknown`: cannot tell. */
  kind: 'shared' | 'local' | 'unknown';
  /** A name for the type (`nfs`, `ext4`, …) or its number in hex. */
  type: string;
}

export function filesystemKind(dir: string): FilesystemKind {
  let type: number;
  try {
    type = Number(fs.statfsSync(dir).type) >>> 0;
  } catch {
    return { kind: 'unknown', type: 'unknown' };
  }
  const shared = SHARED.get(type);
  if (shared) return { kind: 'shared', type: shared };
  const local = LOCAL.get(type);
  if (local) return { kind: 'local', type: local };
  return { kind: 'unknown', type: `0x${type.toString(16)}` };
}
