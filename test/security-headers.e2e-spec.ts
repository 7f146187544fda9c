import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { accessToken } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { raw, tiffLike, TUS, tusJsUpload, type RawResponse } from './support/tus.js';

/**
 * The headers a security review expects on every kind of answer, CORS limited to the configured
 * origins where credentials matter, and the errors Node answers itself readable by browsers.
 */

const ALLOWED = 'https://uploader.example.org';
const STRANGER = 'https://evil.example.com';

/** Sends `text` on a raw TCP connection and returns everything the server answers. */
function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
    socket.write(text);
  });
}

function parseRawAnswer(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

function expectSecurityHeaders(response: RawResponse, where: string) {
  const headers = response.headers;
  expect({ where, nosniff: headers['x-content-type-options'] }).toEqual({ where, nosniff: 'nosniff' });
  const csp = String(headers['content-security-policy']);
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
  ]) {
    expect({ where, csp }).toEqual({ where, csp: expect.stringContaining(directive) });
  }
  expect({ where, referrer: headers['referrer-policy'], frames: headers['x-frame-options'] }).toEqual({
    where,
    referrer: 'no-referrer',
    frames: 'DENY',
  });
  // Plain http: no HSTS.
  expect({ where, hsts: headers['strict-transport-security'] }).toEqual({ where, hsts: undefined });
  expect(headers['x-powered-by']).toBeUndefined();
}

