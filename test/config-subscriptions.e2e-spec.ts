import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { accessToken, createUser, graphql, wsClient } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** Collects what a subscription sends. */
function collect<T>(client: Client, query: string, variables?: Record<string, unknown>) {
  const received: T[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => received.push(value.data as T),
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return { received, errors, stop };
}

/**
 * Open pages follow an administrator's switches without a reload: the flag that replaces the
 * uploader with the in-place importer, and the settings (size limit, extensions, chunk size)
 * that Uppy's restrictions come from. The admin acts on one instance, the user listens on another.
 */
describe('featureFlagChanged and uploaderSettingsChanged', () => {
  let first: TestApp;
  let second: TestApp;
  let adminToken: string;
  let userToken: string;

  const admin = (query: string, variables?: Record<string, unknown>) =>
    graphql(first.url, adminToken, query, variables);
  const setFlag = (enabled: boolean) =>
    admin('mutation($e: Boolean!) { setFeatureFlag(key: "newUploader", enabled: $e) { enabled } }', { e: enabled });

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ databaseUrl: first.databaseUrl });
    adminToken = await accessToken(first.url);
    userToken = (await createUser(first.url, adminToken, 'scientist')).token;
  });
  afterAll(async () => {
    await setFlag(true);
    await first.close();
    await second.close();
  });

  it("brings an admin's setFeatureFlag to a plain user's subscription on another instance", async () => {
    const { client } = wsClient(second.url, { authorization: `Bearer ${userToken}` });
    const all = collect<{ featureFlagChanged: { key: string; enabled: boolean } }>(
      client,
      'subscription { featureFlagChanged { key enabled description updatedAt } }',
    );
    const onlyOther = collect(client, 'subscription { featureFlagChanged(key: "noSuchFlag") { key } }');
    try {
      // The subscription is live once an event arrives: switch until one does (no fixed wait).
      await waitFor(
        async () => (await setFlag(false), all.received.length),
        (count) => count > 0,
        10_000,
        200,
      );
      expect(all.received.at(-1)!.featureFlagChanged).toMatchObject({ key: 'newUploader', enabled: false });
      await setFlag(true);
      await waitFor(
        () => all.received.at(-1)!.featureFlagChanged.enabled,
        (enabled) => enabled,
        10_000,
      );
      expect(all.errors).toEqual([]);
      expect(onlyOther.received).toEqual([]);
    } finally {
      all.stop();
      onlyOther.stop();
      await client.dispose();
    }
  });

  it('sends the new uploader settings to every signed-in user', async () => {
    const { client } = wsClient(second.url, { authorization: `Bearer ${userToken}` });
    const changes = collect<{ uploaderSettingsChanged: { maxFileSizeBytes: number; allowedExtensions: string[] } }>(
      client,
      'subscription { uploaderSettingsChanged { maxFileSizeBytes allowedExtensions chunkSizeBytes } }',
    );
    try {
      let limit = 5_000_000;
      await waitFor(
        async () => {
          limit += 1;
          await admin(
            'mutation($m: Float!) { updateUploaderSettings(input: { maxFileSizeBytes: $m }) { maxFileSizeBytes } }',
            {
              m: limit,
            },
          );
          return changes.received.length;
        },
        (count) => count > 0,
        10_000,
        200,
      );
      const last = await waitFor(
        () => changes.received.at(-1)!.uploaderSettingsChanged,
        (settings) => settings.maxFileSizeBytes === limit,
        10_000,
      );
      expect(last.allowedExtensions).toContain('tif');
    } finally {
      changes.stop();
      await client.dispose();
    }
  });

  it('refuses the subscriptions to a socket without credentials', async () => {
    const { client, closed } = wsClient(second.url);
    await waitFor(
      () => closed.code,
      (code) => code !== undefined,
      5000,
      20,
    );
    expect(closed.code).toBe(4401);
    await client.dispose();
  });

  it('says plainly that the in-place importer is not set up when IMPORT_ROOT is unset', async () => {
    const result = await graphql(second.url, userToken, '{ serverFiles { path } }');
    expect(result.errors?.[0]).toMatchObject({
      message: 'The in-place importer is not set up here: ask an administrator to set IMPORT_ROOT.',
      extensions: { code: 'NOT_FOUND' },
    });
  });
});
