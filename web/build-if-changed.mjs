// Builds the web app (web/ -> web/dist) unless the build there was made from exactly the
// current sources: restarts and test runs then skip Vite entirely. The stamp is a sha256 of
// every source file under web/ (paths and bytes) and of the lock file, which pins Vite and
// every bundled package.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(webDir);
const outDir = join(webDir, 'dist');
const stampFile = join(outDir, '.source-hash');
const SKIPPED = new Set(['dist', 'node_modules']);

async function sourceFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name)) files.push(...(await sourceFiles(path)));
    } else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...(await sourceFiles(webDir)), join(rootDir, 'package-lock.json')]) {
    hash
      .update(relative(rootDir, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex');
}

const wanted = await sourceHash();
const built = await readFile(stampFile, 'utf8').catch(() => '');
if (built.trim() === wanted && !process.argv.includes('--force')) {
  console.log('web: unchanged since the last build, not rebuilt');
} else {
  const { build } = await import('vite');
  await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  await writeFile(stampFile, `${wanted}\n`);
  console.log(`web: built into ${relative(rootDir, outDir)}/`);
}
