import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FAKE_CLI = join(process.cwd(), 'test', 'omero-double', 'fake-omero-cli.mjs');

/** One invocation of fake-omero-cli.mjs, as it records it. */
export interface CliCall {
  argv?: string[];
  pid: number;
  childPid?: number;
  event?: string;
  sessionDir?: string | null;
  passwordFromEnv?: boolean;
  /** The environment the importer was given. */
  env?: Record<string, string>;
}

/**
 * `omero` (or `omero-<scenario>`) linked to the fake in a folder of its own, where the fake
 * records what it was asked, and those records.
 */
export async function fakeCli(
  scenario?: string,
): Promise<{ cliPath: string; calls: () => CliCall[]; setScenario: (next: string) => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'fake-omero-cli-'));
  const cliPath = join(folder, scenario ? `omero-${scenario}` : 'omero');
  await symlink(FAKE_CLI, cliPath);
  const calls = (): CliCall[] => {
    const file = join(folder, 'fake-omero-calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as CliCall);
  };
  // Read by the fake at each invocation: switches the scenario of an importer already configured.
  const setScenario = (next: string) => writeFile(join(folder, 'fake-omero-scenario'), next);
  return { cliPath, calls, setScenario };
}
