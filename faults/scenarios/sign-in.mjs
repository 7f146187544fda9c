// Sign-in abuse: an attacker guessing a password must not lock its owner out of a browser they
// signed in with before, and must stay as slow as the per-username and per-address limits say.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, graphql, ROOT } from '../harness.mjs';

/** POST /api/auth/login; resolves with the status, Retry-After and any device cookie set. */
async function signIn(url, username, password, cookie) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ username, password }),
  });
  await response.arrayBuffer();
  const [setCookie] = response.headers.getSetCookie();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    cookie: setCookie?.split(';')[0],
  };
}

/**
 * The tests' contract double of OMERO (test/omero-double/), started in this process: its
 * TypeScript is turned into JavaScript with the compiler the project builds with.
 */
async function withOmeroDouble(work) {
  const { default: ts } = await import('typescript');
  const doubles = join(ROOT, 'test', 'omero-double');
  const folder = mkdtempSync(join(tmpdir(), 'omero-double-'));
  let fake;
  try {
    // Every module of the double, as the ES modules its `./x.js` imports name.
    writeFileSync(join(folder, 'package.json'), '{"type":"module"}');
    for (const file of readdirSync(doubles).filter((name) => name.endsWith('.ts'))) {
      const { outputText } = ts.transpileModule(readFileSync(join(doubles, file), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(folder, file.replace(/\.ts$/, '.js')), outputText);
    }
    const { FakeOmeroWeb } = await import(pathToFileURL(join(folder, 'fake-omero-web.js')).href);
    fake = await FakeOmeroWeb.start();
    return await work(fake);
  } finally {
    await fake?.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Signs in and answers the access token and the account, or throws what was answered. */
async function accountOf(url, username, password) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  expect(response.status === 200, `${username} could not sign in: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export const scenarios = [
  {
    name: "a lock-out attempt: 60 wrong passwords for the administrator do not lock the owner's browser out",
    async run(harness) {
      const app = await harness.startApp();
      const { username, password } = app.prepared.credentials;

      const first = await signIn(app.url, username, password);
      expect(first.status === 200 && first.cookie, `the owner's first sign-in answered ${first.status}`);

      // From the same address as the owner, so the per-address limit (30) is exhausted too.
      const attacker = [];
      for (let n = 0; n < 60; n++) attacker.push((await signIn(app.url, username, `guess-${n}`)).status);
      const failures = attacker.filter((status) => status === 401).length;
      const refused = attacker.filter((status) => status === 429).length;
      expect(failures <= 5, `the attacker got ${failures} password checks, more than the 5 per username`);
      expect(refused === 60 - failures, `unexpected answers to the attacker: ${[...new Set(attacker)]}`);

      const owner = await signIn(app.url, username, password, first.cookie);
      expect(owner.status === 200, `the owner's browser was answered ${owner.status}`);
      const rightPasswordNoCookie = await signIn(app.url, username, password);
      expect(
        rightPasswordNoCookie.status === 429 && Number(rightPasswordNoCookie.retryAfter) > 0,
        `the right password without the device cookie was answered ${rightPasswordNoCookie.status}`,
      );
      const attackerAgain = await signIn(app.url, username, 'one-more-guess');
      expect(attackerAgain.status === 429, `the attacker's next guess was answered ${attackerAgain.status}`);
      return (
        `attacker: ${failures} × 401 then ${refused} × 429 (Retry-After ${rightPasswordNoCookie.retryAfter} s); ` +
        `owner with device cookie: ${owner.status}; right password without it: ${rightPasswordNoCookie.status}`
      );
    },
  },
  {
    name: 'case twins: OMERO users "Alice" and "alice" get two accounts, each with its own groups and tokens',
    async run(harness) {
      return withOmeroDouble(async (fake) => {
        const optics = fake.addGroup('optics');
        const lab = fake.addGroup('lab');
        fake.addUser({ name: 'Alice', password: 'upper-password', groups: [optics] });
        fake.addUser({ name: 'alice', password: 'lower-password', groups: [lab] });
        const cli = join(ROOT, 'test', 'omero-double', 'fake-omero-cli.mjs');
        const app = await harness.startApp({ env: fake.appEnv(cli) });

        const upper = await accountOf(app.url, 'Alice', 'upper-password');
        const lower = await accountOf(app.url, 'alice', 'lower-password');
        expect(upper.user.id !== lower.user.id, 'both signed in to one account');
        const groupsOf = async (token) =>
          (await graphql(app.url, '{ groups { name } }', { token })).body.data?.groups.map((group) => group.name);
        const [upperGroups, lowerGroups] = [await groupsOf(upper.accessToken), await groupsOf(lower.accessToken)];
        expect(
          JSON.stringify(upperGroups) === '["optics"]' && JSON.stringify(lowerGroups) === '["lab"]',
          `groups: Alice ${JSON.stringify(upperGroups)}, alice ${JSON.stringify(lowerGroups)}`,
        );
        await graphql(app.url, 'mutation { createApiToken(name: "upper") { token } }', { token: upper.accessToken });
        const lowerTokens = await graphql(app.url, '{ apiTokens { name } }', { token: lower.accessToken });
        expect(
          JSON.stringify(lowerTokens.body.data) === '{"apiTokens":[]}',
          `alice sees ${JSON.stringify(lowerTokens.body)}`,
        );
        return `two accounts; groups Alice ${upperGroups}, alice ${lowerGroups}; alice sees none of Alice's API tokens`;
      });
    },
  },
];
