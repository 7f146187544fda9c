import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CollisionPolicy, NamingPolicy } from '../config/uploader-settings.entity.js';
import { withSuffix } from './file-name.js';

/** Enough attempts for any real folder; past this something is wrong, and we say so. */
const MAX_CANDIDATES = 10_000;

function* candidates(name: string, extension: string, naming: NamingPolicy): Generator<string> {
  if (naming === 'increment') {
    for (let n = 1; n <= MAX_CANDIDATES; n++) yield withSuffix(name, extension, `-${String(n).padStart(4, '0')}`);
    return;
  }
  const first = naming === 'random-suffix' ? withSuffix(name, extension, `-${randomBytes(4).toString('hex')}`) : name;
  yield first;
  for (let n = 1; n <= MAX_CANDIDATES; n++) yield withSuffix(first, extension, ` (${n})`);
}

/**
 * A completed file placed in its owner's folder, pending the database's word. The completion
 * calls publish() inside the transaction that marks the upload completed (and queues its
 * import), before it commits: whatever that commit makes visible finds the file in place.
 */
export interface Placement {
  storedName: string;
  /** Puts the file under its final name (under `overwrite`, replacing any file there). */
  publish(): Promise<void>;
  /** Makes the placement final: the incoming copy (and any replaced file) goes. */
  commit(): Promise<void>;
  /** Undoes it, publish() included: the incoming copy stays, so the completion can be tried again. */
  rollback(): Promise<void>;
}

const unlinkIfThere = (path: string) =>
  unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });

/** Whether two paths are the same file (a hard link of it): a rollback touches only its own. */
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [first, second] = await Promise.all([stat(a), stat(b)]);
    return first.ino === second.ino && first.dev === second.dev;
  } catch {
    return false;
  }
}

/**
 * Puts a completed upload into its owner's folder under the name the policies give, as a hard
 * link beside the incoming file, so that a failed database transaction can undo it. Except
 * under `overwrite`, a name is claimed with link(), which fails if the name exists: two
 * completions racing for one name can never overwrite each other. `error` is enforced when
 * the upload is created; a file that took the name meanwhile makes this one fall back to
 * `rename`, because refusing bytes already received would lose them.
 *
 * Under `overwrite` the file is linked under a hidden name first and renamed over the final
 * name by publish(), the file it replaces kept under another hidden name until the commit, so
 * that a rollback can put it back. Both hidden names derive from `key` (the upload's id): a
 * completion that a crash interrupted and that runs again reuses them rather than leaving
 * strays. A crash after publish() and before the commit leaves the upload unfinished with all
 * its bytes, which the maintenance job completes again.
 */
export async function placeCompletedFile(
  source: string,
  folder: string,
  name: string,
  extension: string,
  naming: NamingPolicy,
  collision: CollisionPolicy,
  key: string,
): Promise<Placement> {
  await mkdir(folder, { recursive: true });
  const names = candidates(name, extension, naming);
  if (collision === 'overwrite') {
    const storedName = names.next().value as string;
    const target = join(folder, storedName);
    const pending = join(folder, `.incoming-${key}`);
    const replaced = join(folder, `.replaced-${key}`);
    await unlinkIfThere(pending);
    await link(source, pending);
    let published = false;
    let hadOlder = false;
    return {
      storedName,
      publish: async () => {
        if (await sameFile(target, source)) {
          // An interrupted run published already: the file it set aside, if any, is still the
          // one to put back on a rollback.
          hadOlder = existsSync(replaced);
        } else {
          await unlinkIfThere(replaced);
          try {
            await link(target, replaced);
            hadOlder = true;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
        }
        await rename(pending, target);
        // rename() does nothing when both names are links to one file already (a completion
        // that ran again after a crash): the hidden name goes all the same.
        await unlinkIfThere(pending);
        published = true;
      },
      commit: async () => {
        await unlinkIfThere(replaced);
        await unlink(source);
      },
      rollback: async () => {
        if (!published) {
          await unlinkIfThere(pending);
          return unlinkIfThere(replaced);
        }
        // Only while the name still holds this upload's file: a later completion's stays.
        if (await sameFile(target, source)) {
          if (hadOlder) await rename(replaced, target);
          else await unlink(target);
        }
        await unlinkIfThere(replaced);
      },
    };
  }
  for (const storedName of names) {
    const target = join(folder, storedName);
    try {
      await link(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    return {
      storedName,
      // Linked under its final name already: claiming the name is the placement.
      publish: async () => undefined,
      commit: () => unlink(source),
      rollback: () => unlink(target),
    };
  }
  throw new Error(`No free name for ${name} in ${folder} after ${MAX_CANDIDATES} attempts`);
}
