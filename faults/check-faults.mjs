// `npm run check:faults`: starts the built app as a user would and attacks and breaks it from
// outside, one scenario at a time, printing a line per scenario and `N passed, N failed`.
// Each file in scenarios/ exports `scenarios`: [{ name, needsRoot?, timeoutMs?, run(harness) }],
// where `run` resolves with a short note of what was measured, or throws what went wrong.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Harness } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

async function main() {
  const files = readdirSync(join(here, 'scenarios'))
    .filter((name) => name.endsWith('.mjs'))
    .sort();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of files) {
    const { scenarios } = await import(pathToFileURL(join(here, 'scenarios', file)).href);
    for (const scenario of scenarios) {
      const name = `${file.replace(/\.mjs$/, '')}: ${scenario.name}`;
      if (only.length && !only.some((word) => name.includes(word))) continue;
      if (scenario.needsRoot && process.getuid?.() !== 0) {
        console.log(`SKIP ${name} (needs root)`);
        skipped++;
        continue;
      }
      const harness = new Harness();
      const started = Date.now();
      const timeoutMs = scenario.timeoutMs ?? 180_000;
      try {
        const note = await Promise.race([
          scenario.run(harness),
          sleep(timeoutMs, undefined, { ref: false }).then(() => {
            throw new Error(`no result within ${timeoutMs / 1000} s`);
          }),
        ]);
        passed++;
        console.log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${name}: ${error?.message ?? error}`);
      } finally {
        await harness.cleanup();
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`check:faults failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
