import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, createUser, login } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Sign-in throttling with device cookies (OWASP's scheme): failures from elsewhere lock out
 * unknown devices for a username, never the browsers its owner signed in with before.
 */

const LIMITS = {
  LOGIN_MAX_FAILURES_PER_USER: '3',
  LOGIN_MAX_FAILURES_PER_ADDRESS: '6',
  LOGIN_MAX_FAILURES_PER_DEVICE: '3',
  LOGIN_DEVICE_COOKIE_DAYS: '30',
};

describe('sign-in throttling with device cookies', () => {
  let server: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    // TRUST_PROXY lets the tests speak for different client addresses through X-Forwarded-For.
    server = await startTestApp({ env: { ...LIMITS, TRUST_PROXY: 'loopback' } });
    adminToken = await accessToken(server.url);
  });
  afterAll(() => server.close());

  /** Signs in from `address`, presenting `cookie` (a `name=value` pair) if given. */
  async function attempt(username: string, password: string, address: string, cookie?: string) {
    const response = await login(server.url, username, password, {
      'x-forwarded-for': address,
      ...(cookie ? { cookie } : {}),
    });
    return { status: response.status, response, body: (await response.json()) as Record<string, unknown> };
  }

  /** The device cookie a successful sign-in sets, as the `name=value` a browser sends back. */
  async function deviceCookieOf(username: string, password: string, address: string): Promise<string> {
    const signedIn = await attempt(username, password, address);
    expect(signedIn.status).toBe(200);
    const [cookie] = signedIn.response.headers.getSetCookie();
    return cookie.split(';')[0];
  }

  it('sets an HttpOnly, SameSite=Strict device cookie sent only to /api/auth, Secure behind TLS, and none after a failure', async () => {
    const owner = await createUser(server.url, adminToken, 'cookie-owner');

    const signedIn = await attempt('cookie-owner', owner.password, '10.10.0.1');
    const failed = await attempt('cookie-owner', 'wrong-password', '10.10.0.1');

    const cookies = signedIn.response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attributes] = cookies[0].split(';').map((part) => part.trim());
    expect(pair).toMatch(/^omu_device=[\w.-]+$/);
    expect(attributes).toEqual(
      expect.arrayContaining(['Max-Age=2592000', 'Path=/api/auth', 'HttpOnly', 'SameSite=Strict']),
    );
    // Plain HTTP here; over TLS (or behind a trusted TLS proxy) the cookie is also Secure.
    expect(attributes).not.toContain('Secure');
    expect(failed.status).toBe(401);
    expect(failed.response.headers.getSetCookie()).toEqual([]);
    const behindTls = await login(server.url, 'cookie-owner', owner.password, {
      'x-forwarded-for': '10.10.0.2',
      'x-forwarded-proto': 'https',
    });
    expect(
      behindTls.headers
        .getSetCookie()[0]
        .split(';')
        .map((part) => part.trim()),
    ).toContain('Secure');
  });

  it("lets the owner's browser sign in while an attacker's failures lock the username out everywhere else", async () => {
    const owner = await createUser(server.url, adminToken, 'lockout-target');
    const ownersBrowser = await deviceCookieOf('lockout-target', owner.password, '10.11.0.1');

    // The attacker, from several addresses, exhausts the username's budget.
    for (const address of ['10.11.1.1', '10.11.1.2', '10.11.1.3']) {
      expect((await attempt('lockout-target', 'guess', address)).status).toBe(401);
    }
    const attacker = await attempt('lockout-target', 'another-guess', '10.11.1.4');
    const ownerElsewhere = await attempt('lockout-target', owner.password, '10.11.2.1');
    const ownerAtHome = await attempt('lockout-target', owner.password, '10.11.0.1', ownersBrowser);
    const attackerAgain = await attempt('lockout-target', owner.password, '10.11.1.5');

    expect(attacker.status).toBe(429);
    expect(Number(attacker.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(attacker.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/Wait \d+/) });
    // Without a device cookie the owner is an unknown device too (a script: use an API token).
    expect(ownerElsewhere.status).toBe(429);
    expect(ownerAtHome.status).toBe(200);
    expect(ownerAtHome.body.user).toMatchObject({ id: owner.id, username: 'lockout-target' });
    // The owner's success does not give the attacker a fresh budget.
    expect(attackerAgain.status).toBe(429);
  });

  it("counts a device's own failures against that device only", async () => {
    const owner = await createUser(server.url, adminToken, 'clumsy-owner');
    const laptop = await deviceCookieOf('clumsy-owner', owner.password, '10.12.0.1');
    const phone = await deviceCookieOf('clumsy-owner', owner.password, '10.12.0.2');

    for (let n = 0; n < 3; n++) {
      expect((await attempt('clumsy-owner', `typo-${n}`, '10.12.0.1', laptop)).status).toBe(401);
    }
    const laptopAgain = await attempt('clumsy-owner', owner.password, '10.12.0.1', laptop);
    const fromPhone = await attempt('clumsy-owner', owner.password, '10.12.0.2', phone);
    const withoutCookie = await attempt('clumsy-owner', owner.password, '10.12.0.3');

    expect(laptopAgain.status).toBe(429);
    expect(Number(laptopAgain.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(laptopAgain.body).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/^Too many failed sign-in attempts from this browser\. Wait \d+ minutes/),
    });
    expect(fromPhone.status).toBe(200);
    // The laptop's failures were not counted against the username.
    expect(withoutCookie.status).toBe(200);
  });

  it("gives a forged cookie, or one another username earned, no budget of the victim's own", async () => {
    const victim = await createUser(server.url, adminToken, 'guarded-user');
    const mallory = await createUser(server.url, adminToken, 'mallory');
    const victimsBrowser = await deviceCookieOf('guarded-user', victim.password, '10.13.0.1');
    const mallorysCookie = await deviceCookieOf('mallory', mallory.password, '10.13.9.1');
    const [name, value] = victimsBrowser.split('=');
    const parts = value.split('.');
    const forged = [
      // Another signature.
      `${name}=${[...parts.slice(0, 4), Buffer.from('forged').toString('base64url')].join('.')}`,
      // The victim's name put into mallory's cookie.
      `${name}=${[mallorysCookie.split('=')[1].split('.')[0], parts[1], ...mallorysCookie.split('=')[1].split('.').slice(2)].join('.')}`,
      mallorysCookie,
      'omu_device=garbage',
    ];

    // Each failure with a cookie that is not the victim's counts against the username.
    for (const cookie of forged.slice(0, 3)) {
      expect((await attempt('guarded-user', 'guess', '10.13.9.1', cookie)).status).toBe(401);
    }
    const answers = [];
    for (const cookie of forged)
      answers.push((await attempt('guarded-user', victim.password, '10.13.9.2', cookie)).status);

    expect(answers).toEqual([429, 429, 429, 429]);
    expect((await attempt('guarded-user', victim.password, '10.13.0.1', victimsBrowser)).status).toBe(200);
  });

  it('still limits failures per client address, whatever cookie the guesses carry', async () => {
    const owner = await createUser(server.url, adminToken, 'address-owner');
    const ownersBrowser = await deviceCookieOf('address-owner', owner.password, '10.14.0.1');
    const guesser = await createUser(server.url, adminToken, 'address-guesser');
    const guessersCookie = await deviceCookieOf('address-guesser', guesser.password, '10.14.9.9');

    // Six usernames from one address, each with a cookie that is not theirs.
    for (let n = 0; n < 6; n++) {
      expect((await attempt(`someone-${n}`, 'guess', '10.14.9.9', guessersCookie)).status).toBe(401);
    }
    const seventh = await attempt('address-owner', owner.password, '10.14.9.9');
    const ownerFromThere = await attempt('address-owner', owner.password, '10.14.9.9', ownersBrowser);

    expect(seventh.status).toBe(429);
    // A browser that signed in as this username before is not held back by its neighbours.
    expect(ownerFromThere.status).toBe(200);
  });
});
