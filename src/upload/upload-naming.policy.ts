import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, unlink } from 'node:fs/promises';
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

/** A completed file placed in its owner's folder, pending the database's word. */
export interface Placement {
  storedName: string;
  /** Makes the placement final: the incoming copy goes. */
  commit(): Promise<void>;
  /** Undoes it: the incoming copy stays, so the completion can be tried again. */
  rollback(): Promise<void>;
}

/**
 * Puts a completed upload into its owner's folder under the name the policies give, as a hard
 * link beside the incoming file, so that a failed database transaction can undo it. Except
 * under `overwrite`, a name is claimed with link(), which fails if the name exists: two
 * completions racing for one name can never overwrite each other. `error` is enforced when
 * the upload is created; a file that took the name meanwhile makes this one fall back to
 * `rename`, because refusing bytes already received would lose them.
 */
export async function placeCompletedFile(
  source: string,
  folder: string,
  name: string,
  extension: string,
  naming: NamingPolicy,
  collision: CollisionPolicy,
): Promise<Placement> {
  await mkdir(folder, { recursive: true });
  const names = candidates(name, extension, naming);
  if (collision === 'overwrite') {
    const storedName = names.next().value as string;
    // Replacing happens only at commit, by an atomic rename of a hidden link.
    const pending = join(folder, `.incoming-${randomBytes(8).toString('hex')}`);
    await link(source, pending);
    return {
      storedName,
      commit: async () => {
        await rename(pending, join(folder, storedName));
        await unlink(source);
      },
      rollback: () => unlink(pending),
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
    return { storedName, commit: () => unlink(source), rollback: () => unlink(target) };
  }
  throw new Error(`No free name for ${name} in ${folder} after ${MAX_CANDIDATES} attempts`);
}
