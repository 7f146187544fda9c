import { rm } from 'node:fs/promises';

/** Stops the run's embedded PostgreSQL and removes its folder: runs leave no gigabytes behind. */
export default async function globalTeardown() {
  await globalThis.testDatabase?.stop();
  if (globalThis.testDatabaseDir) await rm(globalThis.testDatabaseDir, { recursive: true, force: true });
}
