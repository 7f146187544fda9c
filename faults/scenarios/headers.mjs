// What a browser and a user see from outside: security headers on every kind of answer, an
// oversized request answered with a readable error, and a failed import explained without the
// server's insides.
import { connect } from 'node:net';
import { expect, waitFor } from '../harness.mjs';

/** Sends `text` on a raw TCP connection; resolves with status, headers and body of the answer. */
function rawExchange(url, text) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => {
      const [head, body] = Buffer.concat(chunks).toString().split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

/** What no message for users may hold: URLs, host:port, absolute paths, command lines. */
function internals(text, forbidden) {
  const patterns = [
    /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi,
    /\b(?:\d{1,3}(?:\.\d{1,3}){3}|localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+):\d{1,5}\b/gi,
    /(?:^|[\s"'(=:])\/(?:[\w.@-]+\/)+[\w.@-]*/g,
    /\bomero\s+(?:import|sessions)\b/g,
  ];
  return [
    ...patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[0].trim())),
    ...forbidden.filter((word) => text.includes(word)),
  ];
}

/** The headers every answer must carry; returns what is missing. */
function missingHeaders(headers) {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
  const missing = [];
  if (get('x-content-type-options') !== 'nosniff') missing.push('nosniff');
  const csp = get('content-security-policy') ?? '';
  for (const directive of ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
    if (!csp.includes(directive)) missing.push(directive);
  }
  if (!get('referrer-policy')) missing.push('referrer-policy');
  if (get('x-frame-options') !== 'DENY') missing.push('x-frame-options');
  if (get('strict-transport-security')) missing.push('(HSTS on plain http)');
  return missing;
}

/** A TIFF header whose directory lies past the end of the file, as in a copy cut short. */
function truncatedTiff() {
  const bytes = Buffer.alloc(4008, 7);
  bytes.write('II*\0', 'latin1');
  bytes.writeUInt32LE(1_000_000, 4);
  return bytes;
}

export const scenarios = [
  {
    name: 'oversized request headers are answered 431 with a JSON body a browser can read',
    async run(harness) {
      const app = await harness.startApp();
      const answer = await rawExchange(
        app.url,
        `POST /api/uploads HTTP/1.1\r\nHost: x\r\nOrigin: https://elsewhere.example\r\nUpload-Metadata: filename ${'A'.repeat(20 * 1024)}\r\n\r\n`,
      );
      expect(answer.status === 431, `answered ${answer.status}`);
      const body = JSON.parse(answer.body);
      expect(body.statusCode === 431 && body.code && body.message, `body ${answer.body}`);
      expect(answer.headers['access-control-allow-origin'] === '*', 'no Access-Control-Allow-Origin');
      const health = await fetch(`${app.url}/api/health`);
      expect(health.status === 200, `health answered ${health.status} afterwards`);
      return `431 ${JSON.stringify(body.message)}`;
    },
  },
  {
    name: 'security headers are on every kind of answer',
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const json = { 'content-type': 'application/json' };
      const tus = { 'tus-resumable': '1.0.0' };
      const answers = {
        health: await fetch(`${app.url}/api/health`),
        graphql: await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: json,
          body: '{"query":"{ __typename }"}',
        }),
        'graphql error': await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: json,
          body: '{"query":"{ me { id } }"}',
        }),
        'tus preflight': await fetch(`${app.url}/api/uploads`, {
          method: 'OPTIONS',
          headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
        }),
        'tus 401': await fetch(`${app.url}/api/uploads`, { method: 'POST', headers: { ...tus, 'upload-length': '5' } }),
        'tus create': await fetch(`${app.url}/api/uploads`, {
          method: 'POST',
          headers: {
            ...tus,
            authorization: `Bearer ${token}`,
            'upload-length': '5',
            'upload-metadata': `filename ${btoa('a.tif')}`,
          },
        }),
        'unknown page': await fetch(`${app.url}/no/such/page`),
        'bad body': await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: json, body: '{' }),
      };
      const problems = Object.entries(answers)
        .map(([where, response]) => [where, missingHeaders(response.headers)])
        .filter(([, missing]) => missing.length > 0);
      expect(problems.length === 0, `missing: ${JSON.stringify(problems)}`);
      return Object.entries(answers)
        .map(([where, response]) => `${where} ${response.status}`)
        .join(', ');
    },
  },
  {
    name: "a failing import's error shows users no internals; administrators get the importer's log",
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const groups = await app.gql('{ groups { id } }', { token });
      const groupId = groups.body.data.groups[0].id;
      const targets = await app.gql('query($g: ID!) { importTargets(groupId: $g) { id } }', {
        token,
        variables: { g: groupId },
      });
      const targetId = targets.body.data.importTargets[0].id;
      const bytes = truncatedTiff();
      const created = await fetch(`${app.url}/api/uploads`, {
        method: 'POST',
        headers: {
          'tus-resumable': '1.0.0',
          authorization: `Bearer ${token}`,
          'upload-length': String(bytes.length),
          'upload-metadata': `filename ${btoa('cut-short.tif')}`,
          'content-type': 'application/offset+octet-stream',
        },
        body: bytes,
      });
      expect(created.status === 201, `upload answered ${created.status}`);
      const uploadId = created.headers.get('location').split('/').pop();
      const queued = await app.gql('mutation($i: ImportUploadInput!) { importUpload(input: $i) { id } }', {
        token,
        variables: { i: { uploadId, targetType: 'DATASET', targetId, groupId } },
      });
      const jobId = queued.body.data?.importUpload.id;
      expect(jobId, `importUpload: ${JSON.stringify(queued.body)}`);
      const job = await waitFor(
        async () => {
          const answer = await app.gql(
            'query($id: ID!) { importJob(id: $id) { status errorCode error importerLog } }',
            {
              token,
              variables: { id: jobId },
            },
          );
          const found = answer.body.data?.importJob;
          return found && ['FAILED', 'SUCCEEDED'].includes(found.status) ? found : null;
        },
        { message: 'the import to end' },
      );
      expect(job.status === 'FAILED', `the job ${job.status}`);
      const leaks = internals(job.error, [app.dataDir, new URL(app.url).host]);
      expect(leaks.length === 0, `the error names ${JSON.stringify(leaks)}: ${job.error}`);
      expect(job.importerLog, 'no importerLog for the administrator');
      return `${job.errorCode}: "${job.error}"`;
    },
  },
];
