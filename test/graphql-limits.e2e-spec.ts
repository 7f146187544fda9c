import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { accessToken, graphql, wsClient, wsExecute } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** `{ a0: me { id } a1: me { id } … }` */
const aliases = (count: number, field = 'me { id }') =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** `{ me { me { … { id } } } }`, `levels` selections deep. */
const nested = (levels: number) => '{ me '.repeat(levels - 1) + '{ id }' + ' }'.repeat(levels - 1);

const codeOf = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

describe('GraphQL limits', () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    token = await accessToken(server.url);
  });
  afterAll(() => server.close());

  describe('anonymous callers', () => {
    it('are refused before their document is parsed or validated', async () => {
      // A document that does not parse, one that does not validate, and a flood of aliases all
      // get the same answer: the server never looked at them.
      for (const query of ['{ me {', '{ notAField }', aliases(2_000)]) {
        const result = await graphql(server.url, undefined, query);
        expect(result.status).toBe(200);
        expect(result.data).toBeUndefined();
        expect(result.errors).toEqual([
          { message: expect.stringContaining('Authorization: Bearer'), extensions: { code: 'UNAUTHENTICATED' } },
        ]);
      }
    });

    it('are refused with a token that does not hold, saying why', async () => {
      const result = await graphql(server.url, 'not-a-token', '{ me {');
      expect(result.errors?.[0]).toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringContaining('not valid'),
      });
    });
  });

  describe('signed-in callers', () => {
    it('may use up to 50 aliases, and are told the count and the limit beyond', async () => {
      expect((await graphql(server.url, token, aliases(50))).errors).toBeUndefined();
      const refused = await graphql(server.url, token, aliases(51, 'uploads { id }'));
      expect(refused.status).toBe(400);
      expect(refused.data).toBeUndefined();
      expect(refused.errors).toEqual([
        {
          message: 'This query asks for 51 aliases; at most 50 are allowed.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    });

    it('counts the aliases of a fragment wherever it is spread', async () => {
      const fragment = `fragment Many on Query { ${Array.from({ length: 30 }, (_, i) => `f${i}: me { id }`).join(' ')} }`;
      const result = await graphql(
        server.url,
        token,
        `
          {
            ...Many
            first: me {
              ...Inner
            }
          }
          fragment Inner on User {
            ...Twice
          }
          fragment Twice on User {
            id
          }
          ${fragment}
          query Other {
            ...Many
          }
        `,
      );
      expect(result.errors?.[0]).toEqual({
        message: 'This query asks for 61 aliases; at most 50 are allowed.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('are refused a query nested deeper than 10 levels, before validation', async () => {
      // `me { me { … } }` does not exist in the schema: the depth is refused before validation says so.
      const result = await graphql(server.url, token, nested(11));
      expect(result.errors).toEqual([
        {
          message: 'This query is nested 11 levels deep; at most 10 are allowed.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(codeOf(await graphql(server.url, token, nested(10)))).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('are refused a query whose lists could return more than 10,000 fields, counting page sizes', async () => {
      const fields = 'id status fileName targetType groupId attempts createdAt error';
      const allowed = await graphql(server.url, token, `{ importJobs(limit: 500) { ${fields} } }`);
      expect(allowed.errors).toBeUndefined();
      const refused = await graphql(server.url, token, `query($n: Int!) { importJobs(limit: $n) { ${fields} } }`, {
        n: 2_000,
      });
      expect(refused.errors).toEqual([
        {
          message: expect.stringMatching(/^This query could return 16001 fields; at most 10000 are allowed\./),
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      // Lists without a page size count as 100 items: 201 fields for each of 50 aliases of uploads.
      const wide = `{ ${Array.from({ length: 50 }, (_, i) => `u${i}: uploads { id name }`).join(' ')} }`;
      expect(codeOf(await graphql(server.url, token, wide))).toBe('BAD_USER_INPUT');
    });

    it('count a page-size variable that was not sent by its declared default, else the argument default', async () => {
      const fields = 'id status fileName targetType groupId attempts createdAt error';
      // 2,000 items × 8 fields: the declared default is what the resolver would get.
      const declared = await graphql(
        server.url,
        token,
        `query($n: Int = 2000) { importJobs(limit: $n) { ${fields} } }`,
      );
      expect(declared.errors?.[0]?.message).toMatch(/^This query could return 16001 fields/);
      // Not sent and no declared default: the argument's default page of 50 applies.
      const fallback = await graphql(server.url, token, `query($n: Int) { importJobs(limit: $n) { ${fields} } }`);
      expect(fallback.errors).toBeUndefined();
    });

    it('refuse a request that carries no query text (persisted queries are off)', async () => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
          variables: { n: 100_000 },
        }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[]; data?: unknown };
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions?.code).toBeDefined();
      expect(body.errors?.[0]?.extensions?.code).not.toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('are refused a document of more than 5,000 tokens without it being parsed in full', async () => {
      const result = await graphql(server.url, token, `{ me { ${'id '.repeat(5_000)}} }`);
      expect(result.errors).toEqual([
        {
          message: 'This query has more than 5000 tokens; at most 5000 are allowed. Split it into smaller queries.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    });

    it('get the same limits over WebSocket', async () => {
      const { client } = wsClient(server.url, { authorization: `Bearer ${token}` });
      await expect(wsExecute(client, aliases(51))).rejects.toEqual([
        expect.objectContaining({
          message: 'This query asks for 51 aliases; at most 50 are allowed.',
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
      expect((await wsExecute(client, aliases(3))).data).toBeTruthy();
      await client.dispose();
    });
  });

  describe('WebSocket messages', () => {
    const open = () => {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      return { socket, closed, opened: new Promise((resolve) => socket.once('open', resolve)) };
    };

    it('closes the socket (1009) on a message over 256 KiB, even before connection_init is accepted', async () => {
      const { socket, closed, opened } = open();
      await opened;
      const padding = 'x'.repeat(300 * 1024);
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding } }));
      expect(await closed).toBe(1009);
      await waitFor(
        () => server.logs.find((line) => line.event === 'websocket_refused'),
        (line) => line?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
      );
    });

    it('accepts a message just under the cap', async () => {
      const { client } = wsClient(server.url, { authorization: `Bearer ${token}`, padding: 'x'.repeat(200 * 1024) });
      expect((await wsExecute(client, '{ me { id } }')).data).toBeTruthy();
      await client.dispose();
    });

    it('closes a socket that never sends connection_init (4408)', async () => {
      const { closed } = open();
      expect(await closed).toBe(4408);
    });
  });

  describe('request logs', () => {
    it('name /graphql and the operation of each GraphQL request', async () => {
      await graphql(server.url, token, 'query WhoAmI { me { id } }');
      await graphql(server.url, token, 'query First { me { id } } query Second { me { username } }', undefined);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'query First { me { id } } query Second { me { username } }',
          operationName: 'Second',
        }),
      });
      expect(response.status).toBe(200);
      await graphql(server.url, undefined, 'query Sneaky { me { id } }');
      const lines = await waitFor(
        () =>
          server.logs.filter(
            (line) => line.msg === 'request completed' && (line.req as { url: string }).url === '/graphql',
          ),
        (found) => found.some((line) => line.operationName === 'Sneaky'),
      );
      const names = lines.map((line) => line.operationName);
      expect(names).toEqual(expect.arrayContaining(['WhoAmI', 'First', 'Second', 'Sneaky']));
      expect(server.logs.filter((line) => (line.req as { url?: string } | undefined)?.url === '/')).toEqual([]);
    });
  });
});

describe('GraphQL in production', () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({ env: { NODE_ENV: 'production' } });
    token = await accessToken(server.url);
  });
  afterAll(() => server.close());

  const INTROSPECTION = '{ __schema { types { name } } }';

  it('gives anonymous callers neither introspection nor "Did you mean" hints', async () => {
    for (const query of [INTROSPECTION, '{ mee { id } }']) {
      const result = await graphql(server.url, undefined, query);
      expect(result.data).toBeUndefined();
      expect(codeOf(result)).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(result)).not.toMatch(/Did you mean|__schema|Query/);
    }
  });

  it('gives signed-in callers no introspection and no hints either, over HTTP and WebSocket', async () => {
    const introspection = await graphql(server.url, token, INTROSPECTION);
    expect(introspection.data).toBeUndefined();
    expect(codeOf(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await graphql(server.url, token, '{ mee { id } }');
    expect(codeOf(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(typo)).not.toContain('Did you mean');

    const { client } = wsClient(server.url, { authorization: `Bearer ${token}` });
    await expect(wsExecute(client, INTROSPECTION)).rejects.toBeDefined();
    const refused = await wsExecute(client, '{ mee { id } }').catch((errors: unknown) => errors);
    expect(JSON.stringify(refused)).toContain('Cannot query field');
    expect(JSON.stringify(refused)).not.toContain('Did you mean');
    await client.dispose();
  });
});
