// Sign-in abuse: an attacker guessing a password must not lock its owner out of a browser they
// signed in with before, and must stay as slow as the per-username and per-address limits say.
import { expect } from '../harness.mjs';

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
];
