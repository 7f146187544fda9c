import { describe, expect, it } from '@jest/globals';
import { buildSchema, isEnumType, type GraphQLObjectType } from 'graphql';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ErrorCode } from '../src/common/errors/app-error.js';

/**
 * The documents ship with the repository and name every public name, so that a reader finds
 * each one and a newcomer's clone has every document a comment points to. Public names are
 * only ever added: each addition must reach docs/api.md (or the README's configuration table).
 */

const read = (path: string) => readFileSync(path, 'utf8');
const API = read('docs/api.md');
const README = read('README.md');
const DOCUMENTS = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The table row of docs/api.md that starts with `name`, where a reader looks it up. */
const rowOf = (name: string) => API.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));

/**
 * The string literals of a union type of src/ (`type Name = 'A' | 'B' | Other`), wherever it
 * is declared, so that moving it does not hide a code from this check.
 */
function unionMembers(typeName: string): string[] {
  const declaration = new RegExp(`\\btype ${typeName} =([^;]*);`);
  const found = filesUnder('src')
    .filter((path) => path.endsWith('.ts'))
    .map((path) => declaration.exec(read(path))?.[1])
    .find((body) => body !== undefined);
  return [...(found ?? '').matchAll(/'([^']+)'/g)].map((match) => match[1]);
}

/** Every file under these folders (skipping generated and installed ones). */
function filesUnder(...folders: string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      if (name === 'node_modules' || name === 'dist') return [];
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    }),
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(path: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of read(path).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#+\s+(.*)$/.exec(line);
    if (heading)
      anchors.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      );
  }
  return anchors;
}

describe('the documents', () => {
  it('give every GraphQL operation a row in docs/api.md, and every enum a row with all its values', () => {
    const schema = buildSchema(read('schema.gql'));
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    const operations = roots.flatMap((root: GraphQLObjectType | null | undefined) =>
      Object.keys(root?.getFields() ?? {}),
    );
    const enums = Object.values(schema.getTypeMap())
      .filter(isEnumType)
      .filter((type) => !type.name.startsWith('__'));

    expect(operations.length).toBeGreaterThan(20);
    expect(operations.filter((name) => !rowOf(name))).toEqual([]);
    expect(
      enums.flatMap((type) =>
        type
          .getValues()
          .filter((value) => !new RegExp(`\\b${value.name}\\b`).test(rowOf(type.name) ?? ''))
          .map((value) => `${type.name}.${value.name}`),
      ),
    ).toEqual([]);
  });

  it('give every error code, import error code, close code and analytics event type a row in docs/api.md', () => {
    const importCodes = [...unionMembers('ImportErrorCode'), ...unionMembers('ImportJobErrorCode')];
    const eventTypes = unionMembers('AnalyticsEventType');

    expect(importCodes).toEqual(expect.arrayContaining(['UNREADABLE_FILE', 'WORKER_LOST', 'SOURCE_MISSING']));
    expect(eventTypes).toEqual(expect.arrayContaining(['upload_started', 'import_failed']));
    const names = [...Object.values(ErrorCode), ...importCodes, ...eventTypes];
    expect(names.filter((name) => !rowOf(name))).toEqual([]);
    expect(['4401', '4403', '4408', '1009', '1013'].filter((code) => !API.includes(`| ${code} |`))).toEqual([]);
  });

  it("list every environment variable of .env.example in the README's configuration table", () => {
    const variables = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    const table = README.slice(README.indexOf('## Configuration'));
    const rows = table.slice(0, table.indexOf('\n\n', table.indexOf('| variable |')));

    expect(variables.length).toBeGreaterThan(20);
    expect(variables.filter((name) => !rows.includes(`\`${name}\``))).toEqual([]);
  });

  it('are what comments point to: no comment names a document the repository lacks', () => {
    // A name with its folder (docs/api.md, bench/RESULTS.md) from the repository's root, a bare
    // one (README.md) at the root or beside the file that names it.
    const exists = (name: string, from: string) =>
      existsSync(name) || (!name.includes('/') && existsSync(join(dirname(from), name)));
    const missing = filesUnder('src', 'test', 'bench', 'faults')
      .filter((path) => /\.(ts|mts|mjs|js)$/.test(path))
      .flatMap((path) =>
        [...read(path).matchAll(/\b(?:[\w-]+\/)*[\w.-]+\.md\b/g)]
          .filter(([name]) => !exists(name, path))
          .map(([name]) => `${path}: ${name}`),
      );

    expect(missing).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    const broken = DOCUMENTS.flatMap((path) =>
      [...read(path).matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1])
        .filter((link) => !/^[a-z]+:/.test(link))
        .filter((link) => {
          const [file, anchor] = link.split('#');
          const target = file ? normalize(join(dirname(path), file)) : path;
          if (!existsSync(target)) return true;
          return anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor);
        })
        .map((link) => `${path}: ${link}`),
    );

    expect(broken).toEqual([]);
  });
});
