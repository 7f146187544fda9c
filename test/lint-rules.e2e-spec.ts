import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * `npm run lint` guards the layering and the absence of cycles; these tests make sure that it
 * would notice. Each case is a file as someone might write it, linted as if it stood at `path`
 * in this tree, by the project's own eslint.config.js in an ESLint process of its own.
 */
interface Case {
  path: string;
  code: string;
}

/** The rules each case breaks, as ESLint reports them. */
async function ruleIdsOf(cases: Case[]): Promise<string[][]> {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint();
    const cases = JSON.parse(process.argv[1]);
    const found = [];
    for (const { path, code } of cases) {
      const [result] = await eslint.lintText(code, { filePath: path });
      found.push(result.messages.map((message) => message.ruleId ?? message.message));
    }
    process.stdout.write(JSON.stringify(found));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(cases)],
    { cwd: process.cwd(), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as string[][];
}

describe('the lint rules', () => {
  it('refuse imports that point up the layering, and imports that close a cycle', async () => {
    const [common, environment, sessions, cycle, feature, allowed] = await ruleIdsOf([
      {
        path: 'src/common/errors/omero-errors.ts',
        code: "export { OmeroUnavailableError } from '../../omero/omero-gateway.port.js';\n",
      },
      {
        path: 'src/environment/omero-settings.ts',
        code: "export { OmeroServerGateway } from '../omero/adapters/omero.gateway.js';\n",
      },
      {
        path: 'src/omero/sessions/gateway-user.ts',
        code: "export type { OmeroServerOptions } from '../adapters/omero.gateway.js';\n",
      },
      {
        // upload-file.store.ts imports upload-storage.ts: importing it back closes a cycle.
        path: 'src/upload/upload-storage.ts',
        code: "import { UploadFileStore } from './upload-file.store.js';\nexport const Store = UploadFileStore;\n",
      },
      {
        path: 'src/auth/upload-owner.ts',
        code: "export { UploadsService } from '../upload/uploads.service.js';\n",
      },
      {
        path: 'src/import/omero-target.ts',
        code: "export { OmeroGateway } from '../omero/omero-gateway.port.js';\n",
      },
    ]);

    expect(common).toEqual(['import-x/no-restricted-paths']);
    expect(environment).toEqual(['import-x/no-restricted-paths']);
    expect(sessions).toEqual(['import-x/no-restricted-paths']);
    expect(cycle).toEqual(['import-x/no-cycle']);
    expect(feature).toEqual(['import-x/no-restricted-paths']);
    expect(allowed).toEqual([]);
  }, 120_000);
});