describe('security headers and CORS', () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({
      env: { CORS_ORIGINS: `${ALLOWED}, https://admin.example.org`, TRUST_PROXY: 'loopback' },
    });
    token = await accessToken(server.url);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** A browser's CORS preflight. */
  const preflight = (path: string, origin: string, method: string, headers: string) =>
    raw(`${server.url}${path}`, 'OPTIONS', {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': headers,
    });

  it('sends them on health, GraphQL, tus answers, 404s, the web page and errors', async () => {
    const json = { 'content-type': 'application/json' };
    const answers: [string, RawResponse][] = [
      ['health', await raw(`${server.url}/api/health`, 'GET', {})],
      ['graphql', await raw(`${server.url}/graphql`, 'POST', json, Buffer.from('{"query":"{ __typename }"}'))],
      ['graphql error', await raw(`${server.url}/graphql`, 'POST', json, Buffer.from('{"query":"{ me { id } }"}'))],
      ['tus options', await raw(`${server.url}/api/uploads`, 'OPTIONS', TUS)],
      ['tus 401', await raw(`${server.url}/api/uploads`, 'POST', { ...TUS, 'Upload-Length': '10' })],
      [
        'tus created',
        await raw(`${server.url}/api/uploads`, 'POST', {
          ...TUS,
          authorization: `Bearer ${token}`,
          'Upload-Length': '100',
          'Upload-Metadata': `filename ${Buffer.from('a.tif').toString('base64')}`,
        }),
      ],
      [
        'tus 404',
        await raw(`${server.url}/api/uploads/00000000-0000-4000-8000-000000000000`, 'HEAD', {
          ...TUS,
          authorization: `Bearer ${token}`,
        }),
      ],
      // Any other path is the web app's page (client-side routes); under /api it is a 404.
      ['404', await raw(`${server.url}/api/no/such/page`, 'GET', {})],
      ['web page', await raw(`${server.url}/uploads/no/such/page`, 'GET', {})],
      ['bad json', await raw(`${server.url}/api/auth/login`, 'POST', json, Buffer.from('{"username":'))],
      [
        'wrong password',
        await raw(`${server.url}/api/auth/login`, 'POST', json, Buffer.from('{"username":"admin","password":"wrong"}')),
      ],
    ];
    expect(answers.map(([where, response]) => [where, response.status])).toEqual([
      ['health', 200],
      ['graphql', 200],
      ['graphql error', 200],
      ['tus options', 204],
      ['tus 401', 401],
      ['tus created', 201],
      ['tus 404', 404],
      ['404', 404],
      ['web page', 200],
      ['bad json', 400],
      ['wrong password', 401],
    ]);
    for (const [where, response] of answers) expectSecurityHeaders(response, where);
    // Helmet leaves the tus protocol headers alone.
    const created = answers.find(([where]) => where === 'tus created')![1];
    expect(created.headers['tus-resumable']).toBe('1.0.0');
    expect(created.headers.location).toMatch(/^\/api\/uploads\/[0-9a-f-]{36}$/);
  });

  it('sends HSTS only when the request came over TLS through a trusted proxy', async () => {
    const overTls = await raw(`${server.url}/api/health`, 'GET', { 'X-Forwarded-Proto': 'https' });
    const plain = await raw(`${server.url}/api/health`, 'GET', { 'X-Forwarded-Proto': 'http' });

    expect(overTls.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('lets only CORS_ORIGINS call sign-in from a browser, with credentials', async () => {
    const signIn = (origin: string) =>
      raw(
        `${server.url}/api/auth/login`,
        'POST',
        { Origin: origin, 'content-type': 'application/json' },
        Buffer.from('{"username":"admin","password":"wrong"}'),
      );

    const allowed = await preflight('/api/auth/login', ALLOWED, 'POST', 'content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': expect.stringContaining('POST'),
      'access-control-allow-headers': expect.stringMatching(/content-type/i),
    });
    expect((await signIn(ALLOWED)).headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-credentials': 'true',
      vary: expect.stringContaining('Origin'),
    });

    const refused = await preflight('/api/auth/login', STRANGER, 'POST', 'content-type');
    const answer = await signIn(STRANGER);
    for (const response of [refused, answer]) {
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('lets any origin use the bearer-token routes, without credentials: GraphQL and tus', async () => {
    const graphqlPreflight = await preflight('/graphql', STRANGER, 'POST', 'authorization,content-type');
    expect(graphqlPreflight.status).toBe(204);
    expect(graphqlPreflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-headers': expect.stringMatching(/Authorization.*Content-Type/),
    });
    expect(graphqlPreflight.headers['access-control-allow-credentials']).toBeUndefined();

    const tusPreflight = await preflight(
      '/api/uploads',
      STRANGER,
      'PATCH',
      'authorization,tus-resumable,upload-offset,content-type',
    );
    expect(tusPreflight.status).toBe(204);
    expect(tusPreflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': expect.stringContaining('PATCH'),
      'access-control-allow-headers': expect.stringMatching(/Upload-Offset/i),
    });
    expect(tusPreflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);

    // A whole upload with the real client, headers from another origin included.
    const data = tiffLike(40_000);
    const id = await tusJsUpload(server.url, token, data, 'cors.tif', {
      headers: { authorization: `Bearer ${token}`, Origin: STRANGER },
    });
    const head = await raw(`${server.url}/api/uploads/${id}`, 'HEAD', {
      ...TUS,
      authorization: `Bearer ${token}`,
      Origin: STRANGER,
    });
    expect(head.headers).toMatchObject({
      'upload-offset': String(data.length),
      'access-control-allow-origin': '*',
      'access-control-expose-headers': expect.stringMatching(/Upload-Offset/),
    });
  });

  it('answers oversized headers with a 431 a browser script can read', async () => {
    const answer = await rawExchange(
      server.url,
      `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ALLOWED}\r\nUpload-Metadata: filename ${'A'.repeat(20 * 1024)}\r\n\r\n`,
    );
    const parsed = parseRawAnswer(answer);

    expect(parsed.status).toBe(431);
    expect(parsed.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
    expect(parsed.body).toEqual({
      statusCode: 431,
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/request headers are too large/),
    });
    // The server goes on answering.
    expect((await raw(`${server.url}/api/health`, 'GET', {})).status).toBe(200);
  });

  it('answers a malformed request with a readable 400', async () => {
    const parsed = parseRawAnswer(await rawExchange(server.url, 'GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n'));

    expect(parsed.status).toBe(400);
    expect(parsed.headers['access-control-allow-origin']).toBe('*');
    expect(parsed.body).toMatchObject({
      statusCode: 400,
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/not valid HTTP/),
    });
  });
});
