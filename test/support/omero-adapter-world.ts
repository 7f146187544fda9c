import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmeroServerGateway, type OmeroServerOptions } from '../../src/omero/adapters/omero.gateway.js';
import {
  OmeroImportError,
  type ImportRequest,
  type OmeroUser,
  type Transfer,
} from '../../src/omero/omero-gateway.port.js';
import { fakeCli } from '../omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from '../omero-double/fake-omero-web.js';
import { InMemoryOmeroWebSessionStore } from './in-memory-omero-sessions.js';

/**
 * The OMERO the adapter's tests run against: the contract double with groups, users, projects,
 * datasets and a screen, and helpers that make a gateway to it, sign in and build requests.
 */

export const SUDO_PASSWORD = 'sudo-secret-7f3a9';
export const ALICE = { name: 'alice', password: 'alice-password' };
export const BOB = { name: 'bob', password: 'bob-password' };

export async function sourceFile(name = 'cells.tif'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'omero-source-')), name);
  await writeFile(path, Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]));
  return path;
}

/** Whether a process runs: a zombie (killed, not yet reaped by its new parent) does not. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

export async function importError(promise: Promise<unknown>): Promise<OmeroImportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OmeroImportError);
  return error as OmeroImportError;
}

export interface OmeroWorld {
  fake: FakeOmeroWeb;
  /** The fake importer every gateway uses unless a test names another. */
  defaultCli: string;
  lab: number;
  imaging: number;
  bobsGroup: number;
  big: number;
  aliceId: number;
  /** Dataset and screen ids by name. */
  ids: Record<string, number>;
  /** What the gateways logged, in order. */
  logged: string[];
}

export async function startOmeroWorld(): Promise<OmeroWorld> {
  const ids: Record<string, number> = {};
  // Through a link in a temporary folder, so that the fake's record file lands there.
  const defaultCli = (await fakeCli()).cliPath;
  const fake = await FakeOmeroWeb.start();
  const lab = fake.addGroup('lab');
  const imaging = fake.addGroup('imaging');
  const bobsGroup = fake.addGroup('bobs-lab');
  const big = fake.addGroup('big');
  const aliceId = fake.addUser({ ...ALICE, groups: [lab, imaging, big] });
  fake.addUser({ ...BOB, groups: [imaging, bobsGroup] });
  fake.addUser({ name: 'root', password: SUDO_PASSWORD, groups: [], admin: true });
  const cells = fake.addProject(lab, 'Cells');
  const tissue = fake.addProject(lab, 'Tissue');
  ids.day1 = fake.addDataset(lab, 'Day 1', { projects: [cells] });
  ids.day2 = fake.addDataset(lab, 'Day 2', { projects: [cells] });
  ids.shared = fake.addDataset(lab, 'Shared', { projects: [cells, tissue] });
  ids.loose = fake.addDataset(lab, 'Loose ends');
  ids.readOnly = fake.addDataset(lab, 'Read only', { owner: 'bob' });
  fake.setCanLink('alice', 'Dataset', ids.readOnly, false);
  ids.scans = fake.addDataset(imaging, 'Scans');
  ids.locked = fake.addDataset(imaging, 'Locked');
  fake.setCanLink('alice', 'Dataset', ids.locked, false);
  ids.bobsDataset = fake.addDataset(bobsGroup, 'Bob only');
  ids.screen = fake.addScreen(imaging, 'Plate screen');
  for (let n = 0; n < 1203; n++) fake.addDataset(big, `Run ${String(n).padStart(4, '0')}`);
  return { fake, defaultCli, lab, imaging, bobsGroup, big, aliceId, ids, logged: [] };
}

/** Gateways to the world, signed-in users and import requests; `world` is read when called. */
export function adapterHelpers(world: () => OmeroWorld) {
  const logger = {
    log: (message: unknown) => world().logged.push(String(message)),
    warn: (message: unknown) => world().logged.push(String(message)),
    debug: (message: unknown) => world().logged.push(String(message)),
  };

  function gateway(overrides: Partial<OmeroServerOptions> = {}, server = world().fake): OmeroServerGateway {
    return new OmeroServerGateway({
      webUrl: server.url,
      host: server.host,
      port: server.blitzPort,
      cliPath: world().defaultCli,
      importMode: 'session',
      sudoUser: 'root',
      sudoPassword: SUDO_PASSWORD,
      requestTimeoutMs: 5000,
      killGraceMs: 300,
      logger,
      sessions: new InMemoryOmeroWebSessionStore(),
      ...overrides,
    });
  }

  /** An import on a fresh OMERO whose server (not OMERO.web) stopped after the sign-in. */
  async function importWhileOmeroIsDown(importMode: 'session' | 'sudo'): Promise<OmeroImportError> {
    const down = await FakeOmeroWeb.start();
    try {
      const group = down.addGroup('g');
      down.addUser({ ...ALICE, groups: [group] });
      down.addUser({ name: 'root', password: SUDO_PASSWORD, groups: [], admin: true });
      const datasetId = down.addDataset(group, 'D');
      const omero = gateway({ importMode }, down);
      const alice = await signedIn(omero);
      await down.stopOmeroServer();
      const target = { type: 'DATASET' as const, id: String(datasetId), groupId: String(group) };
      return await importError(omero.importFile(request(alice, await sourceFile(), target)));
    } finally {
      await down.close();
    }
  }

  async function signedIn(omero: OmeroServerGateway, who = ALICE): Promise<OmeroUser> {
    const signIn = await omero.signIn(who.name, who.password);
    return { id: `app-${who.name}`, username: signIn!.username, sessionKey: signIn!.sessionKey };
  }

  function request(
    user: OmeroUser,
    path: string,
    target: ImportRequest['target'],
    extra: Partial<ImportRequest> = {},
  ): ImportRequest {
    return {
      user,
      path,
      transfer: 'upload_rm' as Transfer,
      target,
      signal: new AbortController().signal,
      timeoutMs: 30_000,
      ...extra,
    };
  }

  const dataset = (name: string, groupId = world().imaging) => ({
    type: 'DATASET' as const,
    id: String(world().ids[name]),
    groupId: String(groupId),
  });

  return { gateway, importWhileOmeroIsDown, signedIn, request, dataset };
}
