import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUser, graphql } from './support/clients.js';
import { SAMPLES } from './support/samples.js';
import { raw, sha256, tiffLike, TUS, TusClient, tusJsUpload } from './support/tus.js';
import { events, incomingFiles, view } from './support/uploads-queries.js';
import { adminToken, dataDir, server, tus, user, useUploadsApp } from './support/uploads-world.js';

describe('uploads over tus', () => {
  useUploadsApp();

  describe('every sample file, with tus-js-client in 16 KiB chunks', () => {
    const expected: [string, string][] = [
      ['cells-uint8.tiff', 'TIFF'],
      ['cells-uint16.tiff', 'TIFF'],
      ['bfconvert.ome.tiff', 'OME-TIFF'],
      ['labels.png', 'PNG'],
      ['camera.jpg', 'PNG'],
      ['ct_image.dcm', 'DICOM'],
    ];
    it.each(expected)('%s is stored with format %s and its sha256', async (file, format) => {
      const data = await readFile(join(SAMPLES, file));
      const id = await tusJsUpload(server.url, user.token, data, file);
      const upload = await view(id);
      expect(upload).toMatchObject({
        fileName: file,
        status: 'COMPLETED',
        detectedFormat: format,
        sha256: sha256(data),
        sizeBytes: data.length,
        offsetBytes: data.length,
      });
      const stored = await readFile(join(dataDir, 'uploads', 'files', user.id, upload!.storedName!));
      expect(sha256(stored)).toBe(sha256(data));
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([`${id}.json`]);
      expect((await events(id)).map((e) => e.event_type)).toEqual(['upload_started', 'upload_completed']);
    });
  });

  describe('the tus protocol, as the specification says', () => {
    it('answers OPTIONS without credentials, listing the extensions', async () => {
      const response = await raw(`${server.url}/api/uploads`, 'OPTIONS', {});
      expect(response.status).toBe(204);
      expect(response.headers['tus-version']).toBe('1.0.0');
      expect(String(response.headers['tus-extension']).split(',').sort()).toEqual(
        ['creation', 'creation-defer-length', 'creation-with-upload', 'expiration', 'termination'].sort(),
      );
    });

    it('answers 412 with Tus-Version for an unsupported or missing Tus-Resumable', async () => {
      for (const version of ['0.2.2', undefined]) {
        const headers: Record<string, string> = { authorization: `Bearer ${user.token}`, 'Upload-Length': '10' };
        if (version) headers['Tus-Resumable'] = version;
        const response = await raw(`${server.url}/api/uploads`, 'POST', headers);
        expect(response.status).toBe(412);
        expect(response.headers['tus-version']).toBe('1.0.0');
      }
    });

    it('answers 415 to a PATCH that is not application/offset+octet-stream', async () => {
      const { id } = await tus.create('a.tif', 10);
      const response = await tus.patch(id, 0, tiffLike(10), { 'Content-Type': 'application/json' });
      expect(response.status).toBe(415);
      expect((await tus.head(id)).headers['upload-offset']).toBe('0');
    });

    it('refuses unauthenticated requests with 401 that a browser on another origin can read', async () => {
      const response = await raw(`${server.url}/api/uploads`, 'POST', {
        ...TUS,
        'Upload-Length': '10',
        Origin: 'https://portal.example.org',
      });
      expect(response.status).toBe(401);
      expect(response.body).toContain('Authorization: Bearer');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['tus-resumable']).toBe('1.0.0');
    });

    it('answers 413 to a body longer than the upload, and keeps the bytes that fit', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('overlong.tif', data.length);
      // Sent without Content-Length (chunked), so the excess shows only while streaming.
      const response = await raw(
        `${server.url}/api/uploads/${id}`,
        'PATCH',
        {
          ...TUS,
          authorization: `Bearer ${user.token}`,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': '0',
          'Transfer-Encoding': 'chunked',
        },
        Buffer.concat([data, data]),
      );
      expect(response.status).toBe(413);
      expect((await view(id))?.status).toBe('UPLOADING');
    });

    it('does not cut long requests short (a large chunk on a slow link)', () => {
      const http = server.app.getHttpServer() as { requestTimeout: number; timeout: number };
      expect(http.requestTimeout).toBe(0);
      expect(http.timeout).toBeGreaterThan(0);
    });

    it('creates with a Location whose id is the GraphQL Upload.id, and exposes tus headers to browsers', async () => {
      const { response, id } = await tus.create('located.tif', 100);
      expect(response.status).toBe(201);
      expect(response.headers.location).toBe(`/api/uploads/${id}`);
      expect(response.headers['upload-expires']).toBeDefined();
      expect(String(response.headers['access-control-expose-headers'])).toMatch(
        /Upload-Offset.*Location|Location.*Upload-Offset/,
      );
      expect(await view(id)).toMatchObject({ id, status: 'UPLOADING', offsetBytes: 0, sizeBytes: 100 });
      const times = await graphql<{ upload: { createdAt: string; expiresAt: string } }>(
        server.url,
        user.token,
        'query($id: ID!) { upload(id: $id) { createdAt expiresAt } }',
        { id },
      );
      const { createdAt, expiresAt } = times.data!.upload;
      expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(72 * 3600 * 1000);
      expect(Math.abs(Date.parse(expiresAt) - Date.parse(String(response.headers['upload-expires'])))).toBeLessThan(
        2000,
      );
    });

    it('supports creation-with-upload and creation-defer-length', async () => {
      const data = tiffLike(5000);
      const withBody = await tus.create('with-body.tif', data.length, {}, data);
      expect(withBody.response.status).toBe(201);
      expect(withBody.response.headers['upload-offset']).toBe('5000');
      expect(await view(withBody.id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data) });

      const deferred = await tus.create('deferred.tif', 'deferred');
      expect((await tus.head(deferred.id)).headers['upload-defer-length']).toBe('1');
      expect((await tus.patch(deferred.id, 0, data.subarray(0, 2000))).status).toBe(204);
      const declaring = await tus.patch(deferred.id, 2000, data.subarray(2000, 3000), { 'Upload-Length': '5000' });
      expect(declaring.status).toBe(204);
      expect(await view(deferred.id)).toMatchObject({ status: 'UPLOADING', sizeBytes: 5000, offsetBytes: 3000 });
      const last = await tus.patch(deferred.id, 3000, data.subarray(3000));
      expect(last.status).toBe(204);
      expect(await view(deferred.id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data), sizeBytes: 5000 });
    });

    it('answers 409 to a PATCH at the wrong offset, changing nothing', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('offset.tif', data.length);
      expect((await tus.patch(id, 0, data.subarray(0, 400))).status).toBe(204);
      expect((await tus.patch(id, 200, data.subarray(200))).status).toBe(409);
      expect((await tus.head(id)).headers['upload-offset']).toBe('400');
      expect((await tus.patch(id, 400, data.subarray(400))).status).toBe(204);
      expect((await view(id))?.sha256).toBe(sha256(data));
    });

    it('terminates an unfinished upload with DELETE, and refuses to terminate a finished one', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('terminated.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 500));
      expect((await tus.delete(id)).status).toBe(204);
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([]);
      expect((await view(id))?.status).toBe('CANCELLED');
      expect((await tus.head(id)).status).toBe(410);

      const done = await tus.create('finished.tif', data.length, {}, data);
      expect((await tus.delete(done.id)).status).toBe(400);
      const head = await tus.head(done.id);
      expect(head.status).toBe(200);
      expect(head.headers['upload-offset']).toBe('1000');
    });
  });

  describe('ownership', () => {
    it("answers 404 to another user's HEAD, PATCH and DELETE, and hides the upload from their lists", async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('private.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 100));
      const intruder = await createUser(server.url, adminToken, 'intruder');
      const other = new TusClient(server.url, intruder.token);
      expect((await other.head(id)).status).toBe(404);
      expect((await other.patch(id, 100, data.subarray(100))).status).toBe(404);
      expect((await other.delete(id)).status).toBe(404);
      expect(await view(id, intruder.token)).toBeNull();
      const list = await graphql<{ uploads: unknown[] }>(server.url, intruder.token, '{ uploads { id } }');
      expect(list.data?.uploads).toEqual([]);
      const cancel = await graphql(server.url, intruder.token, 'mutation($id: ID!) { cancelUpload(id: $id) { id } }', {
        id,
      });
      expect(cancel.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await tus.head(id)).headers['upload-offset']).toBe('100');
    });
  });
});
