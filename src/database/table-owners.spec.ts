import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every table has one owner, the only code that writes it (README, "Who owns which table").
 * Owners are paths under src/: a module's folder, or the one file of a module that holds the
 * table's SQL. Reading another module's table is allowed; writing it or locking its rows is
 * not: that goes through the owner's service.
 */
const OWNERS: Record<string, string> = {
  users: 'auth/',
  api_tokens: 'auth/',
  login_failures: 'auth/',
  feature_flags: 'config/',
  uploader_settings: 'config/',
  config_audit: 'config/audit/',
  uploads: 'upload/',
  analytics_events: 'analytics/',
  import_jobs: 'import/import-jobs.service.ts',
  'pgboss.job': 'import/import-queue.service.ts',
  omero_sessions: 'omero/sessions/',
  sandbox_groups: 'omero/adapters/sandbox.gateway.ts',
  sandbox_memberships: 'omero/adapters/sandbox.gateway.ts',
  sandbox_containers: 'omero/adapters/sandbox.gateway.ts',
  sandbox_images: 'omero/adapters/sandbox.gateway.ts',
};

/** Entities injected as TypeORM repositories, whose methods write their table. */
const ENTITY_TABLES: Record<string, string> = {
  User: 'users',
  ApiToken: 'api_tokens',
  FeatureFlag: 'feature_flags',
  UploaderSettings: 'uploader_settings',
  Upload: 'uploads',
  ImportJob: 'import_jobs',
  AnalyticsEvent: 'analytics_events',
};

const SRC = join(process.cwd(), 'src');
const files = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
  .map((file) => ({ path: relative(SRC, join(SRC, file)), text: readFileSync(join(SRC, file), 'utf8') }));
const migrations = files.filter((file) => file.path.startsWith('database/migrations/'));
const code = files.filter((file) => !file.path.startsWith('database/migrations/'));

/** Every (file, table, how) that writes or locks a table, outside the migrations. */
function writes(): { path: string; table: string; how: string }[] {
  const found: { path: string; table: string; how: string }[] = [];
  for (const { path, text } of code) {
    // The queue's schema is named by a constant in its SQL.
    const sql = text.replaceAll('${SCHEMA}', 'pgboss');
    for (const match of sql.matchAll(/\b(INSERT INTO|UPDATE|DELETE FROM)\s+([a-z_]+(?:\.[a-z_]+)?)\b/g)) {
      found.push({ path, table: match[2], how: match[1] });
    }
    for (const match of sql.matchAll(/\bFROM\s+([a-z_]+)\b[^`;]*?\bFOR (?:NO KEY )?UPDATE\b/g)) {
      found.push({ path, table: match[1], how: 'FOR UPDATE' });
    }
    for (const match of sql.matchAll(/(?:InjectRepository|getRepository)\((\w+)\)/g)) {
      found.push({ path, table: ENTITY_TABLES[match[1]] ?? match[1], how: 'repository' });
    }
  }
  return found;
}

describe('table ownership', () => {
  it('gives every table the migrations create an owner', () => {
    const created = migrations.flatMap(({ text }) => [...text.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]));
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((table) => !(table in OWNERS))).toEqual([]);
  });

  it('finds the writes it checks (the scan itself works)', () => {
    const tables = new Set(writes().map((write) => write.table));
    for (const table of ['uploads', 'import_jobs', 'users', 'omero_sessions', 'pgboss.job', 'sandbox_images']) {
      expect(tables).toContain(table);
    }
  });

  it('lets only the owner of a table write it or lock its rows', () => {
    const strays = writes()
      .filter(({ path, table }) => !(table in OWNERS) || !path.startsWith(OWNERS[table]))
      .map(({ path, table, how }) => `${path}: ${how} ${table} (owner: ${OWNERS[table] ?? 'none'})`);
    expect(strays).toEqual([]);
  });
});
