// A small tmpfs to fill on purpose, for the full-disk tests and fault scenarios (plain
// JavaScript, so `npm run check:faults` can use it without a build). Mounting needs root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const MIB = 1024 * 1024;

/** Mounts a tmpfs of `sizeMib` MiB holding at most `inodes` files at `dir` (created if missing). */
export function mountSmallDisk(dir, { sizeMib = 64, inodes = 100_000 } = {}) {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMib}m,nr_inodes=${inodes}`, 'tmpfs', dir]);
  const fillers = [];
  const free = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    free,
    /** Writes a file of our own until about `leaveBytes` are free. */
    async fillLeaving(leaveBytes) {
      const path = join(dir, `filler-${fillers.length}`);
      fillers.push(path);
      const file = await open(path, 'w');
      try {
        const block = Buffer.alloc(MIB);
        while (free() > leaveBytes) await file.write(block.subarray(0, Math.min(MIB, free() - leaveBytes)));
      } finally {
        await file.close();
      }
    },
    /** Makes empty files until no more can be: full for anything new, though bytes are free. Returns how many. */
    exhaustInodes() {
      const folder = join(dir, `filler-${fillers.length}`);
      fillers.push(folder);
      mkdirSync(folder);
      for (let made = 0; ; made++) {
        try {
          writeFileSync(join(folder, String(made)), '');
        } catch (error) {
          if (error.code !== 'ENOSPC') throw error;
          return made;
        }
      }
    },
    /** Deletes every filler. */
    empty() {
      for (const path of fillers.splice(0)) rmSync(path, { recursive: true, force: true });
    },
    /** Lazily: a process still holding a file there does not keep it mounted. */
    unmount() {
      execFileSync('umount', ['--lazy', dir]);
    },
  };
}
