import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Environment } from '../environment/environment.js';

/**
 * JWT_SECRET when set (required in production). Otherwise, for development, a random secret
 * kept in DATA_DIR, so that sessions survive a restart and no shared default secret exists.
 */
export async function resolveJwtSecret(env: Environment): Promise<string> {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const file = join(env.dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved.length >= 32) return saved;
  }
  await mkdir(env.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
