import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { readFile, writeFile } from 'node:fs/promises';
import { startTestApp, type TestApp } from './support/test-app.js';

const SCHEMA_FILE = 'schema.gql';

/**
 * schema.gql is committed so integrators can read the API without running it. This keeps it
 * equal to what the code serves; `npm run schema:update` rewrites it after a deliberate change.
 */
describe('schema.gql', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  it('is exactly the schema the server serves', async () => {
    const served = `${printSchema(server.app.get(GraphQLSchemaHost).schema)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') await writeFile(SCHEMA_FILE, served);
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    expect(committed).toBe(served);
  });
});
