import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Entry {
  kind: string;
  key: string;
  oldValue: string | null;
  newValue: string | null;
  changedBy: string | null;
  changedByUsername: string;
  changedAt: string;
}
interface EntryPage {
  auditEntries: { items: Entry[]; total: number };
}

const ENTRIES = `query($page: PageInput, $sort: AuditEntrySort, $filter: AuditEntryFilter) {
  auditEntries(page: $page, sort: $sort, filter: $filter) {
    total items { kind key oldValue newValue changedBy changedByUsername changedAt }
  }
}`;
const SET_FLAG = 'mutation($on: Boolean!) { setFeatureFlag(key: "newUploader", enabled: $on) { enabled } }';
const UPDATE_SETTINGS =
  'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { chunkSizeBytes } }';

/** Every change to a flag or a setting leaves an entry: who, when, which key, before and after. */
describe('the audit of flags and settings', () => {
  let server: TestApp;
  let adminToken: string;
  let adminId: string;
  let user: { id: string; token: string };

  const entries = async (variables: Record<string, unknown> = {}, token = adminToken) =>
    graphql<EntryPage>(server.url, token, ENTRIES, variables);

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
    adminId = (await graphql<{ me: { id: string } }>(server.url, adminToken, '{ me { id } }')).data!.me.id;
    user = await createUser(server.url, adminToken, 'auditee');
  });
  afterAll(() => server.close());

  it('records a switched flag with its old and new value, who switched it and when', async () => {
    const before = Date.now();
    expect((await graphql(server.url, adminToken, SET_FLAG, { on: false })).data).toEqual({
      setFeatureFlag: { enabled: false },
    });
    const { data } = await entries({ filter: { kind: 'FLAG' } });

    expect(data!.auditEntries.total).toBe(1);
    const [entry] = data!.auditEntries.items;
    expect(entry).toMatchObject({
      kind: 'FLAG',
      key: 'newUploader',
      oldValue: 'true',
      newValue: 'false',
      changedBy: adminId,
      changedByUsername: 'admin',
    });
    // The database's clock and the test's may differ a little; a minute is beyond any skew here.
    expect(Math.abs(new Date(entry.changedAt).getTime() - before)).toBeLessThan(60_000);
  });

  it('shows administrators who last switched a flag, and other users nothing of it', async () => {
    const query = '{ featureFlags { key updatedAt updatedBy updatedByUsername } }';
    const asAdmin = await graphql<{ featureFlags: Record<string, unknown>[] }>(server.url, adminToken, query);
    expect(asAdmin.data!.featureFlags.find((flag) => flag.key === 'newUploader')).toMatchObject({
      updatedBy: adminId,
      updatedByUsername: 'admin',
    });
    const asUser = await graphql<{ featureFlags: Record<string, unknown>[] }>(server.url, user.token, query);
    expect(asUser.data!.featureFlags.find((flag) => flag.key === 'newUploader')).toMatchObject({
      updatedBy: null,
      updatedByUsername: null,
    });
  });

  it('records nothing for a switch to the value a flag already has', async () => {
    await graphql(server.url, adminToken, SET_FLAG, { on: false });
    expect((await entries({ filter: { kind: 'FLAG' } })).data!.auditEntries.total).toBe(1);
  });

  it('records each setting that changed, with JSON values, and none of the fields given unchanged', async () => {
    const current = (
      await graphql<{ uploaderSettings: { chunkSizeBytes: number; allowedExtensions: string[] } }>(
        server.url,
        adminToken,
        '{ uploaderSettings { chunkSizeBytes allowedExtensions } }',
      )
    ).data!.uploaderSettings;
    const result = await graphql(server.url, adminToken, UPDATE_SETTINGS, {
      input: {
        chunkSizeBytes: 16 * 1024 * 1024,
        allowedExtensions: ['tif', 'ome.tiff'],
        autoImport: true, // unchanged: the default
      },
    });
    expect(result.errors).toBeUndefined();
    const { data } = await entries({ filter: { kind: 'SETTING' }, sort: { field: 'KEY', direction: 'ASC' } });

    expect(data!.auditEntries.total).toBe(2);
    expect(data!.auditEntries.items.map(({ key, oldValue, newValue }) => ({ key, oldValue, newValue }))).toEqual([
      {
        key: 'allowedExtensions',
        oldValue: JSON.stringify(current.allowedExtensions),
        newValue: '["tif","ome.tiff"]',
      },
      { key: 'chunkSizeBytes', oldValue: String(current.chunkSizeBytes), newValue: String(16 * 1024 * 1024) },
    ]);
  });

  it('records nothing when a change is refused', async () => {
    const refused = await graphql(server.url, adminToken, UPDATE_SETTINGS, { input: { chunkSizeBytes: 5 } });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await graphql(
      server.url,
      adminToken,
      'mutation { setFeatureFlag(key: "nope", enabled: true) { key } }',
    );
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await entries()).data!.auditEntries.total).toBe(3);
  });

  it('pages newest first by default, with the total, and filters by key, author and time', async () => {
    await graphql(server.url, adminToken, SET_FLAG, { on: true });
    const all = (await entries()).data!.auditEntries;
    expect(all.total).toBe(4);
    const times = all.items.map((entry) => entry.changedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(all.items[0]).toMatchObject({ key: 'newUploader', oldValue: 'false', newValue: 'true' });

    const second = (await entries({ page: { limit: 1, offset: 1 } })).data!.auditEntries;
    expect(second.total).toBe(4);
    expect(second.items).toEqual([all.items[1]]);

    expect((await entries({ filter: { key: 'chunkSizeBytes' } })).data!.auditEntries.total).toBe(1);
    expect((await entries({ filter: { changedBy: adminId } })).data!.auditEntries.total).toBe(4);
    expect((await entries({ filter: { changedBy: user.id } })).data!.auditEntries.total).toBe(0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await entries({ filter: { changedFrom: future } })).data!.auditEntries.total).toBe(0);
    expect((await entries({ filter: { changedTo: future } })).data!.auditEntries.total).toBe(4);
  });

  it('refuses a page out of bounds and a backwards date range with a message saying what is allowed', async () => {
    const big = await entries({ page: { limit: 501, offset: 0 } });
    expect(big.errors?.[0]).toMatchObject({
      message: expect.stringContaining('page.limit must be between 1 and 500'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const backwards = await entries({
      filter: { changedFrom: '2026-02-01T00:00:00Z', changedTo: '2026-01-01T00:00:00Z' },
    });
    expect(backwards.errors?.[0]).toMatchObject({
      message: 'changedFrom and changedTo: the start must not be after the end.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('changes nothing when its entry cannot be written: the two share one transaction', async () => {
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      // A fault in the audit alone: the table refuses new entries for this flag (NOT VALID: the old stay).
      await db.query(`ALTER TABLE config_audit ADD CONSTRAINT refuse_for_test CHECK (key <> 'newUploader') NOT VALID`);
      const failed = await graphql(server.url, adminToken, SET_FLAG, { on: false });
      expect(failed.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const flags = await graphql<{ featureFlags: { key: string; enabled: boolean }[] }>(
        server.url,
        adminToken,
        '{ featureFlags { key enabled } }',
      );
      expect(flags.data!.featureFlags.find((flag) => flag.key === 'newUploader')?.enabled).toBe(true);
      const stored = await db.query(`SELECT enabled FROM feature_flags WHERE key = 'newUploader'`);
      expect(stored.rows).toEqual([{ enabled: true }]);
    } finally {
      await db.query('ALTER TABLE config_audit DROP CONSTRAINT IF EXISTS refuse_for_test');
      await db.end();
    }
  });

  it('is for administrators only: anyone else is FORBIDDEN', async () => {
    const result = await entries({}, user.token);
    expect(result.data).toBeNull();
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
