import { afterAll, beforeAll } from '@jest/globals';
import pg from 'pg';
import { Environment } from '../../src/environment/environment.js';
import { accessToken, createUser } from './clients.js';
import { startTestApp, type TestApp } from './test-app.js';
import { TusClient } from './tus.js';

/*
 * The world of the uploads tests: an app, its administrator, one uploading user with a tus
 * client, and a connection to the app's database. Set by `useUploadsApp()` in a file's
 * outer describe; read through these (live) bindings, one set per test file.
 */
export let server: TestApp;
export let adminToken: string;
export let user: { id: string; token: string };
export let tus: TusClient;
export let db: pg.Client;
export let dataDir: string;

/** Starts the app before the describe's tests and closes it after them. */
export function useUploadsApp(): void {
  beforeAll(async () => {
    server = await startTestApp();
    dataDir = server.app.get(Environment).dataDir;
    adminToken = await accessToken(server.url);
    user = await createUser(server.url, adminToken, 'uploader');
    tus = new TusClient(server.url, user.token);
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await server.close();
  });
}
