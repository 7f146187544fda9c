import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Environment } from '../environment/environment.js';

/** One answer per data folder: two modules asking at once must not each generate a secret. */
const resolved = new Map<string, Promise<string>>();

/**
 * JWT_SECRET when set (required in production). Otherwise, for development, a random secret
 * kept in DATA_DIR, so that sessions survive a restart and no shared default secret exists.
 */
export function resolveJwtSecret(env: Environment): Promise<string> {
  if (env.JWT_SECRET) return Promise.resolve(env.JWT_SECRET);
  let secret = resolved.get(env.dataDir);
  if (!secret) {
    secret = readOrCreateSecret(env.dataDir);
    resolved.set(env.dataDir, secret);
    // A failure (an unwritable folder) is not remembered: the next start may succeed.
    secret.catch(() => resolved.delete(env.dataDir));
  }
  return secret;
}

async function readOrCreateSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved.length >= 32) return saved;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
