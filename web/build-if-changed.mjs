// Builds the browser apps named on the command line (`web`: web/ -> web/dist, `admin`:
// admin/ -> admin/dist; `web` when none is named) unless the build there was made from exactly
// the current sources: restarts and test runs then skip Vite entirely. The stamp is a sha256 of
// every source file the app is built from (paths and bytes) and of the lock file, which pins
// Vite and every bundled package. The admin app imports the web app's session and GraphQL
// client, so web/src counts among its sources.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const rootDir = dirname(dirname(fileURLToPath(import.meta.url)));
const SKIPPED = new Set(['dist', 'node_modules']);
const APPS = {
  web: { dir: 'web', sources: ['web'] },
  // The admin app's Vite config extends the web app's.
  admin: { dir: 'admin', sources: ['admin', 'web/src', 'web/vite.config.ts'] },
};

async function sourceFiles(dir) {
  if ((await stat(dir)).isFile()) return [dir];
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

async function sourceHash(sources) {
  const hash = createHash('sha256');
  const files = [];
  for (const source of sources) files.push(...(await sourceFiles(join(rootDir, source))));
  for (const file of [...files, join(rootDir, 'package-lock.json')]) {
    hash
      .update(relative(rootDir, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex');
}

async function buildIfChanged(name) {
  const app = APPS[name];
  if (!app) throw new Error(`No app named "${name}": the apps are ${Object.keys(APPS).join(', ')}.`);
  const appDir = join(rootDir, app.dir);
  const outDir = join(appDir, 'dist');
  const stampFile = join(outDir, '.source-hash');
  const wanted = await sourceHash(app.sources);
  const built = await readFile(stampFile, 'utf8').catch(() => '');
  if (built.trim() === wanted && !process.argv.includes('--force')) {
    console.log(`${name}: unchanged since the last build, not rebuilt`);
    return;
  }
  // Always a production build, also when run from a test process (Jest sets NODE_ENV=test,
  // which would give React's development build and `import.meta.env.DEV`).
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  await build({ configFile: join(appDir, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  await writeFile(stampFile, `${wanted}\n`);
  console.log(`${name}: built into ${relative(rootDir, outDir)}/`);
}

const names = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
for (const name of names.length ? names : ['web']) await buildIfChanged(name);
