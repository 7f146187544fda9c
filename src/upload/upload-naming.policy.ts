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

/**
 * Moves a completed upload into its owner's folder under the name the policies give, and
 * returns that name. Except under `overwrite`, a name is claimed with link(), which fails if
 * the name exists, so two completions racing for one name can never overwrite each other.
 * `error` is enforced when the upload is created; a file that took the name meanwhile makes
 * this one fall back to `rename`, because refusing bytes already received would lose them.
 */
export async function placeCompletedFile(
  source: string,
  folder: string,
  name: string,
  extension: string,
  naming: NamingPolicy,
  collision: CollisionPolicy,
): Promise<string> {
  await mkdir(folder, { recursive: true });
  const names = candidates(name, extension, naming);
  if (collision === 'overwrite') {
    const target = names.next().value as string;
    await rename(source, join(folder, target));
    return target;
  }
  for (const candidate of names) {
    try {
      await link(source, join(folder, candidate));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await unlink(source);
    return candidate;
  }
  throw new Error(`No free name for ${name} in ${folder} after ${MAX_CANDIDATES} attempts`);
}
